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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection
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
from survey_app.scoring.storage import answers_of, store_scores
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
from survey_app.survey.models import (
    Answer,
    PageSubmission,
    Response,
    ResponseState,
    ResponseStatus,
)
from survey_app.survey.upsert import insert_if_new, upsert

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


@dataclass(frozen=True)
class OpenedSurvey:
    """A code that worked: the student's pass, and the page to show them first."""

    student_pass: StudentPass
    page: Page


def open_survey(
    connection: Connection,
    typed_code: str,
    code_hash_key: str,
    computer_id: str,
    catalogue: Catalogue,
) -> OpenedSurvey:
    """Check a typed code and open its student's response at the right page.

    Starts the response on first use and resumes it afterwards. ``computer_id``
    is the random cookie of the browser the code was typed in. Raises
    MalformedCode, UnknownCode, CodeAlreadyUsed, CodeNotUsable, SurveyClosed,
    NoSittingOpen or CodeInUseElsewhere.
    """
    code_hash = hash_code(normalise_code(typed_code), code_hash_key)
    code = connection.execute(_CODE_QUERY, {"code_hash": code_hash}).one_or_none()
    if code is None:
        logger.info("survey.code_refused reason=unknown")
        raise UnknownCode()
    if code.not_usable:
        logger.info("survey.code_refused reason=not_usable code_row=%s", code.id)
        raise CodeNotUsable()
    wave = catalogue.wave(code.wave_key)
    _check_wave_is_open(connection, code, wave, catalogue)

    computer = hmac.new(
        code_hash_key.encode(), computer_id.encode(), hashlib.sha256
    ).hexdigest()
    # A new token means any other tab still showing this survey can no longer
    # save into it.
    token = secrets.token_urlsafe(32)
    now = utcnow()
    started_id = None
    if code.response_id is None:
        started_id = _start_response(connection, code, token, computer, now)
        if started_id is None:
            # Typed on two computers at the same moment: both must end up in
            # the one response the other started, never in two.
            code = connection.execute(_CODE_QUERY, {"code_hash": code_hash}).one()
    if started_id is not None:
        response_id, status = started_id, ResponseStatus.AWAITING_ASSENT
    else:
        response_id, status = code.response_id, code.status
        _check_response_can_open(connection, code, computer, now)
        connection.execute(
            _HOLD_RESPONSE,
            {
                "response_id": response_id,
                "token": token,
                "computer": computer,
                "now": now,
            },
        )

    state = ResponseState(
        response_id,
        code.student_id,
        code.school_id,
        code.wave_key,
        status,
        _page_keys(code.submitted),
    )
    page = resume_page(state, wave)
    connection.commit()
    logger.info("survey.opened response=%s", response_id)
    return OpenedSurvey(StudentPass(response_id, token), page)


def _check_response_can_open(
    connection: Connection, code: Row[Any], computer: str, now: datetime
) -> None:
    """Refuse a response already finished or withdrawn, or in use elsewhere."""
    if code.status is ResponseStatus.COMPLETED:
        logger.info(
            "survey.code_refused reason=completed response=%s", code.response_id
        )
        raise CodeAlreadyUsed()
    if code.status is ResponseStatus.WITHDRAWN:
        logger.info(
            "survey.code_refused reason=withdrawn response=%s", code.response_id
        )
        raise CodeNotUsable()
    if (
        code.held_by_computer not in (None, computer)
        and now - code.last_active_at < COMPUTER_HOLD
    ):
        # Shown in the teacher's room view, next to a button to release it.
        connection.execute(
            _RESPONSES.update()
            .where(_RESPONSES.c.id == code.response_id)
            .values(elsewhere_attempt_at=now)
        )
        connection.commit()
        logger.info("survey.code_refused reason=in_use response=%s", code.response_id)
        raise CodeInUseElsewhere()


def _check_wave_is_open(
    connection: Connection, code: Row[Any], wave: Wave, catalogue: Catalogue
) -> None:
    """Refuse codes outside the wave's window, or outside a sitting if required."""
    if not wave.is_open_on(utcnow().astimezone(LONDON).date()):
        logger.info("survey.code_refused reason=wave_closed code_row=%s", code.id)
        raise SurveyClosed()
    if not catalogue.studies[wave.study_id].require_open_sitting:
        return
    sitting_open = connection.scalar(
        select(
            exists().where(
                Sitting.school_id == code.school_id,
                Sitting.wave_key == wave.key,
                Sitting.closed_at.is_(None),
                SittingGroup.sitting_id == Sitting.id,
                SittingGroup.form_group == code.form_group,
            )
        )
    )
    if not sitting_open:
        logger.info("survey.code_refused reason=no_sitting code_row=%s", code.id)
        raise NoSittingOpen()


