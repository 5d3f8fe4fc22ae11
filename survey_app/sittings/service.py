"""Opening and closing sittings, and releasing codes stuck on another computer."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.audit.service import record
from survey_app.db import utcnow
from survey_app.schools.models import School, Student
from survey_app.sittings.models import Sitting, SittingGroup
from survey_app.staff.permissions import Action, NotAllowed, StaffUser, require
from survey_app.survey import service as survey_service
from survey_app.survey.models import Response

logger = logging.getLogger(__name__)


class SittingProblem(ValueError):
    """A sitting cannot be opened as asked; the message says why."""


def form_groups(session: Session, school: School, year_group: int) -> list[str]:
    """Return the school's form groups in a year, for choosing a sitting's groups."""
    query = (
        select(Student.form_group)
        .where(
            Student.school_id == school.id,
            Student.year_group == year_group,
            Student.left_at.is_(None),
        )
        .distinct()
        .order_by(Student.form_group)
    )
    return list(session.scalars(query))


def open_sitting(
    session: Session,
    user: StaffUser,
    school: School,
    wave_key: str,
    year_group: int,
    room: str,
    groups: list[str],
) -> Sitting:
    """Open a sitting in ``room`` for some of the school's form groups."""
    require(user, Action.RUN_SITTING, school.id)
    known = set(form_groups(session, school, year_group))
    if not groups:
        raise SittingProblem("Choose at least one form group.")
    unknown = sorted(set(groups) - known)
    if unknown:
        raise SittingProblem(
            f"{', '.join(unknown)} is not a form group of this school."
        )
    if not room.strip():
        raise SittingProblem("Say which room the sitting is in.")

    sitting = Sitting(
        school_id=school.id,
        wave_key=wave_key,
        room=room.strip()[:100],
        opened_by_id=user.id,
        groups=[SittingGroup(form_group=group) for group in sorted(set(groups))],
    )
    session.add(sitting)
    session.flush()
    record(
        session,
        "sitting.opened",
        actor=user.email,
        actor_id=user.id,
        school_id=school.id,
        subject=f"sitting:{sitting.id}",
        detail=f"{sitting.room}: {', '.join(sitting.form_groups)}",
    )
    session.commit()
    return sitting


def sitting_for(session: Session, user: StaffUser, sitting_id: int) -> Sitting:
    """Return a sitting the user may run, or raise NotAllowed."""
    sitting = session.get(Sitting, sitting_id)
    if sitting is None:
        require(user, Action.RUN_SITTING, None)
        raise NotAllowed("no such sitting")
    require(user, Action.RUN_SITTING, sitting.school_id)
    return sitting


def close_sitting(session: Session, user: StaffUser, sitting: Sitting) -> None:
    """Close a sitting at the end of the lesson."""
    require(user, Action.RUN_SITTING, sitting.school_id)
    if sitting.closed_at is None:
        sitting.closed_at = utcnow()
        record(
            session,
            "sitting.closed",
            actor=user.email,
            actor_id=user.id,
            school_id=sitting.school_id,
            subject=f"sitting:{sitting.id}",
        )
        session.commit()


def open_sittings(
    session: Session, school_ids: list[int] | None = None
) -> list[Sitting]:
    """Return sittings open now, of some schools or of all."""
    query = select(Sitting).where(Sitting.closed_at.is_(None)).order_by(Sitting.id)
    if school_ids is not None:
        query = query.where(Sitting.school_id.in_(school_ids))
    return list(session.scalars(query))


def recent_sittings(session: Session, school: School, limit: int = 10) -> list[Sitting]:
    """Return the school's latest sittings, newest first."""
    query = (
        select(Sitting)
        .where(Sitting.school_id == school.id)
        .order_by(Sitting.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def release_code(
    session: Session, user: StaffUser, sitting: Sitting, response_id: int
) -> None:
    """Let a student's code work on another computer (theirs has crashed)."""
    require(user, Action.RELEASE_CODE, sitting.school_id)
    response = session.get(Response, response_id)
    student = session.get(Student, response.student_id) if response else None
    if (
        response is None
        or student is None
        or student.school_id != sitting.school_id
        or student.form_group not in sitting.form_groups
    ):
        require(user, Action.RELEASE_CODE, None)
        raise NotAllowed("not a student of this sitting")
    survey_service.release_computer(session, response)
    response.elsewhere_attempt_at = None
    record(
        session,
        "code.released",
        actor=user.email,
        actor_id=user.id,
        school_id=sitting.school_id,
        subject=f"student:{student.id}",
    )
    session.commit()
