"""What happens when a student enters a code, agrees, answers and finishes.

Views call these functions and translate their exceptions into pages; all
rules about who may answer what live here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.codes.access_codes import hash_code, normalise_code
from survey_app.codes.models import AccessCode
from survey_app.db import utcnow
from survey_app.questionnaires.definitions import Page, Wave
from survey_app.questionnaires.loader import Catalogue
from survey_app.safeguarding.hours import LONDON
from survey_app.safeguarding.rules import AlertRule, Mode, Tier
from survey_app.safeguarding.service import raise_alerts
from survey_app.schools.models import OptOut, Student
from survey_app.scoring.storage import store_scores
from survey_app.sittings.models import Sitting, SittingGroup
from survey_app.survey.errors import (
    CodeAlreadyUsed,
    CodeInUseElsewhere,
    CodeNotUsable,
    InvalidAnswers,
    NoSittingOpen,
    NoStudentSession,
    PageNotAllowed,
    SessionTakenOver,
    StudentMayNotContinue,
    SurveyClosed,
    UnknownCode,
)
from survey_app.survey.models import Answer, PageSubmission, Response, ResponseStatus
from survey_app.survey.upsert import insert_ignoring_duplicates, upsert

logger = logging.getLogger(__name__)

#: A skipped item ("prefer not to say", or left blank on a submitted page).
SKIPPED = None

#: How long a survey stays tied to the computer it was last used on. Within
#: this time another computer is turned away (unless the teacher releases the
#: code); after it, a student who moved computers can simply carry on.
COMPUTER_HOLD = timedelta(minutes=15)

_OPEN_STATUSES = (ResponseStatus.AWAITING_ASSENT, ResponseStatus.IN_PROGRESS)


@dataclass(frozen=True)
class StudentPass:
    """What a student's browser holds between pages: which response, and proof."""

    response_id: int
    browser_token: str


def open_survey(
    session: Session,
    typed_code: str,
    code_hash_key: str,
    computer_id: str,
    catalogue: Catalogue,
) -> StudentPass:
    """Check a typed code and return a pass to its student's response.

    Starts the response on first use and resumes it afterwards. ``computer_id``
    is the random cookie of the browser the code was typed in. Raises
    MalformedCode, UnknownCode, CodeAlreadyUsed, CodeNotUsable, SurveyClosed,
    NoSittingOpen or CodeInUseElsewhere.
    """
    code_hash = hash_code(normalise_code(typed_code), code_hash_key)
    access = session.scalars(
        select(AccessCode).where(AccessCode.code_hash == code_hash)
    ).one_or_none()
    if access is None:
        logger.info("survey.code_refused reason=unknown")
        raise UnknownCode()
    _check_student_may_take_part(session, access)
    _check_wave_is_open(session, access, catalogue)

    response = _response_for(session, access)
    if response.status is ResponseStatus.COMPLETED:
        logger.info("survey.code_refused reason=completed response=%s", response.id)
        raise CodeAlreadyUsed()
    if response.status is ResponseStatus.WITHDRAWN:
        logger.info("survey.code_refused reason=withdrawn response=%s", response.id)
        raise CodeNotUsable()

    computer = hmac.new(
        code_hash_key.encode(), computer_id.encode(), hashlib.sha256
    ).hexdigest()
    now = utcnow()
    if (
        response.held_by_computer not in (None, computer)
        and now - response.last_active_at < COMPUTER_HOLD
    ):
        # Shown in the teacher's room view, next to a button to release it.
        response.elsewhere_attempt_at = now
        session.commit()
        logger.info("survey.code_refused reason=in_use response=%s", response.id)
        raise CodeInUseElsewhere()

    # A new token means any other tab still showing this survey can no longer
    # save into it.
    response.browser_token = secrets.token_urlsafe(32)
    response.held_by_computer = computer
    response.last_active_at = now
    session.commit()
    logger.info("survey.opened response=%s", response.id)
    return StudentPass(response.id, response.browser_token)


def _check_student_may_take_part(session: Session, access: AccessCode) -> None:
    student = access.student
    opted_out = session.scalar(
        select(
            exists().where(
                OptOut.student_id == student.id, OptOut.reversed_at.is_(None)
            )
        )
    )
    if access.revoked_at is not None or student.left_at is not None or opted_out:
        logger.info("survey.code_refused reason=not_usable code_row=%s", access.id)
        raise CodeNotUsable()


