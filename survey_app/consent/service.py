"""Recording opt-outs and their reversals, and erasing a student's answers.

An opt-out stops the student's code at once (every page checks), keeps them
out of every count and export from then on, and is never erased: a reversal
is recorded beside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey_app.audit.service import record
from survey_app.db import utcnow
from survey_app.schools.models import OptOut, School, Student
from survey_app.staff.permissions import Action, NotAllowed, StaffUser, require
from survey_app.survey.models import Answer, PageSubmission, Response, ResponseStatus

logger = logging.getLogger(__name__)

#: How a parent or carer's opt-out reached the school.
HOW_RECEIVED = ("letter", "email", "phone", "online form", "in person")


class OptOutProblem(ValueError):
    """An opt-out cannot be recorded as given; the message says why."""


def student_of(
    session: Session, user: StaffUser, school: School, student_id: int
) -> Student:
    """Return one of the school's students, or raise NotAllowed (audited)."""
    student = session.get(Student, student_id)
    if student is None or student.school_id != school.id:
        require(user, Action.RECORD_OPT_OUT, None)
        raise NotAllowed("not a student of this school")
    return student


def active_opt_out(session: Session, student: Student) -> OptOut | None:
    """Return the student's opt-out in force, if any."""
    query = select(OptOut).where(
        OptOut.student_id == student.id, OptOut.reversed_at.is_(None)
    )
    return session.scalars(query).first()


def opt_out_history(session: Session, student: Student) -> list[OptOut]:
    """Return every opt-out ever recorded for the student, newest first."""
    query = (
        select(OptOut).where(OptOut.student_id == student.id).order_by(OptOut.id.desc())
    )
    return list(session.scalars(query))


def record_opt_out(
    session: Session,
    user: StaffUser,
    student: Student,
    received_on: date,
    received_via: str,
) -> OptOut:
    """Record that a parent or carer opted the student out."""
    require(user, Action.RECORD_OPT_OUT, student.school_id)
    _check_opt_out(received_on, received_via)
    if active_opt_out(session, student) is not None:
        raise OptOutProblem("This student is already opted out.")
    opt_out = OptOut(
        student_id=student.id,
        received_on=received_on,
        received_via=received_via,
        recorded_by=user.email,
    )
    session.add(opt_out)
    record(
        session,
        "opt_out.recorded",
        actor=user.email,
        actor_id=user.id,
        school_id=student.school_id,
        subject=f"student:{student.id}",
        detail=f"received {received_on.isoformat()} by {received_via}",
    )
    session.flush()
    return opt_out


def _check_opt_out(received_on: date, received_via: str) -> None:
    if received_via not in HOW_RECEIVED:
        raise OptOutProblem(f"Choose how it was received: {', '.join(HOW_RECEIVED)}.")
    if received_on > date.today():
        raise OptOutProblem("The date received cannot be in the future.")


@dataclass(frozen=True)
class ListProblem:
    """One line of a pasted opt-out list that cannot be recorded."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def record_opt_outs_from_list(
    session: Session,
    user: StaffUser,
    school: School,
    upns_text: str,
    received_on: date,
    received_via: str,
) -> tuple[list[Student], list[ListProblem]]:
    """Record opt-outs for a list of UPNs, one per line: all of them or none.

    Returns the students opted out, or (with nothing recorded) the problems.
    """
    require(user, Action.RECORD_OPT_OUT, school.id)
    _check_opt_out(received_on, received_via)
    students = {
        s.upn: s
        for s in session.scalars(select(Student).where(Student.school_id == school.id))
    }
    chosen: list[Student] = []
    problems: list[ListProblem] = []
    seen: set[str] = set()
    for number, line in enumerate(upns_text.splitlines(), start=1):
        upn = line.strip().upper().replace(" ", "")
        if not upn:
            continue
        student = students.get(upn)
        if student is None:
            problems.append(
                ListProblem(number, f"no student of this school has the UPN {upn!r}")
            )
        elif upn in seen:
            problems.append(ListProblem(number, f"{upn} is listed twice"))
        elif active_opt_out(session, student) is not None:
            problems.append(ListProblem(number, f"{upn} is already opted out"))
        else:
            chosen.append(student)
        seen.add(upn)
    if not chosen and not problems:
        problems.append(ListProblem(1, "expected one UPN per line, found none"))
    if problems:
        return [], problems
    for student in chosen:
        record_opt_out(session, user, student, received_on, received_via)
    return chosen, []


def reverse_opt_out(session: Session, user: StaffUser, student: Student) -> None:
    """Record that the parent or carer withdrew their opt-out."""
    require(user, Action.RECORD_OPT_OUT, student.school_id)
    opt_out = active_opt_out(session, student)
    if opt_out is None:
        raise OptOutProblem("This student is not opted out.")
    opt_out.reversed_at = utcnow()
    opt_out.reversed_by = user.email
    record(
        session,
        "opt_out.reversed",
        actor=user.email,
        actor_id=user.id,
        school_id=student.school_id,
        subject=f"student:{student.id}",
    )
    session.flush()


def erase_answers_on_request(
    session: Session, user: StaffUser, student: Student, reason: str
) -> int:
    """Erase every answer the student gave, in every wave, at their request.

    The responses stay as withdrawals, so counts remain right, and the audit
    trail keeps a tombstone: who, when and why, and never what was answered.
    Returns how many answers were erased.
    """
    require(user, Action.RECORD_DELETION, student.school_id)
    reason = reason.strip()
    if not reason:
        raise OptOutProblem("Say why, for example 'the student asked on 3 December'.")
    responses = list(
        session.scalars(select(Response).where(Response.student_id == student.id))
    )
    ids = [response.id for response in responses]
    now = utcnow()
    for response in responses:
        response.status = ResponseStatus.WITHDRAWN
        response.withdrawn_at = response.withdrawn_at or now
        response.withdrawal_reason = "erased_on_request"
    # Withdrawn first: that takes the responses' locks, so a page being saved
    # at this moment either finishes before (and is erased) or is refused.
    session.flush()
    erased = session.execute(delete(Answer).where(Answer.response_id.in_(ids))).rowcount
    session.execute(delete(PageSubmission).where(PageSubmission.response_id.in_(ids)))
    record(
        session,
        "answers.erased",
        actor=user.email,
        actor_id=user.id,
        school_id=student.school_id,
        subject=f"student:{student.id}",
        detail=f"{erased} answers erased; reason: {reason[:500]}",
    )
    session.flush()
    logger.info("consent.answers_erased student_row=%s count=%d", student.id, erased)
    return erased
