"""The stored side of access codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base, utcnow
from survey_app.schools.models import Student


class AccessCode(Base):
    """The code that lets one student into one wave's questionnaire.

    Only the keyed hash is kept; the code itself exists on the printed slip.
    """

    __tablename__ = "access_codes"
    __table_args__ = (UniqueConstraint("student_id", "wave_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    #: ``study/wave``, for example ``demo/baseline``.
    wave_key: Mapped[str] = mapped_column(String(80))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    student: Mapped[Student] = relationship()