def _check_wave_is_open(
    session: Session, access: AccessCode, catalogue: Catalogue
) -> None:
    """Refuse codes outside the wave's window, or outside a sitting if required."""
    wave = catalogue.wave(access.wave_key)
    if not wave.is_open_on(utcnow().astimezone(LONDON).date()):
        logger.info("survey.code_refused reason=wave_closed code_row=%s", access.id)
        raise SurveyClosed()
    if not catalogue.studies[wave.study_id].require_open_sitting:
        return
    student = access.student
    sitting_open = session.scalar(
        select(
            exists().where(
                Sitting.school_id == student.school_id,
                Sitting.wave_key == wave.key,
                Sitting.closed_at.is_(None),
                SittingGroup.sitting_id == Sitting.id,
                SittingGroup.form_group == student.form_group,
            )
        )
    )
    if not sitting_open:
        logger.info("survey.code_refused reason=no_sitting code_row=%s", access.id)
        raise NoSittingOpen()


def _response_for(session: Session, access: AccessCode) -> Response:
    """Return the student's response to the code's wave, starting it if needed."""
    query = select(Response).where(
        Response.student_id == access.student_id,
        Response.wave_key == access.wave_key,
    )
    response = session.scalars(query).one_or_none()
    if response is not None:
        return response

    response = Response(
        student_id=access.student_id,
        wave_key=access.wave_key,
        status=ResponseStatus.AWAITING_ASSENT,
        browser_token=secrets.token_urlsafe(32),
    )
    session.add(response)
    try:
        session.flush()
    except IntegrityError:
        # The same code was entered on two computers at the same moment: both
        # must end up in the one response, never in two.
        session.rollback()
        return session.scalars(query).one()
    return response


# Built once: building this statement cost more than running it, on the path
# every page of every student takes.
_STOPPED = or_(
    exists().where(
        OptOut.student_id == Response.student_id, OptOut.reversed_at.is_(None)
    ),
    exists().where(Student.id == Response.student_id, Student.left_at.is_not(None)),
    exists().where(
        AccessCode.student_id == Response.student_id,
        AccessCode.wave_key == Response.wave_key,
        AccessCode.revoked_at.is_not(None),
    ),
)
_PASS_QUERY = select(Response, _STOPPED).where(Response.id == bindparam("response_id"))


def response_for_pass(session: Session, student_pass: StudentPass | None) -> Response:
    """Return the response a browser's pass opens, if the pass is still current.

    Checked on every page, in the same query: a parent's opt-out, a revoked
    code or leaving the school stops a survey that is already under way.
    """
    if student_pass is None:
        raise NoStudentSession()
    row = session.execute(
        _PASS_QUERY, {"response_id": student_pass.response_id}
    ).one_or_none()
    if row is None:
        raise NoStudentSession()
    response, may_not_continue = row
    if not secrets.compare_digest(response.browser_token, student_pass.browser_token):
        raise SessionTakenOver()
    if may_not_continue:
        logger.info("survey.stopped_by_school response=%s", response.id)
        raise StudentMayNotContinue()
    return response


def record_assent(session: Session, response: Response) -> None:
    """Record that the student agreed to take part."""
    if response.status is ResponseStatus.AWAITING_ASSENT:
        now = utcnow()
        response.status = ResponseStatus.IN_PROGRESS
        response.assented_at = now
        response.last_active_at = now
        session.commit()
        logger.info("survey.assented response=%s", response.id)


def record_decline(session: Session, response: Response) -> None:
    """Record that the student chose not to take part in this wave."""
    if response.status is ResponseStatus.AWAITING_ASSENT:
        now = utcnow()
        response.status = ResponseStatus.WITHDRAWN
        response.withdrawn_at = now
        response.withdrawal_reason = "declined_assent"
        response.last_active_at = now
        session.commit()
        logger.info("survey.declined response=%s", response.id)


def stop_survey(session: Session, response: Response, *, delete_answers: bool) -> None:
    """Record that the student chose to stop, deleting their answers if they asked.

    Deleted answers are gone for good; only the fact of the withdrawal stays.
    """
    if response.status not in _OPEN_STATUSES:
        return
    now = utcnow()
    if delete_answers:
        session.execute(delete(Answer).where(Answer.response_id == response.id))
        session.execute(
            delete(PageSubmission).where(PageSubmission.response_id == response.id)
        )
    response.status = ResponseStatus.WITHDRAWN
    response.withdrawn_at = now
    response.withdrawal_reason = "stopped_deleted" if delete_answers else "stopped"
    response.last_active_at = now
    session.commit()
    logger.info("survey.stopped response=%s deleted=%s", response.id, delete_answers)


def release_computer(session: Session, response: Response) -> None:
    """Free a survey from the computer holding it, so the code works elsewhere.

    The old computer can no longer save: its pass stops matching.
    """
    response.held_by_computer = None
    response.browser_token = secrets.token_urlsafe(32)
    session.flush()
    logger.info("survey.released response=%s", response.id)