def _start_response(
    connection: Connection, code: Row[Any], token: str, computer: str, now: datetime
) -> int | None:
    """Start the student's response to the code's wave, held by this computer.

    Returns its id, or None if another computer started it at the same moment
    (the transaction is then rolled back: it had only read).
    """
    try:
        started = connection.execute(
            _RESPONSES.insert().values(
                student_id=code.student_id,
                wave_key=code.wave_key,
                status=ResponseStatus.AWAITING_ASSENT,
                browser_token=token,
                held_by_computer=computer,
                created_at=now,
                last_active_at=now,
            )
        )
    except IntegrityError:
        connection.rollback()
        return None
    (response_id,) = started.inserted_primary_key
    return int(response_id)


# Student pages read and write responses with plain SQL statements, built once
# and run on the request's connection: they run on every page of every
# student, and building them or going through the ORM cost several times
# more than the database work itself.
_RESPONSES = Response.__table__
_STUDENTS = Student.__table__
_OPT_OUTS = OptOut.__table__
_CODES = AccessCode.__table__


def _stops_taking_part(
    student_id: ColumnElement[int], code_revoked: ColumnElement[bool]
) -> ColumnElement[bool]:
    """Return the condition that the student (joined as _STUDENTS) may not go on.

    Their code was revoked, they left the school, or a parent opted them out.
    """
    return or_(
        code_revoked,
        _STUDENTS.c.left_at.is_not(None),
        exists().where(
            _OPT_OUTS.c.student_id == student_id, _OPT_OUTS.c.reversed_at.is_(None)
        ),
    )


# A student has one code per wave; reissuing it replaces its hash in place.
_STOPPED = _stops_taking_part(
    _RESPONSES.c.student_id,
    exists().where(
        _CODES.c.student_id == _RESPONSES.c.student_id,
        _CODES.c.wave_key == _RESPONSES.c.wave_key,
        _CODES.c.revoked_at.is_not(None),
    ),
)
_SUBMISSIONS = PageSubmission.__table__
# The keys of the pages a response has submitted, as one comma-separated
# value: read with the response itself rather than by a second query.
_SUBMITTED = (
    select(func.aggregate_strings(_SUBMISSIONS.c.page_key, ","))
    .where(_SUBMISSIONS.c.response_id == _RESPONSES.c.id)
    .scalar_subquery()
)


def _page_keys(submitted: str | None) -> frozenset[str]:
    """Return the page keys of a response's ``_SUBMITTED`` value."""
    return frozenset(submitted.split(",")) if submitted else frozenset()


# What a typed code opens, in one query: the code, its student, whether
# anything stops them taking part, and their response to the code's wave if
# it was started before.
_CODE_QUERY = (
    select(
        _CODES.c.id,
        _CODES.c.student_id,
        _CODES.c.wave_key,
        _STUDENTS.c.school_id,
        _STUDENTS.c.form_group,
        _stops_taking_part(_CODES.c.student_id, _CODES.c.revoked_at.is_not(None)).label(
            "not_usable"
        ),
        _RESPONSES.c.id.label("response_id"),
        _RESPONSES.c.status,
        _RESPONSES.c.held_by_computer,
        _RESPONSES.c.last_active_at,
        _SUBMITTED.label("submitted"),
    )
    .join(_STUDENTS, _STUDENTS.c.id == _CODES.c.student_id)
    .outerjoin(
        _RESPONSES,
        and_(
            _RESPONSES.c.student_id == _CODES.c.student_id,
            _RESPONSES.c.wave_key == _CODES.c.wave_key,
        ),
    )
    .where(_CODES.c.code_hash == bindparam("code_hash"))
)
_HOLD_RESPONSE = (
    _RESPONSES.update()
    .where(_RESPONSES.c.id == bindparam("response_id"))
    .values(
        browser_token=bindparam("token"),
        held_by_computer=bindparam("computer"),
        last_active_at=bindparam("now"),
    )
)
_PASS_QUERY = (
    select(
        _RESPONSES.c.id,
        _RESPONSES.c.student_id,
        _STUDENTS.c.school_id,
        _RESPONSES.c.wave_key,
        _RESPONSES.c.status,
        _RESPONSES.c.browser_token,
        _STOPPED.label("stopped"),
        _SUBMITTED.label("submitted"),
    )
    .join(_STUDENTS, _STUDENTS.c.id == _RESPONSES.c.student_id)
    .where(_RESPONSES.c.id == bindparam("response_id"))
)


