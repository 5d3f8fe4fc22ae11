"""The DSL's alert queue, and alert counts for the research team."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response as HttpResponse

from survey_app import runtime
from survey_app.dashboard.service import school_for
from survey_app.db import db
from survey_app.safeguarding import service
from survey_app.safeguarding.hours import next_opening
from survey_app.safeguarding.models import SafeguardingAlert
from survey_app.schools.models import School
from survey_app.staff.auth import signed_in_user, staff_required
from survey_app.staff.forms import check_button
from survey_app.staff.permissions import Action, require
from survey_app.survey.models import Response

bp = Blueprint("safeguarding", __name__, url_prefix="/staff")


@bp.get("/schools/<urn>/alerts")
@staff_required
def queue(urn: str) -> str:
    """List the school's alerts, new ones first."""
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, Action.SEE_ALERTS)
    return render_template(
        "safeguarding/queue.html",
        school=school,
        alerts=service.alerts_for_dsl(database, user, school.id),
        email_failing=service.email_failing(database, school.id),
        emails_waiting=service.emails_waiting(database, school.id),
        mail_configured=bool(runtime.settings().mail_server),
    )


@bp.get("/alerts/<int:alert_id>")
@staff_required
def alert_page(alert_id: int) -> str:
    """Show who, what triggered the alert and when, and what has been done."""
    user = signed_in_user()
    database = db.session()
    view = service.alert_for_dsl(database, user, alert_id)
    school = database.get(School, view.alert.school_id)
    response = database.get(Response, view.alert.response_id)
    assert response is not None
    # The wording the student saw, in their wave's language and text pack.
    item = runtime.catalogue().wave(response.wave_key).items_by_id[view.alert.item_id]
    return render_template(
        "safeguarding/alert.html",
        view=view,
        school=school,
        item=item,
        answer=next(
            (o.label for o in item.options if o.code == view.alert.value), None
        ),
        others=service.other_alerts(database, view.alert),
        seen_from=next_opening(view.alert.raised_at),
    )


@bp.post("/alerts/<int:alert_id>/acknowledge")
@staff_required
def acknowledge(alert_id: int) -> HttpResponse:
    """Record that the DSL has seen the alert and is dealing with it."""
    user = signed_in_user()
    database = db.session()
    check_button()
    alert = _alert(alert_id)
    service.acknowledge(database, user, alert)
    flash(_("Acknowledged. Record what you did when you close the alert."))
    return redirect(url_for("safeguarding.alert_page", alert_id=alert_id), 303)


@bp.post("/alerts/<int:alert_id>/close")
@staff_required
def close(alert_id: int) -> HttpResponse:
    """Record the action taken and the outcome, and close the alert."""
    user = signed_in_user()
    database = db.session()
    check_button()
    alert = _alert(alert_id)
    try:
        service.close(
            database,
            user,
            alert,
            request.form.get("action_taken", "")[:5000],
            request.form.get("outcome", "")[:5000],
        )
    except ValueError as problem:
        flash(str(problem))
    else:
        flash(_("The alert is closed."))
    return redirect(url_for("safeguarding.alert_page", alert_id=alert_id), 303)


def _alert(alert_id: int) -> SafeguardingAlert:
    user = signed_in_user()
    alert = db.session().get(SafeguardingAlert, alert_id)
    if alert is None:
        require(user, Action.SEE_ALERTS, None)
    assert alert is not None
    require(user, Action.SEE_ALERTS, alert.school_id)
    return alert


@bp.get("/alert-counts")
@staff_required
def counts() -> str:
    """Show alert counts by tier, school and state, and time to acknowledge."""
    user = signed_in_user()
    require(user, Action.VIEW_ALERT_COUNTS)
    database = db.session()
    rows = database.execute(
        select(
            School.name,
            SafeguardingAlert.tier,
            SafeguardingAlert.state,
            func.count(),
        )
        .join(School, School.id == SafeguardingAlert.school_id)
        .group_by(School.name, SafeguardingAlert.tier, SafeguardingAlert.state)
        .order_by(School.name, SafeguardingAlert.tier, SafeguardingAlert.state)
    ).all()
    acknowledged = database.execute(
        select(SafeguardingAlert.raised_at, SafeguardingAlert.acknowledged_at).where(
            SafeguardingAlert.acknowledged_at.is_not(None)
        )
    ).all()
    minutes = sorted(
        (ack - raised).total_seconds() / 60 for raised, ack in acknowledged
    )
    median = minutes[len(minutes) // 2] if minutes else None
    return render_template(
        "safeguarding/counts.html",
        rows=rows,
        median_minutes=median,
        acknowledged=len(minutes),
    )


@bp.route("/schools/<urn>/help-contacts", methods=["GET", "POST"])
@staff_required
def help_contacts(urn: str) -> str | HttpResponse:
    """Let the school name its own contacts, shown to students before national ones."""
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, Action.EDIT_HELP_CONTACTS)
    if request.method == "POST":
        check_button()
        names = request.form.getlist("name")
        hows = request.form.getlist("how")
        contacts = [
            (name.strip()[:200], how.strip()[:300])
            for name, how in zip(names, hows, strict=False)
            if name.strip() and how.strip()
        ]
        service.replace_help_contacts(database, user, school, contacts)
        flash(_("Saved. Students now see these contacts first."))
        return redirect(url_for("safeguarding.help_contacts", urn=urn), 303)
    return render_template(
        "safeguarding/help_contacts.html",
        school=school,
        contacts=service.school_help_contacts(database, school.id),
    )
