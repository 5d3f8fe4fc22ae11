"""What the staff screens show, each fetched after a permission check."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from survey_app.audit.service import record, record_now
from survey_app.questionnaires.definitions import Wave
from survey_app.schools.models import OptOut, School, Student
from survey_app.sittings.models import Sitting, SittingGroup
from survey_app.staff.permissions import Action, NotAllowed, StaffUser, require
from survey_app.survey.models import PageSubmission, Response, ResponseStatus


def school_for(session: Session, user: StaffUser, urn: str, action: Action) -> School:
    """Return the school with this URN if ``user`` may take ``action`` there.

    An unknown URN is refused exactly like another school's, so that the
    answer does not reveal which schools take part.
    """
    school = session.scalars(select(School).where(School.urn == urn)).one_or_none()
    if school is None:
        record_now(
            "refused",
            actor=user.email,
            actor_id=user.id,
            subject=f"school urn {urn[:20]}",
            detail=f"tried to {action.value}",
        )
        raise NotAllowed(action.value)
    require(user, action, school.id)
    return school


class State(enum.StrEnum):
    """Where a student is in a wave, as the teacher sees it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class StudentProgress:
    """One student's place in the questionnaire: never their answers."""

    student_id: int
    name: str
    form_group: str
    state: State
    pages_done: int
    page_count: int
    response_id: int | None
    in_use_elsewhere: bool
    absent_at_last_sitting: bool

    @property
    def status_text(self) -> str:
        """Return the status as the room view and catch-up list word it."""
        if self.state is State.IN_PROGRESS:
            page = min(self.pages_done + 1, self.page_count)
            return _("on page %(page)s of %(count)s", page=page, count=self.page_count)
        if self.state is State.NOT_STARTED:
            if self.absent_at_last_sitting:
                return _("absent at last sitting")
            return _("not started")
        if self.state is State.COMPLETED:
            return _("finished")
        return _("withdrew")


_STATES = {
    None: State.NOT_STARTED,
    ResponseStatus.AWAITING_ASSENT: State.NOT_STARTED,
    ResponseStatus.IN_PROGRESS: State.IN_PROGRESS,
    ResponseStatus.COMPLETED: State.COMPLETED,
    ResponseStatus.WITHDRAWN: State.WITHDRAWN,
}


def students_progress(
    session: Session,
    school: School,
    wave: Wave,
    form_groups: Collection[str] | None = None,
    student_ids: Collection[int] | None = None,
) -> list[StudentProgress]:
    """Return where each eligible student of the school is, by form group and name."""
    # Counted per response through the page-submission key, so the cost
    # follows the students listed, not every page ever submitted.
    pages_done = (
        select(func.count())
        .where(PageSubmission.response_id == Response.id)
        .correlate(Response)
        .scalar_subquery()
    )
    opted_out = exists().where(
        OptOut.student_id == Student.id, OptOut.reversed_at.is_(None)
    )
    query = (
        select(
            Student,
            Response.id,
            Response.status,
            Response.elsewhere_attempt_at,
            pages_done,
        )
        .outerjoin(
            Response,
            (Response.student_id == Student.id) & (Response.wave_key == wave.key),
        )
        .where(
            Student.school_id == school.id,
            Student.year_group == wave.year_group,
            Student.left_at.is_(None),
            ~opted_out,
        )
        .order_by(Student.form_group, Student.legal_surname, Student.legal_forename)
    )
    if form_groups is not None:
        query = query.where(Student.form_group.in_(form_groups))
    if student_ids is not None:
        query = query.where(Student.id.in_(student_ids))

    groups_sat = _groups_with_closed_sittings(session, school, wave)
    page_count = len(wave.question_pages)
    return [
        StudentProgress(
            student_id=student.id,
            name=student.display_name,
            form_group=student.form_group,
            state=_STATES[status],
            pages_done=done,
            page_count=page_count,
            response_id=response_id,
            in_use_elsewhere=elsewhere is not None,
            absent_at_last_sitting=student.form_group in groups_sat,
        )
        for student, response_id, status, elsewhere, done in session.execute(query)
    ]


def _groups_with_closed_sittings(
    session: Session, school: School, wave: Wave
) -> set[str]:
    query = (
        select(SittingGroup.form_group)
        .join(Sitting)
        .where(
            Sitting.school_id == school.id,
            Sitting.wave_key == wave.key,
            Sitting.closed_at.is_not(None),
        )
    )
    return set(session.scalars(query))


def audit_view(session: Session, user: StaffUser, what: str, school: School) -> None:
    """Record that a staff member looked at students' names and progress."""
    record(
        session,
        "viewed",
        actor=user.email,
        actor_id=user.id,
        school_id=school.id,
        detail=what,
    )
    session.commit()