def response_for_pass(
    connection: Connection, student_pass: StudentPass | None
) -> ResponseState:
    """Return the response a browser's pass opens, if the pass is still current.

    Checked on every page, in the same query: a parent's opt-out, a revoked
    code or leaving the school stops a survey that is already under way.
    """
    if student_pass is None:
        raise NoStudentSession()
    row = connection.execute(
        _PASS_QUERY, {"response_id": student_pass.response_id}
    ).one_or_none()
    if row is None:
        raise NoStudentSession()
    if not secrets.compare_digest(row.browser_token, student_pass.browser_token):
        raise SessionTakenOver()
    if row.stopped or row.status is ResponseStatus.WITHDRAWN:
        # Withdrawn with the pass still in the browser: the school erased the
        # answers on request while the student was taking the survey.
        logger.info("survey.stopped_by_school response=%s", row.id)
        raise StudentMayNotContinue()
    return ResponseState(
        row.id,
        row.student_id,
        row.school_id,
        row.wave_key,
        row.status,
        _page_keys(row.submitted),
    )


def _change_status(
    connection: Connection,
    response: ResponseState,
    allowed_from: tuple[ResponseStatus, ...],
    values: Mapping[str, object],
) -> bool:
    """Change a response only if its status is still one of ``allowed_from``.

    Returns whether it changed; another request may have got there first.
    """
    changed = connection.execute(
        _RESPONSES.update()
        .where(_RESPONSES.c.id == response.id, _RESPONSES.c.status.in_(allowed_from))
        .values(values)
    )
    return changed.rowcount == 1


def _withdraw(
    connection: Connection,
    response: ResponseState,
    allowed_from: tuple[ResponseStatus, ...],
    reason: str,
) -> bool:
    """Mark a response withdrawn for ``reason``; return whether it changed."""
    now = utcnow()
    return _change_status(
        connection,
        response,
        allowed_from,
        {
            "status": ResponseStatus.WITHDRAWN,
            "withdrawn_at": now,
            "withdrawal_reason": reason,
            "last_active_at": now,
        },
    )


def record_assent(connection: Connection, response: ResponseState) -> ResponseState:
    """Record that the student agreed to take part; return the response now."""
    now = utcnow()
    agreed = _change_status(
        connection,
        response,
        (ResponseStatus.AWAITING_ASSENT,),
        {
            "status": ResponseStatus.IN_PROGRESS,
            "assented_at": now,
            "last_active_at": now,
        },
    )
    connection.commit()
    if not agreed:
        return response
    logger.info("survey.assented response=%s", response.id)
    return replace(response, status=ResponseStatus.IN_PROGRESS)


def record_decline(connection: Connection, response: ResponseState) -> None:
    """Record that the student chose not to take part in this wave."""
    declined = _withdraw(
        connection, response, (ResponseStatus.AWAITING_ASSENT,), "declined_assent"
    )
    connection.commit()
    if declined:
        logger.info("survey.declined response=%s", response.id)


def stop_survey(
    connection: Connection, response: ResponseState, *, delete_answers: bool
) -> None:
    """Record that the student chose to stop, deleting their answers if they asked.

    Deleted answers are gone for good; only the fact of the withdrawal stays.
    A response that was completed in the meantime is left as it is.
    """
    reason = "stopped_deleted" if delete_answers else "stopped"
    stopped = _withdraw(connection, response, _OPEN_STATUSES, reason)
    if stopped and delete_answers:
        connection.execute(delete(Answer).where(Answer.response_id == response.id))
        connection.execute(
            delete(PageSubmission).where(PageSubmission.response_id == response.id)
        )
    connection.commit()
    if stopped:
        logger.info(
            "survey.stopped response=%s deleted=%s", response.id, delete_answers
        )


def release_computer(session: Session, response: Response) -> None:
    """Free a survey from the computer holding it, so the code works elsewhere.

    The old computer can no longer save: its pass stops matching.
    """
    response.held_by_computer = None
    response.browser_token = secrets.token_urlsafe(32)
    session.flush()
    logger.info("survey.released response=%s", response.id)


