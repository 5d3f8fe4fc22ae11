"""Alerts, escalations and the email outbox that tells DSLs about them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.db import Base, utcnow


class AlertState(enum.StrEnum):
    """Where an alert is in the DSL's hands."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class SafeguardingAlert(Base):
    """An answer that means someone at school should check on a student.

    Written in the same transaction as the answer that raised it. At most one
    per response and rule; a later change of answer is added to ``history``.
    """

    __tablename__ = "safeguarding_alerts"
    __table_args__ = (UniqueConstraint("response_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(40))
    #: The answer's code when the alert was raised.
    value: Mapped[int]
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[AlertState] = mapped_column(
        Enum(
            AlertState,
            native_enum=False,
            length=20,
            values_callable=lambda states: [s.value for s in states],
        ),
        default=AlertState.NEW,
    )
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))
    action_taken: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(254))
    #: 0 not escalated; 1 deputies reminded; 2 the study's contact told.
    escalation_level: Mapped[int] = mapped_column(default=0)
    last_escalated_at: Mapped[datetime | None]
    #: Later changes of the triggering answer, one line each, oldest first.
    history: Mapped[str] = mapped_column(Text, default="")


class OutboxEmail(Base):
    """An email waiting to be sent (or sent). Written in the alert's transaction,
    so that an alert is never stored without the email that announces it."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("safeguarding_alerts.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Not tried before this time: set further ahead after each failure.
    send_after: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: A worker that claimed the email holds it until then; a crashed
    #: worker's claim lapses and another worker retries.
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """One try at handing an outbox email to the SMTP server."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbox_emails.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]
    error: Mapped[str | None] = mapped_column(String(500))


class EscalationRecord(Base):
    """An alert escalated because nobody acknowledged it in time."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alerts.id"))
    level: Mapped[int]
    escalated_at: Mapped[datetime] = mapped_column(default=utcnow)
    told: Mapped[str] = mapped_column(Text)


class SchoolContact(Base):
    """A school's own named contact for students who need help."""

    __tablename__ = "school_help_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    how: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
