"""class lists waiting for confirmation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 14:15:20.130347
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey_app.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roster_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column(
            "uploaded_at", survey_app.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_roster_uploads_school_id_schools"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_roster_uploads_staff_member_id_staff_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_uploads")),
    )
    with op.batch_alter_table("roster_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_uploads_school_id"), ["school_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("roster_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_uploads_school_id"))

    op.drop_table("roster_uploads")
