"""Adding schools, loading their class lists and issuing access codes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from survey_app.codes.access_codes import generate_code, hash_code
from survey_app.codes.models import AccessCode
from survey_app.db import utcnow
from survey_app.questionnaires.definitions import Wave
from survey_app.schools.models import OptOut, School, Student
from survey_app.schools.roster import RosterRow
from survey_app.survey.models import Response

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


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: shown once, for printing on the student's slip."""

    student: Student
    code: str


def issue_codes(
    session: Session, school: School, wave: Wave, code_hash_key: str
) -> list[IssuedCode]:
    """Issue a code for ``wave`` to every eligible student of the school without one.

    Students who left or were opted out get none. The plain codes are returned
    once, for printing, and never stored.
    """
    have_code = exists().where(
        AccessCode.student_id == Student.id, AccessCode.wave_key == wave.key
    )
    students = session.scalars(_eligible_students(school, wave).where(~have_code)).all()
    issued = []
    for student in students:
        code = generate_code()
        session.add(
            AccessCode(
                student_id=student.id,
                wave_key=wave.key,
                code_hash=hash_code(code, code_hash_key),
            )
        )
        issued.append(IssuedCode(student, code))
    session.flush()
    logger.info(
        "codes.issued school=%s wave=%s count=%d", school.urn, wave.key, len(issued)
    )
    return issued


def reissue_codes_of_unstarted(
    session: Session, school: School, wave: Wave, code_hash_key: str, limit: int
) -> list[IssuedCode]:
    """Give up to ``limit`` students who have not started a new code.

    Their old codes stop working at once, since only the new hash is kept.
    """
    started = exists().where(
        Response.student_id == Student.id, Response.wave_key == wave.key
    )
    rows = session.execute(
        _eligible_students(school, wave)
        .add_columns(AccessCode)
        .join(
            AccessCode,
            (AccessCode.student_id == Student.id) & (AccessCode.wave_key == wave.key),
        )
        .where(~started)
        .limit(limit)
    ).all()
    issued = []
    for student, access in rows:
        code = generate_code()
        access.code_hash = hash_code(code, code_hash_key)
        access.issued_at = utcnow()
        access.revoked_at = None
        issued.append(IssuedCode(student, code))
    session.flush()
    logger.info(
        "codes.reissued school=%s wave=%s count=%d", school.urn, wave.key, len(issued)
    )
    return issued


def _eligible_students(school: School, wave: Wave) -> Select[tuple[Student]]:
    """Return a query of the school's students who may take part in ``wave``."""
    opted_out = exists().where(
        OptOut.student_id == Student.id, OptOut.reversed_at.is_(None)
    )
    return (
        select(Student)
        .where(
            Student.school_id == school.id,
            Student.left_at.is_(None),
            Student.year_group == wave.year_group,
            ~opted_out,
        )
        .order_by(Student.form_group, Student.legal_surname, Student.legal_forename)
    )
