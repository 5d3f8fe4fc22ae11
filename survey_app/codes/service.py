"""Issuing, reissuing and revoking access codes.

A plain code exists only in the return value of these functions, for
printing on a slip at once; the database keeps its keyed hash. A lost slip
is replaced by reissuing, which kills the old code.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from survey_app.codes.access_codes import generate_code, hash_code
from survey_app.codes.models import AccessCode
from survey_app.db import utcnow
from survey_app.questionnaires.definitions import Wave
from survey_app.schools.models import OptOut, School, Student
from survey_app.survey.models import Response, ResponseStatus

logger = logging.getLogger(__name__)


class CodeProblem(ValueError):
    """A code cannot be issued or changed as asked; the message says why."""


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: shown once, for printing on the student's slip."""

    student: Student
    code: str


def eligible_students(school: School, wave: Wave) -> Select[tuple[Student]]:
    """Return a query of the school's students who may take part in ``wave``.

    Sorted as slips are printed: by form group, then surname.
    """
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


def issue_codes(
    session: Session,
    school: School,
    wave: Wave,
    code_hash_key: str,
    form_groups: Collection[str] | None = None,
) -> list[IssuedCode]:
    """Issue a code for ``wave`` to every eligible student without one.

    Limited to ``form_groups`` when given (otherwise the whole year group).
    Students who left or were opted out get none.
    """
    have_code = exists().where(
        AccessCode.student_id == Student.id, AccessCode.wave_key == wave.key
    )
    query = eligible_students(school, wave).where(~have_code)
    if form_groups is not None:
        query = query.where(Student.form_group.in_(form_groups))
    issued = []
    for student in session.scalars(query):
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
    session: Session,
    school: School,
    wave: Wave,
    code_hash_key: str,
    *,
    form_groups: Collection[str] | None = None,
    limit: int | None = None,
) -> list[IssuedCode]:
    """Give students who have a code but have not started a new one.

    For a lost batch of slips. Their old codes stop working at once, since
    only the new hash is kept.
    """
    started = exists().where(
        Response.student_id == Student.id, Response.wave_key == wave.key
    )
    query = (
        eligible_students(school, wave)
        .add_columns(AccessCode)
        .join(
            AccessCode,
            (AccessCode.student_id == Student.id) & (AccessCode.wave_key == wave.key),
        )
        .where(~started, AccessCode.revoked_at.is_(None))
        .limit(limit)
    )
    if form_groups is not None:
        query = query.where(Student.form_group.in_(form_groups))
    issued = [
        IssuedCode(student, _replace(access, code_hash_key))
        for student, access in session.execute(query)
    ]
    session.flush()
    logger.info(
        "codes.reissued school=%s wave=%s count=%d", school.urn, wave.key, len(issued)
    )
    return issued


def _replace(access: AccessCode, code_hash_key: str) -> str:
    code = generate_code()
    access.code_hash = hash_code(code, code_hash_key)
    access.issued_at = utcnow()
    access.revoked_at = None
    return code


def code_of(session: Session, student: Student, wave: Wave) -> AccessCode | None:
    """Return the student's code record for ``wave``, if one was issued."""
    query = select(AccessCode).where(
        AccessCode.student_id == student.id, AccessCode.wave_key == wave.key
    )
    return session.scalars(query).one_or_none()


def reissue_code(
    session: Session, student: Student, wave: Wave, code_hash_key: str
) -> IssuedCode:
    """Give one student a new code (a lost slip); the old one dies at once."""
    opted_out = session.scalar(
        select(
            exists().where(
                OptOut.student_id == student.id, OptOut.reversed_at.is_(None)
            )
        )
    )
    if opted_out or student.left_at is not None:
        raise CodeProblem("This student may not take part, so gets no code.")
    finished = session.scalar(
        select(
            exists().where(
                Response.student_id == student.id,
                Response.wave_key == wave.key,
                Response.status == ResponseStatus.COMPLETED,
            )
        )
    )
    if finished:
        raise CodeProblem("This student has finished the survey, so needs no code.")
    access = code_of(session, student, wave)
    if access is None:
        code = generate_code()
        session.add(
            AccessCode(
                student_id=student.id,
                wave_key=wave.key,
                code_hash=hash_code(code, code_hash_key),
            )
        )
    else:
        code = _replace(access, code_hash_key)
    session.flush()
    logger.info("codes.reissued_one student_row=%s wave=%s", student.id, wave.key)
    return IssuedCode(student, code)


def revoke_code(session: Session, student: Student, wave: Wave) -> None:
    """Stop the student's code working, at once, without issuing a new one."""
    access = code_of(session, student, wave)
    if access is None:
        raise CodeProblem("This student has no code to revoke.")
    access.revoked_at = utcnow()
    session.flush()
    logger.info("codes.revoked student_row=%s wave=%s", student.id, wave.key)