def resume_page(
    response: ResponseState, wave: Wave, done: frozenset[str] | None = None
) -> Page:
    """Return the page a student with this response should see now.

    ``done``, the keys of the pages submitted, is the response's unless given.
    """
    if response.status is ResponseStatus.AWAITING_ASSENT:
        return wave.pages[0]
    if response.status is not ResponseStatus.IN_PROGRESS:
        return wave.pages[-1]
    if done is None:
        done = response.submitted
    return next(
        (page for page in wave.question_pages if page.key not in done), wave.pages[-1]
    )


def page_for_student(response: ResponseState, wave: Wave, page_key: str) -> Page:
    """Return a question page the student may see, or raise PageNotAllowed.

    A student may go back to any page already submitted, and forward only as
    far as the first page not yet submitted.
    """
    page = wave.question_page(page_key)
    if page is None or response.status is not ResponseStatus.IN_PROGRESS:
        raise PageNotAllowed()
    if page.key not in response.submitted and page != resume_page(response, wave):
        raise PageNotAllowed()
    return page


def saved_answers(
    connection: Connection, response: ResponseState, page: Page
) -> dict[str, int | None]:
    """Return the answers already saved for the items on ``page``."""
    # A page's answers are saved in the same transaction as its submission,
    # and erased with it, so a page never submitted has none to read.
    if page.key not in response.submitted:
        return {}
    # All of the response's answers (a few dozen at most) are read with one
    # prebuilt statement and the page's picked out here: cheaper than
    # building an IN list of the page's items for every page shown.
    saved = answers_of(connection, response.id)
    return {item.id: saved[item.id] for item in page.items if item.id in saved}


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
    connection: Connection,
    response: ResponseState,
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
    # First, and only while the response is still in progress: this takes the
    # response's write lock, so a stop, an erasure or a second click on
    # "Finish" is either wholly before this save or waits for it to end.
    still_open = connection.execute(
        _TOUCH_RESPONSE, {"response_id": response.id, "now": now}
    )
    if still_open.rowcount != 1:
        connection.rollback()
        return Saved(_page_after_a_closed_save(connection, response, wave))

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
    upsert(connection, Answer, rows, ["response_id", "item_id"])
    # Asked inside this transaction, after the answers took their write lock:
    # of two simultaneous submits of one page, exactly one is the first.
    first_time = insert_if_new(
        connection,
        PageSubmission,
        {"response_id": response.id, "page_key": page.key, "submitted_at": now},
    )
    help_for = raise_alerts(
        connection,
        response,
        page,
        answers,
        safeguarding.rules,
        safeguarding.mode,
        safeguarding.sign_in_url,
        resubmitted=not first_time,
    )

    next_page = resume_page(response, wave, response.submitted | {page.key})
    if next_page.kind == "end":
        store_scores(connection, response, wave)
        connection.execute(_COMPLETE_RESPONSE, {"response_id": response.id, "now": now})
        logger.info("survey.completed response=%s", response.id)
    connection.commit()
    return Saved(next_page, help_for)


def _page_after_a_closed_save(
    connection: Connection, response: ResponseState, wave: Wave
) -> Page:
    """Return where a save goes when its response closed while it was sent.

    A response completed in the meantime (a double click on "Finish") goes
    to the end page; one withdrawn or erased stops the student.
    """
    status = connection.execute(
        select(_RESPONSES.c.status).where(_RESPONSES.c.id == response.id)
    ).scalar_one()
    if status is not ResponseStatus.COMPLETED:
        raise StudentMayNotContinue()
    return wave.pages[-1]


# Conditional on the status, so a late save cannot undo a completion or a
# withdrawal recorded in between. Prebuilt, like the other statements of the
# student pages: these run on every saved page.
_IN_PROGRESS = _RESPONSES.update().where(
    _RESPONSES.c.id == bindparam("response_id"),
    _RESPONSES.c.status == ResponseStatus.IN_PROGRESS,
)
_TOUCH_RESPONSE = _IN_PROGRESS.values(last_active_at=bindparam("now"))
_COMPLETE_RESPONSE = _IN_PROGRESS.values(
    last_active_at=bindparam("now"),
    completed_at=bindparam("now"),
    status=ResponseStatus.COMPLETED,
)


def _check_answers(page: Page, answers: Mapping[str, int | None]) -> None:
    expected = {item.id: item for item in page.items}
    if set(answers) != set(expected):
        raise InvalidAnswers()
    for item_id, value in answers.items():
        if value is not SKIPPED and value not in expected[item_id].codes:
            raise InvalidAnswers()
