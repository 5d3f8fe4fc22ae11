"""Staff screens. Each view checks permissions through the services first."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as HttpResponse

from survey_app import runtime
from survey_app.audit.service import recent_events
from survey_app.dashboard import service
from survey_app.db import db
from survey_app.progress.service import (
    completion_by_form_group,
    completion_by_school,
    total_of,
)
from survey_app.schools.models import School
from survey_app.sittings import service as sittings
from survey_app.staff.auth import signed_in_user, staff_required
from survey_app.staff.forms import OpenSittingForm, check_button
from survey_app.staff.permissions import Action, may, require

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

#: How often open pages refresh themselves when JavaScript is on, in seconds.
REFRESH_SECONDS = 4


def _fragment_requested() -> bool:
    return request.args.get("fragment") == "1"


@bp.get("/")
@staff_required
def home() -> str:
    """List what the signed-in person can do, school by school."""
    user = signed_in_user()
    database = db.session()
    schools = database.query(School).filter(School.id.in_(user.school_ids())).all()
    return render_template(
        "staff/home.html",
        user=user,
        schools=sorted(schools, key=lambda school: school.name),
        may=may,
        Action=Action,
    )


@bp.get("/schools/<urn>/progress")
@staff_required
def school_progress(urn: str) -> str:
    """Show the school's completion figures, overall and by form group."""
    user = signed_in_user()
    database = db.session()
    school = service.school_for(database, user, urn, Action.VIEW_PROGRESS)
    wave = runtime.current_wave()
    [overall] = completion_by_school(database, wave, [school.id])
    groups = completion_by_form_group(database, wave, school)
    template = (
        "staff/progress_figures.html"
        if _fragment_requested()
        else ("staff/progress.html")
    )
    return render_template(
        template,
        school=school,
        wave=wave,
        overall=overall,
        groups=groups,
        refresh_seconds=REFRESH_SECONDS,
    )


@bp.get("/schools/<urn>/not-completed")
@staff_required
def not_completed(urn: str) -> str:
    """List students who still need a catch-up sitting, printable."""
    user = signed_in_user()
    database = db.session()
    school = service.school_for(database, user, urn, Action.VIEW_NOT_COMPLETED)
    wave = runtime.current_wave()
    students = [
        student
        for student in service.students_progress(database, school, wave)
        if student.state in (service.State.NOT_STARTED, service.State.IN_PROGRESS)
    ]
    service.audit_view(database, user, "list of students not completed", school)
    return render_template(
        "staff/not_completed.html", school=school, wave=wave, students=students
    )


@bp.route("/schools/<urn>/sittings", methods=["GET", "POST"])
@staff_required
def school_sittings(urn: str) -> str | HttpResponse | tuple[str, int]:
    """Open a sitting, and list the school's open and recent sittings."""
    user = signed_in_user()
    database = db.session()
    school = service.school_for(database, user, urn, Action.RUN_SITTING)
    wave = runtime.current_wave()
    form = OpenSittingForm()
    form.form_groups.choices = sittings.form_groups(database, school, wave.year_group)
    if form.validate_on_submit():
        try:
            sitting = sittings.open_sitting(
                database,
                user,
                school,
                wave.key,
                wave.year_group,
                form.room.data,
                form.form_groups.data,
            )
        except sittings.SittingProblem as problem:
            form.form_groups.errors.append(str(problem))
        else:
            return redirect(url_for("dashboard.room", sitting_id=sitting.id), 303)
    return render_template(
        "staff/sittings.html",
        school=school,
        form=form,
        sittings=sittings.recent_sittings(database, school),
    ), (422 if form.errors else 200)


@bp.get("/sittings/<int:sitting_id>")
@staff_required
def room(sitting_id: int) -> str:
    """Show each expected student's progress, live, during a sitting."""
    user = signed_in_user()
    database = db.session()
    sitting = sittings.sitting_for(database, user, sitting_id)
    school = database.get(School, sitting.school_id)
    assert school is not None
    wave = runtime.catalogue().wave(sitting.wave_key)
    students = service.students_progress(database, school, wave, sitting.form_groups)
    if _fragment_requested():
        return render_template(
            "staff/room_students.html", sitting=sitting, students=students
        )
    service.audit_view(database, user, f"room view of sitting {sitting.id}", school)
    return render_template(
        "staff/room.html",
        sitting=sitting,
        school=school,
        students=students,
        refresh_seconds=REFRESH_SECONDS,
    )


@bp.post("/sittings/<int:sitting_id>/close")
@staff_required
def close_sitting(sitting_id: int) -> HttpResponse:
    """Close a sitting at the end of the lesson."""
    user = signed_in_user()
    database = db.session()
    sitting = sittings.sitting_for(database, user, sitting_id)
    check_button()
    sittings.close_sitting(database, user, sitting)
    flash(_("The sitting is closed."))
    school = database.get(School, sitting.school_id)
    assert school is not None
    return redirect(url_for("dashboard.school_sittings", urn=school.urn), 303)


@bp.post("/sittings/<int:sitting_id>/release/<int:response_id>")
@staff_required
def release(sitting_id: int, response_id: int) -> HttpResponse:
    """Release a student's code so that it works on another computer."""
    user = signed_in_user()
    database = db.session()
    sitting = sittings.sitting_for(database, user, sitting_id)
    check_button()
    sittings.release_code(database, user, sitting, response_id)
    flash(_("The code is released: the student can type it on another computer now."))
    return redirect(url_for("dashboard.room", sitting_id=sitting.id), 303)


_SORTS = {
    "name": lambda f: f.school_name.lower(),
    "on_roll": lambda f: f.on_roll,
    "eligible": lambda f: f.eligible,
    "completed": lambda f: f.completed,
    "rate": lambda f: -1 if f.completion_rate is None else f.completion_rate,
    "needed": lambda f: f.more_needed,
}


@bp.get("/all-schools")
@staff_required
def all_schools() -> str:
    """Show every school's figures in one sortable table, with totals."""
    user = signed_in_user()
    require(user, Action.VIEW_ALL_SCHOOLS)
    database = db.session()
    wave = runtime.current_wave()
    figures = completion_by_school(database, wave)
    sort = request.args.get("sort", "name")
    descending = request.args.get("order") == "desc"
    figures.sort(key=_SORTS.get(sort, _SORTS["name"]), reverse=descending)
    open_now = {s.school_id for s in sittings.open_sittings(database)}
    urns_open = {
        school.urn
        for school in database.query(School).filter(School.id.in_(open_now)).all()
    }
    return render_template(
        "staff/all_schools.html",
        wave=wave,
        figures=figures,
        totals=total_of(figures, wave.key),
        urns_open=urns_open,
        sort=sort,
        descending=descending,
    )


@bp.get("/audit")
@staff_required
def audit_trail() -> str:
    """Show the newest audit events (research administrators only)."""
    user = signed_in_user()
    require(user, Action.VIEW_AUDIT)
    database = db.session()
    schools = {school.id: school for school in database.query(School).all()}
    return render_template(
        "staff/audit.html", events=recent_events(database), schools=schools
    )
