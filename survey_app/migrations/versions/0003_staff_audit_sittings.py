"""staff accounts, audit trail and sittings

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 13:40:15.457689
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey_app.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "disabled_at", survey_app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_members")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_members_email")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "occurred_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff_members.id"],
            name=op.f("fk_audit_events_actor_id_staff_members"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_audit_events_school_id_schools"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "research_admin",
                "coordinator",
                "teacher",
                "dsl",
                name="role",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("invited_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "accepted_at", survey_app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_invitations_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "research_admin",
                "coordinator",
                "teacher",
                "dsl",
                name="role",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column(
            "granted_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("granted_by", sa.String(length=254), nullable=False),
        sa.Column(
            "revoked_at", survey_app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_role_grants_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_role_grants_staff_member_id_staff_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
    )
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_grants_staff_member_id"),
            ["staff_member_id"],
            unique=False,
        )

    op.create_table(
        "sittings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("wave_key", sa.String(length=80), nullable=False),
        sa.Column("room", sa.String(length=100), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "opened_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("closed_at", survey_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["staff_members.id"],
            name=op.f("fk_sittings_opened_by_id_staff_members"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_sittings_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sittings")),
    )
    with op.batch_alter_table("sittings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sittings_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("fully_signed_in", sa.Boolean(), nullable=False),
        sa.Column("ended_at", survey_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_sessions_staff_member_id_staff_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_table(
        "sitting_groups",
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("form_group", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["sittings.id"],
            name=op.f("fk_sitting_groups_sitting_id_sittings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "sitting_id", "form_group", name=op.f("pk_sitting_groups")
        ),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "elsewhere_attempt_at",
                survey_app.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    _make_audit_trail_append_only()


def downgrade() -> None:
    _drop_audit_trail_guards()
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("elsewhere_attempt_at")

    op.drop_table("sitting_groups")
    op.drop_table("staff_sessions")
    with op.batch_alter_table("sittings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sittings_school_id"))

    op.drop_table("sittings")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grants_staff_member_id"))

    op.drop_table("role_grants")
    op.drop_table("invitations")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))

    op.drop_table("audit_events")
    op.drop_table("staff_members")


# The audit trail is append-only: the database itself refuses to change or
# remove an event, whatever code (or person with a SQL prompt) tries.
_SQLITE_GUARDS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]
_POSTGRES_GUARDS = [
    """CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE
       ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]


def _make_audit_trail_append_only() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_GUARDS if dialect == "postgresql" else _SQLITE_GUARDS:
        op.execute(statement)


def _drop_audit_trail_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
