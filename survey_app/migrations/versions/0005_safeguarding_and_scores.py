"""safeguarding alerts, outbox and stored scores

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:14:24.996115
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey_app.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school_help_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("how", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_school_help_contacts_school_id_schools"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_help_contacts")),
    )
    with op.batch_alter_table("school_help_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_school_help_contacts_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "response_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("score_id", sa.String(length=40), nullable=False),
        sa.Column("scoring_version", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "computed_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_scores_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_scores")),
        sa.UniqueConstraint(
            "response_id",
            "instrument_id",
            "score_id",
            "scoring_version",
            name=op.f(
                "uq_response_scores_response_id_instrument_id_score_id_scoring_version"
            ),
        ),
    )
    with op.batch_alter_table("response_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_scores_response_id"), ["response_id"], unique=False
        )

    op.create_table(
        "safeguarding_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column(
            "raised_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "state",
            sa.Enum(
                "new",
                "acknowledged",
                "closed",
                name="alertstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "acknowledged_at", survey_app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_at", survey_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=254), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column(
            "last_escalated_at", survey_app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("history", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_safeguarding_alerts_response_id_responses"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_safeguarding_alerts_school_id_schools"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_safeguarding_alerts_student_id_students"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_alerts")),
        sa.UniqueConstraint(
            "response_id",
            "rule_id",
            name=op.f("uq_safeguarding_alerts_response_id_rule_id"),
        ),
    )
    with op.batch_alter_table("safeguarding_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safeguarding_alerts_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safeguarding_alerts_student_id"),
            ["student_id"],
            unique=False,
        )

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column(
            "escalated_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("told", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["safeguarding_alerts.id"],
            name=op.f("fk_escalations_alert_id_safeguarding_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_table(
        "outbox_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "send_after", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "claimed_until", survey_app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", survey_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["safeguarding_alerts.id"],
            name=op.f("fk_outbox_emails_alert_id_safeguarding_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_emails")),
    )
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_emails_send_after"), ["send_after"], unique=False
        )

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column(
            "attempted_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["outbox_emails.id"],
            name=op.f("fk_delivery_attempts_email_id_outbox_emails"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempts_email_id"), ["email_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_email_id"))

    op.drop_table("delivery_attempts")
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_emails_send_after"))

    op.drop_table("outbox_emails")
    op.drop_table("escalations")
    with op.batch_alter_table("safeguarding_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_alerts_student_id"))
        batch_op.drop_index(batch_op.f("ix_safeguarding_alerts_school_id"))

    op.drop_table("safeguarding_alerts")
    with op.batch_alter_table("response_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_scores_response_id"))

    op.drop_table("response_scores")
    with op.batch_alter_table("school_help_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_help_contacts_school_id"))

    op.drop_table("school_help_contacts")
