"""Schools, students and parent/carer opt-outs.

These tables hold identity (names, dates of birth, UPNs and the roster extras
the trial collects). Answers live in their own tables and point here only by
the student's row id, so that identity can be protected and exported apart.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base, utcnow

# Pseudonyms avoid letters and digits that read alike when a researcher
# copies one by hand.
_STUDY_ID_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ2346789"


def new_study_id() -> str:
    """Return a fresh pseudonym under which a student appears in research data."""
    return "S" + "".join(secrets.choice(_STUDY_ID_ALPHABET) for _ in range(9))


class School(Base):
    """A participating school, known by its URN."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique Reference Number given to every school in England.
    urn: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    students: Mapped[list[Student]] = relationship(back_populates="school")


class Student(Base):
    """One student on a school's roll, as the school's class list describes them."""

    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "upn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    #: Pseudonym used in research exports instead of any name or UPN.
    study_id: Mapped[str] = mapped_column(String(10), unique=True, default=new_study_id)
    upn: Mapped[str] = mapped_column(String(13))
    legal_surname: Mapped[str] = mapped_column(String(100))
    legal_forename: Mapped[str] = mapped_column(String(100))
    preferred_forename: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(20))
    year_group: Mapped[int]
    form_group: Mapped[str] = mapped_column(String(40))
    admission_number: Mapped[str | None] = mapped_column(String(20))
    #: DfE ethnicity code, such as WBRI.
    ethnicity: Mapped[str | None] = mapped_column(String(10))
    free_school_meals: Mapped[bool | None]
    #: N none, K SEN support, E EHC plan.
    sen_status: Mapped[str | None] = mapped_column(String(1))
    #: Set when the student leaves the school; they then leave the denominator.
    left_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    school: Mapped[School] = relationship(back_populates="students")

    @property
    def display_name(self) -> str:
        """Return the name a teacher would call the student by."""
        forename = self.preferred_forename or self.legal_forename
        return f"{forename} {self.legal_surname}"


class OptOut(Base):
    """A parent or carer's request that their child does not take part.

    A reversal is recorded on the same row rather than deleting it, so the
    history of what the school was told stays visible.
    """

    __tablename__ = "opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    received_on: Mapped[date]
    #: How the school heard: letter, email, phone, online form, in person.
    received_via: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_at: Mapped[datetime | None]
    reversed_by: Mapped[str | None] = mapped_column(String(200))
