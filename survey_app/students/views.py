"""Coordinator pages: students, opt-outs, codes and slips, deletion requests."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as HttpResponse

from survey_app import runtime
from survey_app.audit.service import record
from survey_app.codes import service as codes
from survey_app.codes.slips import batches, slips_pdf
from survey_app.consent import service as consent
from survey_app.dashboard.service import audit_view, school_for, students_progress
from survey_app.db import db
from survey_app.schools.models import School, Student
from survey_app.sittings.service import form_groups
from survey_app.staff.auth import signed_in_user, staff_required
from survey_app.staff.forms import StaffActionForm, check_button
from survey_app.staff.permissions import Action, StaffUser
from survey_app.students.forms import (
    EraseForm,
    IssueCodesForm,
    OptOutForm,
    OptOutListForm,
)

bp = Blueprint("students", __name__, url_prefix="/staff/schools/<urn>")


def _student(
    urn: str, student_id: int, action: Action
) -> tuple[School, Student, StaffUser]:
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, action)
    return school, consent.student_of(database, user, school, student_id), user


@bp.get("/students")
@staff_required
def student_list(urn: str) -> str:
    """List the school's students with their opt-out and survey status."""
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, Action.RECORD_OPT_OUT)
    wave = runtime.current_wave()
    everyone = (
        database.query(Student)
        .filter(Student.school_id == school.id, Student.year_group == wave.year_group)
        .order_by(Student.form_group, Student.legal_surname, Student.legal_forename)
        .all()
    )
    progress = {p.student_id: p for p in students_progress(database, school, wave)}
    audit_view(database, user, "student list", school)
    return render_template(
        "students/list.html",
        school=school,
        wave=wave,
        students=everyone,
        progress=progress,
    )


@bp.get("/students/<int:student_id>")
@staff_required
def student_page(urn: str, student_id: int) -> str:
    """Show one student's record: opt-outs, code, and what can be done."""
    school, student, user = _student(urn, student_id, Action.RECORD_OPT_OUT)
    database = db.session()
    wave = runtime.current_wave()
    audit_view(database, user, f"student page of student:{student.id}", school)
    return _render_student(school, student, wave)


def _render_student(
    school: School,
    student: Student,
    wave: object,
    *,
    opt_out_form: OptOutForm | None = None,
    erase_form: EraseForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    database = db.session()
    html = render_template(
        "students/student.html",
        school=school,
        student=student,
        wave=wave,
        history=consent.opt_out_history(database, student),
        opted_out=consent.active_opt_out(database, student) is not None,
        access=codes.code_of(database, student, wave),  # type: ignore[arg-type]
        progress=next(
            iter(students_progress(database, school, wave, student_ids=[student.id])),
            None,
        ),
        opt_out_form=opt_out_form or OptOutForm(formdata=None),
        erase_form=erase_form or EraseForm(formdata=None),
        action_form=StaffActionForm(),
    )
    return html, status


@bp.post("/students/<int:student_id>/opt-out")
@staff_required
def record_opt_out(urn: str, student_id: int) -> HttpResponse | tuple[str, int]:
    """Record a parent or carer's opt-out for one student."""
    school, student, user = _student(urn, student_id, Action.RECORD_OPT_OUT)
    form = OptOutForm()
    if form.validate_on_submit():
        try:
            consent.record_opt_out(
                db.session(),
                user,
                student,
                form.received_on.data,
                form.received_via.data,
            )
        except consent.OptOutProblem as problem:
            form.received_on.errors.append(str(problem))
        else:
            db.session().commit()
            flash(_("Opt-out recorded. The student's code no longer works."))
            return _back_to(school, student)
    return _render_student(
        school, student, runtime.current_wave(), opt_out_form=form, status=422
    )


@bp.post("/students/<int:student_id>/opt-out/reverse")
@staff_required
def reverse_opt_out(urn: str, student_id: int) -> HttpResponse:
    """Record that a parent or carer withdrew their opt-out."""
    school, student, user = _student(urn, student_id, Action.RECORD_OPT_OUT)
    check_button()
    try:
        consent.reverse_opt_out(db.session(), user, student)
    except consent.OptOutProblem as problem:
        flash(str(problem))
    else:
        db.session().commit()
        flash(_("Opt-out reversed. Issue a code if the student should take part."))
    return _back_to(school, student)


@bp.post("/students/<int:student_id>/erase")
@staff_required
def erase_answers(urn: str, student_id: int) -> HttpResponse | tuple[str, int]:
    """Erase a student's answers at their request, leaving an audit tombstone."""
    school, student, user = _student(urn, student_id, Action.RECORD_DELETION)
    form = EraseForm()
    if form.validate_on_submit():
        erased = consent.erase_answers_on_request(
            db.session(), user, student, form.reason.data
        )
        db.session().commit()
        flash(
            ngettext(
                "%(num)s answer erased. The request is in the audit trail.",
                "%(num)s answers erased. The request is in the audit trail.",
                erased,
            )
        )
        return _back_to(school, student)
    return _render_student(
        school, student, runtime.current_wave(), erase_form=form, status=422
    )


@bp.post("/students/<int:student_id>/code/reissue")
@staff_required
def reissue_code(urn: str, student_id: int) -> Response | HttpResponse:
    """Give a student a new code and show their slip; the old code dies."""
    school, student, user = _student(urn, student_id, Action.MANAGE_CODES)
    check_button()
    database = db.session()
    wave = runtime.current_wave()
    try:
        issued = codes.reissue_code(
            database, student, wave, runtime.settings().code_hash_key
        )
    except codes.CodeProblem as problem:
        flash(str(problem))
        return _back_to(school, student)
    _audit_codes(user, school, "code.reissued", f"student:{student.id}", 1)
    database.commit()
    return _slips_response(school, [issued])


@bp.post("/students/<int:student_id>/code/revoke")
@staff_required
def revoke_code(urn: str, student_id: int) -> HttpResponse:
    """Stop a student's code working at once."""
    school, student, user = _student(urn, student_id, Action.MANAGE_CODES)
    check_button()
    try:
        codes.revoke_code(db.session(), student, runtime.current_wave())
    except codes.CodeProblem as problem:
        flash(str(problem))
    else:
        _audit_codes(user, school, "code.revoked", f"student:{student.id}", 1)
        db.session().commit()
        flash(_("The code is revoked and no longer works."))
    return _back_to(school, student)


@bp.route("/opt-outs", methods=["GET", "POST"])
@staff_required
def opt_out_list(urn: str) -> str | HttpResponse | tuple[str, int]:
    """Record several opt-outs at once from a list of UPNs: all or none."""
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, Action.RECORD_OPT_OUT)
    form = OptOutListForm()
    problems: list[consent.ListProblem] = []
    if form.validate_on_submit():
        try:
            recorded, problems = consent.record_opt_outs_from_list(
                database,
                user,
                school,
                form.upns.data,
                form.received_on.data,
                form.received_via.data,
            )
        except consent.OptOutProblem as problem:
            form.received_on.errors.append(str(problem))
        else:
            if not problems:
                database.commit()
                flash(_("%(count)s opt-outs recorded.", count=len(recorded)))
                return redirect(url_for("students.student_list", urn=urn), 303)
            database.rollback()
    status = 422 if (form.errors or problems) else 200
    return render_template(
        "students/opt_out_list.html", school=school, form=form, problems=problems
    ), status


