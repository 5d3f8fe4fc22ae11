"""A student's response to one wave, and the answers it holds.

Answers carry no identity: they point to a response, which points to the
student's row in the identity store.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.db import Base, utcnow


class ResponseStatus(enum.StrEnum):
    """Where a student is in a wave's questionnaire."""

    #: The code was accepted; the student has not yet agreed to take part.
    AWAITING_ASSENT = "awaiting_assent"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    #: The student declined at assent or chose to stop.
    WITHDRAWN = "withdrawn"


class Response(Base):
    """One student's attempt at one wave: at most one per student and wave."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("student_id", "wave_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    wave_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[ResponseStatus] = mapped_column(
        Enum(
            ResponseStatus,
            native_enum=False,
            length=20,
            values_callable=lambda statuses: [s.value for s in statuses],
        )
    )
    #: Random value held by the one browser tab allowed to write to this
    #: response; entering the code again replaces it, so tabs never interleave.
    browser_token: Mapped[str] = mapped_column(String(43))
    #: Keyed hash of the computer (its browser's cookie) holding the survey; a
    #: different computer is turned away until the teacher releases the code.
    held_by_computer: Mapped[str | None] = mapped_column(String(64))
    #: When another computer last tried this code while it was held; the
    #: teacher's room view offers to release the code.
    elsewhere_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assented_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    #: ``declined_assent``, ``stopped``, or ``stopped_deleted`` (answers erased).
    withdrawal_reason: Mapped[str | None] = mapped_column(String(20))
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class ResponseState:
    """What a student's request knows of their response, read once as it starts.

    Student pages change a response only through statements conditional on
    its status, so a stale copy can never undo what another request did.
    """

    id: int
    student_id: int
    school_id: int
    wave_key: str
    status: ResponseStatus
    #: Keys of the question pages submitted so far.
    submitted: frozenset[str]


class Answer(Base):
    """One item's answer: a numeric code, or skipped (never stored as 0)."""

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint(
            "(skipped AND value IS NULL) OR (NOT skipped AND value IS NOT NULL)",
            name="skipped_has_no_value",
        ),
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(40))
    value: Mapped[int | None] = mapped_column(SmallInteger)
    skipped: Mapped[bool]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageSubmission(Base):
    """A questionnaire page the student has submitted; resuming skips these."""

    __tablename__ = "page_submissions"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    page_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
