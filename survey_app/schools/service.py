"""Adding schools, loading their class lists and issuing access codes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.schools.models import School, Student
from survey_app.schools.roster import RosterRow

logger = logging.getLogger(__name__)


def add_school(session: Session, urn: str, name: str) -> School:
    """Add a school, or return the existing one with this URN."""
    school = session.scalars(select(School).where(School.urn == urn)).one_or_none()
    if school is None:
        school = School(urn=urn, name=name)
        session.add(school)
        session.flush()
    return school


@dataclass(frozen=True)
class RosterChanges:
    """What loading a class list did: students added and students updated."""

    added: int
    updated: int


def load_roster(
    session: Session, school: School, rows: list[RosterRow]
) -> RosterChanges:
    """Add or update the school's students from checked class-list rows.

    Students are matched by UPN, so loading the same list twice changes
    nothing and a student keeps their codes and answers across updates. The
    caller commits, so a failure part-way leaves nothing half-loaded.
    """
    existing = {
        student.upn: student
        for student in session.scalars(
            select(Student).where(Student.school_id == school.id)
        )
    }
    added = updated = 0
    for row in rows:
        details = {
            "legal_surname": row.legal_surname,
            "legal_forename": row.legal_forename,
            "preferred_forename": row.preferred_forename,
            "date_of_birth": row.date_of_birth,
            "gender": row.gender,
            "year_group": row.year_group,
            "form_group": row.form_group,
            "admission_number": row.admission_number,
            "ethnicity": row.ethnicity,
            "free_school_meals": row.free_school_meals,
            "sen_status": row.sen_status,
        }
        student = existing.get(row.upn)
        if student is None:
            session.add(Student(school_id=school.id, upn=row.upn, **details))
            added += 1
        elif any(getattr(student, name) != value for name, value in details.items()):
            for name, value in details.items():
                setattr(student, name, value)
            updated += 1
    session.flush()
    logger.info(
        "roster.loaded school=%s added=%d updated=%d", school.urn, added, updated
    )
    return RosterChanges(added, updated)
