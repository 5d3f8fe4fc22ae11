"""Class-list pages: upload a file, check its preview and columns, confirm."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as HttpResponse

from survey_app.dashboard.service import audit_view, school_for
from survey_app.db import db
from survey_app.rosters import uploads
from survey_app.rosters.files import MAX_FILE_BYTES, RosterUnreadable, too_large_message
from survey_app.rosters.forms import ConfirmForm, UploadForm, columns_form
from survey_app.rosters.service import NothingImported
from survey_app.schools.models import School
from survey_app.schools.roster import file_header
from survey_app.security import csrf
from survey_app.staff.auth import signed_in_user, staff_required
from survey_app.staff.forms import StaffActionForm
from survey_app.staff.permissions import Action, StaffUser

bp = Blueprint("rosters", __name__, url_prefix="/staff")

#: The upload request carries the file and a small form around it.
_UPLOAD_REQUEST_LIMIT = MAX_FILE_BYTES + 64 * 1024


def _coordinator_at(urn: str) -> tuple[Session, StaffUser, School]:
    user = signed_in_user()
    database = db.session()
    return database, user, school_for(database, user, urn, Action.MANAGE_ROSTER)


@bp.route("/schools/<urn>/class-list", methods=["GET", "POST"])
# The app-wide CSRF check reads the request under the 64 KB limit meant for
# survey pages, before this view can raise it for a file; the same check runs
# in the view instead, once the larger limit is set.
@csrf.exempt
@staff_required
def upload(urn: str) -> str | HttpResponse | tuple[str, int]:
    """Take a class-list file (CSV or Excel) and show what importing it would do."""
    database, user, school = _coordinator_at(urn)
    if request.method == "GET":
        uploads.remove_expired_uploads(database)
        database.commit()
    else:
        request.max_content_length = _UPLOAD_REQUEST_LIMIT
        try:
            csrf.protect()
        except RequestEntityTooLarge:
            form = UploadForm(formdata=None)
            return _upload_page(school, form, too_large_message()), 413
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(school, form), (422 if form.errors else 200)

    file = form.file.data
    try:
        kept = uploads.keep_upload(
            database,
            school,
            user,
            file.filename or "",
            file.stream.read(MAX_FILE_BYTES + 1),
        )
    except RosterUnreadable as unreadable:
        database.rollback()
        return _upload_page(school, form, str(unreadable)), 422
    database.commit()
    return redirect(url_for("rosters.preview", urn=urn, upload_id=kept.id), 303)


def _upload_page(school: School, form: UploadForm, problem: str | None = None) -> str:
    return render_template(
        "rosters/upload.html",
        school=school,
        form=form,
        problem=problem,
        megabytes=MAX_FILE_BYTES // (1024 * 1024),
    )


@bp.get("/schools/<urn>/class-list/<upload_id>")
@staff_required
def preview(urn: str, upload_id: str) -> str | tuple[str, int]:
    """Show the columns found, every problem, and what the import would change."""
    database, user, school = _coordinator_at(urn)
    try:
        kept = uploads.upload_for(database, user, school, upload_id)
    except uploads.UploadNotFound:
        return _gone(school)
    plan = uploads.plan_upload(database, school, kept)
    audit_view(database, user, "class list preview", school)
    return render_template(
        "rosters/preview.html",
        school=school,
        upload=kept,
        table=uploads.table_of(kept),
        plan=plan,
        columns=columns_form(plan.roster.header, plan.roster.columns),
        confirm=ConfirmForm(formdata=None, fingerprint=plan.fingerprint),
        groups_in_file={row.form_group for row in plan.roster.rows},
    )


@bp.post("/schools/<urn>/class-list/<upload_id>/columns")
@staff_required
def change_columns(urn: str, upload_id: str) -> HttpResponse | tuple[str, int]:
    """Read the file again with the columns the coordinator chose."""
    database, user, school = _coordinator_at(urn)
    try:
        kept = uploads.upload_for(database, user, school, upload_id)
    except uploads.UploadNotFound:
        return _gone(school)
    form = columns_form(file_header(uploads.table_of(kept)), kept.columns)
    if not form.validate_on_submit():
        abort(400)
    uploads.choose_columns(kept, form.chosen())
    database.commit()
    return redirect(url_for(".preview", urn=urn, upload_id=kept.id), 303)


@bp.post("/schools/<urn>/class-list/<upload_id>/import")
@staff_required
def confirm(urn: str, upload_id: str) -> HttpResponse | tuple[str, int]:
    """Import the previewed class list, all of it or (on any problem) none."""
    database, user, school = _coordinator_at(urn)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = uploads.confirm_upload(
            database,
            school,
            user,
            upload_id,
            fingerprint=form.fingerprint.data,
            mark_missing_as_left=form.mark_missing_as_left.data,
        )
    except uploads.UploadNotFound:
        database.rollback()
        return _gone(school)
    except (uploads.PreviewOutdated, NothingImported):
        database.rollback()
        flash(
            _(
                "Nothing was imported: this preview was out of date, because the "
                "school's students or the chosen columns changed after it was "
                "shown. Check the preview again, then confirm."
            )
        )
        return redirect(url_for(".preview", urn=urn, upload_id=upload_id), 303)
    database.commit()
    flash(
        _(
            "The class list is imported: %(added)s added, %(updated)s updated, "
            "%(left)s marked as left.",
            added=result.added,
            updated=result.updated,
            left=result.marked_left,
        )
    )
    return redirect(url_for(".upload", urn=urn), 303)


@bp.post("/schools/<urn>/class-list/<upload_id>/cancel")
@staff_required
def cancel(urn: str, upload_id: str) -> HttpResponse | tuple[str, int]:
    """Forget an uploaded file without importing it."""
    database, user, school = _coordinator_at(urn)
    if not StaffActionForm().validate_on_submit():
        abort(400)
    try:
        kept = uploads.upload_for(database, user, school, upload_id)
    except uploads.UploadNotFound:
        return _gone(school)
    uploads.discard_upload(database, kept)
    database.commit()
    flash(_("The file is forgotten; nothing was imported."))
    return redirect(url_for(".upload", urn=urn), 303)


def _gone(school: School) -> tuple[str, int]:
    return render_template("rosters/gone.html", school=school), 404
