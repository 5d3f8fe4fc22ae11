"""Staff sign-in, second factor, sign-out and invitations."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as HttpResponse

from survey_app import runtime
from survey_app.audit.service import record_now
from survey_app.dashboard.service import school_for
from survey_app.db import db
from survey_app.limits import (
    SIGN_INS_PER_ACCOUNT,
    SIGN_INS_PER_COMPUTER,
    account_key,
    computer_key,
    limit_failed_posts,
    sign_in_failed,
)
from survey_app.staff import credentials, service
from survey_app.staff.auth import (
    SESSION_KEY,
    current_staff,
    signed_in_user,
    staff_required,
)
from survey_app.staff.forms import (
    AcceptInvitationForm,
    ExistingAccountForm,
    InviteForm,
    SecondFactorForm,
    SignInForm,
    check_button,
)
from survey_app.staff.models import Role, StaffMember
from survey_app.staff.permissions import Action, NotAllowed

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.app_errorhandler(NotAllowed)
def _not_allowed(_exc: NotAllowed) -> tuple[str, int]:
    return render_template("staff/not_allowed.html"), 403


def _safe_next(default: str) -> str:
    """Return the page to go to after signing in, never another site."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/staff"):
        return default
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_failed_posts(SIGN_INS_PER_ACCOUNT, account_key, sign_in_failed)
@limit_failed_posts(SIGN_INS_PER_COMPUTER, computer_key, sign_in_failed)
def sign_in() -> str | HttpResponse | tuple[str, int]:
    """Ask for an email address and password."""
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("staff/sign_in.html", form=form), (
            422 if form.errors else 200
        )
    try:
        result = service.sign_in(db.session(), form.email.data, form.password.data)
    except service.SignInFailed:
        g.sign_in_failed = True
        form.password.errors.append(_("That email address and password don't match."))
        return render_template("staff/sign_in.html", form=form), 422

    # A fresh session at every sign-in, so that nothing chosen before it
    # (such as a planted session cookie) survives.
    session.clear()
    session[SESSION_KEY] = result.token
    if result.needs_second_factor:
        return redirect(url_for("staff.second_factor", next=_safe_next("")), 303)
    return redirect(_safe_next(url_for("dashboard.home")), 303)


@bp.route("/second-factor", methods=["GET", "POST"])
@limit_failed_posts(SIGN_INS_PER_COMPUTER, computer_key, sign_in_failed)
def second_factor() -> str | HttpResponse | tuple[str, int]:
    """Ask for the authenticator code, or set up an authenticator first."""
    token = session.get(SESSION_KEY)
    member = (
        service.signed_in_member(db.session(), token, partly=True) if token else None
    )
    if member is None:
        return redirect(url_for("staff.sign_in"), 303)
    if member.totp_secret is None:
        return _set_up_second_factor(member, token)

    form = SecondFactorForm()
    if form.validate_on_submit():
        if service.check_second_factor(db.session(), token, form.code.data):
            return redirect(_safe_next(url_for("dashboard.home")), 303)
        g.sign_in_failed = True
        form.code.errors.append(_("That code didn't work. Type the newest code."))
    status = 422 if form.errors else 200
    return render_template("staff/second_factor.html", form=form), status


def _set_up_second_factor(member: StaffMember, token: str) -> str | HttpResponse:
    # The secret waits in the signed session until a code proves the app has it.
    secret = session.get("pending_totp") or credentials.new_totp_secret()
    session["pending_totp"] = secret
    form = SecondFactorForm()
    if form.validate_on_submit():
        if service.set_up_second_factor(db.session(), token, secret, form.code.data):
            session.pop("pending_totp", None)
            flash(_("Your authenticator app is set up."))
            return redirect(_safe_next(url_for("dashboard.home")), 303)
        g.sign_in_failed = True
        form.code.errors.append(
            _("That code didn't work. Check the key and try again.")
        )
    return render_template(
        "staff/set_up_second_factor.html",
        form=form,
        secret=secret,
        uri=credentials.totp_uri(secret, member.email),
    )


@bp.post("/sign-out")
def sign_out() -> HttpResponse:
    """End this browser's session and forget everything in it."""
    token = session.get(SESSION_KEY)
    if token:
        service.sign_out(db.session(), token)
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("staff.sign_in"), 303)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | HttpResponse | tuple[str, int]:
    """Let an invited person choose their name and password (or confirm theirs)."""
    database = db.session()
    try:
        invitation = service.open_invitation(
            database, token, runtime.settings().secret_key
        )
    except service.InvitationProblem as problem:
        return _invitation_refused(problem)

    existing = service.member_by_email(database, invitation.email)
    form = ExistingAccountForm() if existing else AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            service.accept_invitation(
                database,
                invitation,
                name=existing.name if existing else form.name.data,
                password=form.password.data,
                confirm=form.password.data if existing else form.confirm.data,
            )
        except service.WeakPassword as weak:
            form.password.errors.append(str(weak))
        except service.SignInFailed:
            form.password.errors.append(_("That isn't the password of your account."))
        except service.InvitationProblem as problem:
            return _invitation_refused(problem)
        else:
            database.commit()
            flash(_("Your account is ready. Please sign in."))
            return redirect(url_for("staff.sign_in"), 303)
    return render_template(
        "staff/accept_invitation.html",
        form=form,
        invitation=invitation,
        existing=existing,
    ), (422 if form.errors else 200)


def _invitation_refused(problem: service.InvitationProblem) -> tuple[str, int]:
    record_now("invitation.refused", actor="visitor", detail=problem.reason)
    return render_template("staff/invitation_problem.html", reason=problem.reason), 400


@bp.route("/schools/<urn>/invite", methods=["GET", "POST"])
@staff_required
def invite_staff(urn: str) -> str | tuple[str, int]:
    """Invite someone to a role at this school and show the link to send them."""
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, Action.INVITE_STAFF)
    form = InviteForm()
    link = None
    if form.validate_on_submit():
        token = service.invite(
            database,
            email=form.email.data,
            role=Role(form.role.data),
            school=school,
            invited_by=user.email,
            secret_key=runtime.settings().secret_key,
        )
        database.commit()
        link = url_for("staff.accept_invitation", token=token, _external=True)
        form = InviteForm(formdata=None)
    return render_template("staff/invite.html", school=school, form=form, link=link), (
        422 if form.errors else 200
    )


@bp.post("/sign-out-everywhere")
@staff_required
def sign_out_everywhere() -> HttpResponse:
    """End every session of the signed-in person, such as on a lost laptop."""
    check_button()
    user = signed_in_user()
    database = db.session()
    member = database.get(StaffMember, user.id)
    assert member is not None
    service.end_all_sessions(database, member, by=user.email)
    session.clear()
    flash(_("You have been signed out on every computer."))
    return redirect(url_for("staff.sign_in"), 303)


@bp.app_context_processor
def _staff_in_templates() -> dict[str, object]:
    return {"current_staff": current_staff}


__all__ = ["bp", "signed_in_user", "staff_required"]