@bp.route("/codes", methods=["GET", "POST"])
@staff_required
def issue_codes(urn: str) -> str | Response | tuple[str, int]:
    """Issue codes for chosen form groups, and show their slips to print."""
    user = signed_in_user()
    database = db.session()
    school = school_for(database, user, urn, Action.MANAGE_CODES)
    wave = runtime.current_wave()
    form = IssueCodesForm()
    groups = form_groups(database, school, wave.year_group)
    form.form_groups.choices = groups
    if form.validate_on_submit():
        chosen = [group for group in form.form_groups.data if group in groups]
        if not chosen:
            form.form_groups.errors.append(_("Choose at least one form group."))
        else:
            key = runtime.settings().code_hash_key
            issued = []
            # Replaced first, so that codes issued just now are not replaced
            # again (which would print a dead slip beside the live one).
            if form.replace_unstarted.data == "yes":
                issued += codes.reissue_codes_of_unstarted(
                    database, school, wave, key, form_groups=chosen
                )
            issued += codes.issue_codes(database, school, wave, key, chosen)
            if not issued:
                form.form_groups.errors.append(
                    _(
                        "Everyone in these form groups already has a code, and "
                        "codes are shown only once. To print slips again, choose "
                        "to give new codes to those who have not started."
                    )
                )
                database.rollback()
                return render_template(
                    "students/issue_codes.html", school=school, wave=wave, form=form
                ), 422
            _audit_codes(user, school, "codes.issued", ", ".join(chosen), len(issued))
            database.commit()
            return _slips_response(school, issued)
    return render_template(
        "students/issue_codes.html", school=school, wave=wave, form=form
    ), (422 if form.errors else 200)


def _slips_response(school: School, issued: list[codes.IssuedCode]) -> Response:
    """Show newly issued codes once, as printable slips or as a PDF."""
    address = url_for("survey.code", _external=True)
    instructions = _("Go to this address and type your code:")
    grouped = batches(issued)
    if request.form.get("format") == "pdf":
        pdf = slips_pdf(grouped, address, instructions)
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="slips-{school.urn}.pdf"'
            },
        )
    html = render_template(
        "students/slips.html",
        school=school,
        batches=grouped,
        address=address,
        instructions=instructions,
    )
    return Response(html, mimetype="text/html")


def _audit_codes(
    user: StaffUser, school: School, action: str, subject: str, count: int
) -> None:
    record(
        db.session(),
        action,
        actor=user.email,
        actor_id=user.id,
        school_id=school.id,
        subject=subject,
        detail=f"{count} codes",
    )


def _back_to(school: School, student: Student) -> HttpResponse:
    return redirect(
        url_for("students.student_page", urn=school.urn, student_id=student.id), 303
    )
