"""Audit events, kept in the database and never changed once written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.db import Base, utcnow


class AuditEvent(Base):
    """One action on personal data or on access to it.

    Rows are only ever added: database triggers refuse updates and deletes.
    Events name students by their row id, never by name, and hold no answers.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The staff member who acted; None for students and the system.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    #: How the actor was known at the time (an email address, "student", "system").
    actor: Mapped[str] = mapped_column(String(200))
    #: What happened, such as ``sign_in``, ``opt_out.recorded`` or ``refused``.
    action: Mapped[str] = mapped_column(String(60))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    #: What the action was about, such as ``student:42`` or ``sitting:7``.
    subject: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