def submitted_page_keys(session: Session, response: Response) -> set[str]:
    """Return the keys of the pages this response has submitted."""
    query = select(PageSubmission.page_key).where(
        PageSubmission.response_id == response.id
    )
    return set(session.scalars(query))


def resume_page(
    session: Session, response: Response, wave: Wave, done: set[str] | None = None
) -> Page:
    """Return the page a student with this response should see now.

    ``done``, the keys of the pages submitted, is looked up unless given.
    """
    if response.status is ResponseStatus.AWAITING_ASSENT:
        return wave.pages[0]
    if response.status is not ResponseStatus.IN_PROGRESS:
        return wave.pages[-1]
    if done is None:
        done = submitted_page_keys(session, response)
    return next(
        (page for page in wave.question_pages if page.key not in done), wave.pages[-1]
    )


def page_for_student(
    session: Session, response: Response, wave: Wave, page_key: str
) -> Page:
    """Return a question page the student may see, or raise PageNotAllowed.

    A student may go back to any page already submitted, and forward only as
    far as the first page not yet submitted.
    """
    page = wave.question_page(page_key)
    if page is None or response.status is not ResponseStatus.IN_PROGRESS:
        raise PageNotAllowed()
    done = submitted_page_keys(session, response)
    if page.key not in done and page != resume_page(session, response, wave, done):
        raise PageNotAllowed()
    return page


def saved_answers(
    session: Session, response: Response, page: Page
) -> dict[str, int | None]:
    """Return the answers already saved for the items on ``page``."""
    query = select(Answer.item_id, Answer.value).where(
        Answer.response_id == response.id,
        Answer.item_id.in_([item.id for item in page.items]),
    )
    return {item_id: value for item_id, value in session.execute(query)}


@dataclass(frozen=True)
class Safeguarding:
    """What saving a page needs to know to raise alerts: the rules and the mode."""

    rules: Mapping[str, tuple[AlertRule, ...]]
    mode: Mode
    #: Where a DSL signs in, for the alert email.
    sign_in_url: str


@dataclass(frozen=True)
class Saved:
    """The result of saving a page: where to go next, and whether help comes first."""

    next_page: Page
    #: Safeguarding tiers the page triggered; help is shown first if any.
    help_for: frozenset[Tier] = frozenset()


def save_page(
    session: Session,
    response: Response,
    wave: Wave,
    page: Page,
    answers: Mapping[str, int | None],
    safeguarding: Safeguarding,
) -> Saved:
    """Save one submitted page's answers and say which page to show next.

    ``answers`` maps every item on the page to a numeric code, or to SKIPPED.
    Submitting the same page again (a double click, or the back button)
    replaces its answers; nothing is ever stored twice. Safeguarding alerts
    are raised in the same transaction as the answers that trigger them.
    Submitting the last question page completes the response and stores its
    scores.
    """
    if response.status is not ResponseStatus.IN_PROGRESS:
        return Saved(wave.pages[-1])
    _check_answers(page, answers)
    now = utcnow()

    rows = [
        {
            "response_id": response.id,
            "item_id": item.id,
            "instrument_id": item.instrument_id,
            "value": answers[item.id],
            "skipped": answers[item.id] is SKIPPED,
            "answered_at": now,
        }
        for item in page.items
    ]
    upsert(session, Answer, rows, ["response_id", "item_id"])
    insert_ignoring_duplicates(
        session,
        PageSubmission,
        [{"response_id": response.id, "page_key": page.key, "submitted_at": now}],
    )
    help_for = raise_alerts(
        session,
        response,
        page,
        answers,
        safeguarding.rules,
        safeguarding.mode,
        safeguarding.sign_in_url,
    )

    next_page = resume_page(session, response, wave)
    values: dict[str, object] = {"last_active_at": now}
    if next_page.kind == "end":
        values |= {"status": ResponseStatus.COMPLETED, "completed_at": now}
        store_scores(session, response, wave)
    # Conditional on the status, so a second computer's late save cannot undo
    # a completion or a withdrawal recorded in between.
    session.execute(
        update(Response)
        .where(
            Response.id == response.id, Response.status == ResponseStatus.IN_PROGRESS
        )
        .values(values)
    )
    session.commit()
    if next_page.kind == "end":
        logger.info("survey.completed response=%s", response.id)
    return Saved(next_page, help_for)


def _check_answers(page: Page, answers: Mapping[str, int | None]) -> None:
    expected = {item.id: item for item in page.items}
    if set(answers) != set(expected):
        raise InvalidAnswers()
    for item_id, value in answers.items():
        if value is not SKIPPED and value not in expected[item_id].codes:
            raise InvalidAnswers()


def student_for(session: Session, response: Response) -> Student:
    """Return the student a response belongs to."""
    student = session.get(Student, response.student_id)
    assert student is not None
    return student
