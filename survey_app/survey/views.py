"""Student pages. Each view reads the request, calls the survey service and
answers with a page or a redirect (Post/Redirect/Get throughout)."""

from __future__ import annotations

from functools import lru_cache

from flask import (
    Blueprint,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as HttpResponse

from survey_app import runtime
from survey_app.codes.access_codes import MalformedCode
from survey_app.computers import computer_id
from survey_app.db import db, utcnow
from survey_app.limits import (
    WRONG_CODES_PER_ADDRESS,
    WRONG_CODES_PER_COMPUTER,
    WRONG_CODES_PER_PREFIX,
    address_key,
    code_prefix_key,
    code_was_refused,
    computer_key,
    limit_failed_posts,
)
from survey_app.questionnaires.definitions import Item, Page, Wave
from survey_app.safeguarding.hours import is_school_time
from survey_app.safeguarding.rules import Mode, Tier
from survey_app.survey import service
from survey_app.survey.errors import (
    CodeAlreadyUsed,
    CodeInUseElsewhere,
    CodeNotUsable,
    CodeProblem,
    InvalidAnswers,
    NoSittingOpen,
    NoStudentSession,
    PageNotAllowed,
    SessionTakenOver,
    StudentMayNotContinue,
    SurveyClosed,
    UnknownCode,
)
from survey_app.survey.forms import (
    SKIP,
    CodeForm,
    ConfirmForm,
    accepted_values,
    question_form_class,
)
from survey_app.survey.help import help_contacts
from survey_app.survey.models import ResponseState, ResponseStatus

bp = Blueprint("survey", __name__)

_MALFORMED_MESSAGES = {
    "empty": lambda: _("Type the code from your slip."),
    "length": lambda: _(
        "An access code has 10 letters and numbers, like KM7QX-2P9RT. "
        "Check your slip and try again."
    ),
    "characters": lambda: _(
        "Access codes never use the letters I, O or S or the numbers 0, 1 or 5. "
        "Check your slip and try again."
    ),
}


#: What a student is told when a well-formed code cannot open the survey.
_REFUSED_CODE_MESSAGES = {
    UnknownCode: lambda: _(
        "We couldn't find that code. Check each letter and number on your "
        "slip and try again."
    ),
    CodeAlreadyUsed: lambda: _(
        "This code has already been used to finish the survey. Thank you "
        "for taking part! If you haven't finished, please ask your teacher."
    ),
    CodeNotUsable: lambda: _("This code can't be used. Please ask your teacher."),
    SurveyClosed: lambda: _(
        "This survey is not open at the moment. Please ask your teacher."
    ),
    NoSittingOpen: lambda: _(
        "The survey can only be done in a lesson with your teacher. "
        "Please ask your teacher."
    ),
    CodeInUseElsewhere: lambda: _(
        "This code is being used on another computer. Please ask your "
        "teacher to release it."
    ),
}


# The student's pass --------------------------------------------------------


def _current_pass() -> service.StudentPass | None:
    stored = session.get("student")
    if not isinstance(stored, list) or len(stored) != 2:
        return None
    return service.StudentPass(int(stored[0]), str(stored[1]))


def _current_response() -> tuple[ResponseState, Wave]:
    response = service.response_for_pass(db.connection(), _current_pass())
    return response, runtime.catalogue().wave(response.wave_key)


@bp.errorhandler(NoStudentSession)
def _no_student_session(_exc: NoStudentSession) -> HttpResponse:
    session.pop("student", None)
    flash(_("Please type the code from your slip to continue."))
    return redirect(url_for("survey.code"))


@bp.errorhandler(SessionTakenOver)
def _taken_over(_exc: SessionTakenOver) -> tuple[str, int]:
    session.clear()
    return render_template("survey/taken_over.html"), 409


@bp.errorhandler(StudentMayNotContinue)
def _may_not_continue(_exc: StudentMayNotContinue) -> tuple[str, int]:
    # Neutral on purpose: the reason (such as a parent's opt-out) is private.
    session.clear()
    return render_template("survey/cannot_continue.html"), 403


@bp.errorhandler(PageNotAllowed)
def _page_not_allowed(_exc: PageNotAllowed) -> HttpResponse:
    return redirect(url_for("survey.resume"))


# Code page -----------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@limit_failed_posts(WRONG_CODES_PER_COMPUTER, computer_key, code_was_refused)
@limit_failed_posts(WRONG_CODES_PER_PREFIX, code_prefix_key, code_was_refused)
@limit_failed_posts(WRONG_CODES_PER_ADDRESS, address_key, code_was_refused)
def code() -> str | HttpResponse | tuple[str, int]:
    """Ask for the access code and open the student's survey."""
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("survey/code.html", form=form), status

    try:
        opened = service.open_survey(
            db.connection(),
            form.code.data or "",
            runtime.settings().code_hash_key,
            computer_id(),
            runtime.catalogue(),
        )
    except MalformedCode as exc:
        form.code.errors.append(_MALFORMED_MESSAGES[str(exc)]())
    except CodeProblem as problem:
        form.code.errors.append(_REFUSED_CODE_MESSAGES[type(problem)]())
    else:
        # A fresh session for every student: nothing of the previous student on
        # this computer survives into the next one's.
        session.clear()
        student_pass = opened.student_pass
        session["student"] = [student_pass.response_id, student_pass.browser_token]
        return redirect(_page_url(opened.page), 303)

    g.code_refused = True
    return render_template("survey/code.html", form=form), 422


@bp.get("/survey")
def resume() -> HttpResponse:
    """Send the student to the page they should be on now."""
    response, wave = _current_response()
    page = service.resume_page(response, wave)
    return redirect(_page_url(page), 303)


def _page_url(page: Page) -> str:
    if page.kind == "introduction":
        return url_for("survey.introduction")
    if page.kind == "end":
        return url_for("survey.end")
    return url_for("survey.question_page", page_key=page.key)


# Introduction and assent ---------------------------------------------------


@bp.route("/survey/introduction", methods=["GET", "POST"])
def introduction() -> str | HttpResponse:
    """Explain the survey and ask whether the student agrees to take part."""
    response, wave = _current_response()
    if response.status is not ResponseStatus.AWAITING_ASSENT:
        return redirect(url_for("survey.resume"), 303)

    form = ConfirmForm()
    if form.validate_on_submit():
        if request.form.get("action") == "agree":
            response = service.record_assent(db.connection(), response)
            first = service.resume_page(response, wave)
            return redirect(_page_url(first), 303)
        if request.form.get("action") == "decline":
            return redirect(url_for("survey.decline"), 303)
    study = runtime.catalogue().studies[wave.study_id]
    return render_template(
        "survey/introduction.html",
        form=form,
        page_count=len(wave.question_pages),
        instruments=wave.instruments,
        dsl_told=study.safeguarding.mode is Mode.DSL_ALERT,
    )


@bp.route("/survey/decline", methods=["GET", "POST"])
def decline() -> str | HttpResponse:
    """Check that a student who said no means it, then record the decision."""
    response, _wave = _current_response()
    if response.status is not ResponseStatus.AWAITING_ASSENT:
        return redirect(url_for("survey.resume"), 303)

    form = ConfirmForm()
    if form.validate_on_submit():
        if request.form.get("action") == "confirm":
            service.record_decline(db.connection(), response)
            session.clear()
            return redirect(url_for("survey.goodbye"), 303)
        return redirect(url_for("survey.introduction"), 303)
    return render_template("survey/decline.html", form=form)


@bp.get("/goodbye")
def goodbye() -> str:
    """Thank a student who chose not to take part or to stop, and offer help.

    A student who stopped is told whether their answers were kept or deleted.
    """
    stopped = request.args.get("stopped")
    return render_template(
        "survey/goodbye.html",
        contacts=help_contacts(db.connection(), None),
        stopped=stopped if stopped in ("kept", "deleted") else None,
    )


# Question pages ------------------------------------------------------------


@bp.route("/survey/page/<page_key>", methods=["GET", "POST"])
def question_page(page_key: str) -> str | HttpResponse | tuple[str, int]:
    """Show one page of questions, and save its answers when submitted."""
    response, wave = _current_response()
    if response.status is not ResponseStatus.IN_PROGRESS:
        return redirect(url_for("survey.resume"), 303)
    connection = db.connection()
    page = service.page_for_student(response, wave, page_key)

    def with_saved_answers(refused: bool = False) -> tuple[str, int]:
        # Saved answers are read only when the page is shown, not on a save.
        saved = service.saved_answers(connection, response, page)
        if not refused:
            return _render_question_page(wave, page, _as_choices(saved))
        message = _(
            "Something on this page was not one of the answers, so nothing "
            "from it was saved. Please choose your answers again."
        )
        return _render_question_page(
            wave, page, _as_choices(saved), message=message, status=400
        )

    if request.method == "GET":
        return with_saved_answers()

    form = question_form_class(page)()
    if not form.validate():
        return with_saved_answers(refused=True)
    try:
        saved_page = service.save_page(
            connection,
            response,
            wave,
            page,
            form.answers.data,
            _safeguarding(wave),
        )
    except InvalidAnswers:
        return with_saved_answers(refused=True)
    if saved_page.help_for:
        # Only a request to talk to someone gets a lighter page than a
        # worrying answer; the help offered is the same.
        only_asked = saved_page.help_for == {Tier.SUPPORT}
        return redirect(url_for("survey.help_page", asked=int(only_asked)), 303)
    return redirect(_page_url(saved_page.next_page), 303)


def _safeguarding(wave: Wave) -> service.Safeguarding:
    study = runtime.catalogue().studies[wave.study_id]
    sign_in = runtime.settings().public_url.rstrip("/") + url_for("staff.sign_in")
    return service.Safeguarding(wave.alert_rules, study.safeguarding.mode, sign_in)


@bp.get("/survey/help")
def help_page() -> str:
    """After a worrying answer: where to get help, calmly, then carry on."""
    response, wave = _current_response()
    study = runtime.catalogue().studies[wave.study_id]
    return render_template(
        "survey/help.html",
        # Straight on to the next page: one redirect fewer for every student.
        carry_on_url=_page_url(service.resume_page(response, wave)),
        contacts=help_contacts(db.connection(), response.school_id),
        dsl_told=study.safeguarding.mode is Mode.DSL_ALERT,
        school_open=is_school_time(utcnow()),
        only_asked=request.args.get("asked") == "1",
    )


def reshow_after_expired_form() -> tuple[str, int]:
    """Show a question page again after its form expired, with the choices sent.

    Nothing from the expired form is saved; answers saved earlier are kept.
    """
    try:
        response, wave = _current_response()
    except (NoStudentSession, SessionTakenOver):
        return render_template("errors/expired.html"), 400
    page = wave.question_page((request.view_args or {}).get("page_key", ""))
    if page is None or response.status is not ResponseStatus.IN_PROGRESS:
        return render_template("errors/expired.html"), 400
    sent = {
        item.id: request.form[item.id]
        for item in page.items
        if request.form.get(item.id) in {*accepted_values(page)[item.id], SKIP}
    }
    return _render_question_page(
        wave,
        page,
        sent,
        message=_(
            "This page was open for a long time, so it wasn't saved. Your "
            "answers are still ticked: check them and press the button again."
        ),
        status=400,
    )


def _as_choices(saved: dict[str, int | None]) -> dict[str, str]:
    return {item_id: SKIP if v is None else str(v) for item_id, v in saved.items()}


def _render_question_page(
    wave: Wave,
    page: Page,
    chosen: dict[str, str],
    *,
    message: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    html = render_template(
        "survey/question_page.html",
        page=page,
        instrument=page.instrument,
        chosen=chosen,
        message=message,
        page_count=len(wave.question_pages),
        questions_html=_questions_html,
    )
    return html, status


def _questions_html(page: Page, chosen: dict[str, str], skip_label: str) -> Markup:
    """Return the HTML of every item on ``page``, with ``chosen`` ticked."""
    return Markup("").join(
        _question_html(item, chosen.get(item.id), skip_label) for item in page.items
    )


@lru_cache(maxsize=4096)
def _question_html(item: Item, chosen: str | None, skip_label: str) -> Markup:
    """Return one item's HTML as the ``question`` macro draws it.

    It depends only on the item, the option ticked and the language, so each
    combination is drawn once and kept: drawing every radio button anew was
    the costliest part of showing a page.
    """
    draw = get_template_attribute("macros.html", "question")
    html = draw(item, item.options, chosen, SKIP, skip_label)
    # Templates autoescape, so the macro's output is already escaped markup.
    assert isinstance(html, Markup)
    return html


# Stopping ------------------------------------------------------------------


@bp.route("/survey/stop", methods=["GET", "POST"])
def stop() -> str | HttpResponse:
    """Let a student leave the survey, keeping or deleting their answers."""
    response, _wave = _current_response()
    if response.status is not ResponseStatus.IN_PROGRESS:
        return redirect(url_for("survey.resume"), 303)

    form = ConfirmForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        if action in ("keep", "delete"):
            service.stop_survey(
                db.connection(), response, delete_answers=action == "delete"
            )
            session.clear()
            stopped = "deleted" if action == "delete" else "kept"
            return redirect(url_for("survey.goodbye", stopped=stopped), 303)
        return redirect(url_for("survey.resume"), 303)
    return render_template("survey/stop.html", form=form)


# End -----------------------------------------------------------------------


@bp.route("/survey/end", methods=["GET", "POST"])
def end() -> str | HttpResponse:
    """Thank the student, show where to get help, and free the computer."""
    response, _wave = _current_response()
    if response.status is not ResponseStatus.COMPLETED:
        return redirect(url_for("survey.resume"), 303)

    form = ConfirmForm()
    if form.validate_on_submit():
        session.clear()
        flash(_("Thank you. The next student can type their code now."))
        return redirect(url_for("survey.code"), 303)
    return render_template(
        "survey/end.html",
        form=form,
        contacts=help_contacts(db.connection(), response.school_id),
    )
