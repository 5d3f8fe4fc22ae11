"""Importing class lists, first and again: joiners, leavers and form changes.

A student is matched by UPN, never duplicated, and keeps their codes, answers
and opt-out through every re-import. Names and UPNs are invented.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from survey_app.audit.models import AuditEvent
from survey_app.codes.models import AccessCode
from survey_app.db import db, utcnow
from survey_app.progress.service import completion_by_school
from survey_app.rosters import service, uploads
from survey_app.rosters.files import read_table
from survey_app.runtime import catalogue
from survey_app.safeguarding.worker import safeguarding_worker
from survey_app.schools.models import OptOut, School, Student
from survey_app.schools.roster import check_roster
from survey_app.staff.models import Role
from survey_app.staff.service import staff_user
from survey_app.survey.models import Answer, Response
from tests import factories
from tests.student import Student as StudentAtComputer
from tests.test_roster_data import class_list, csv_bytes, made_up_upn, sims_row, write

URN = "999201"


@pytest.fixture
def school(app) -> School:
    with app.app_context(), db.begin() as session:
        return factories.school(session, urn=URN, name="Roster Test School")


def import_list(app, path, *, mark_missing_as_left=False, dry_run=False, urn=URN):
    """Import a class-list file as the command line does; return plan and result."""
    roster = check_roster(read_table(path.read_bytes()))
    with app.app_context(), db.begin() as session:
        school = session.scalars(select(School).where(School.urn == urn)).one()
        return service.import_file(
            session,
            school,
            roster,
            dry_run=dry_run,
            mark_missing_as_left=mark_missing_as_left,
            actor="tests",
        )


def students(app, urn=URN) -> dict[str, Student]:
    with app.app_context(), db.begin() as session:
        query = select(Student).join(School).where(School.urn == urn)
        return {student.upn: student for student in session.scalars(query)}


FIRST_LIST = [
    sims_row(1, "Penhallow", "Wren", ethnicity="WBRI", fsm="Yes", sen="K"),
    sims_row(2, "Tremayne", "Idris", ethnicity="APKN", fsm="No", sen="N"),
    sims_row(3, "Karimi", "Soraya", form="7B", ethnicity="BAFR", sen="E"),
]


def test_a_first_import_adds_every_student_with_the_trials_extras(
    app, school, tmp_path
):
    plan, result = import_list(app, write(tmp_path, "7.csv", class_list(*FIRST_LIST)))

    assert [row.legal_surname for row in plan.to_add] == [
        "Penhallow",
        "Tremayne",
        "Karimi",
    ]
    assert (result.added, result.updated, result.missing) == (3, 0, 0)
    wren = students(app)[made_up_upn(1)]
    assert (wren.legal_forename, wren.form_group, wren.year_group) == ("Wren", "7A", 7)
    assert (wren.ethnicity, wren.free_school_meals, wren.sen_status) == (
        "WBRI",
        True,
        "K",
    )
    assert wren.date_of_birth == date(2015, 3, 24)


def test_importing_the_same_list_again_changes_nothing(app, school, tmp_path):
    path = write(tmp_path, "7.csv", class_list(*FIRST_LIST))
    import_list(app, path)
    before = {upn: s.id for upn, s in students(app).items()}

    plan, result = import_list(app, path)

    assert (result.added, result.updated, result.unchanged) == (0, 0, 3)
    assert {upn: s.id for upn, s in students(app).items()} == before


def test_a_reimport_adds_joiners_updates_form_changes_and_lists_leavers(
    app, school, tmp_path
):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST)))
    updated = [
        sims_row(
            1, "Penhallow", "Wren", form="7C", ethnicity="WBRI", fsm="Yes", sen="K"
        ),
        sims_row(2, "Tremayne", "Idris", ethnicity="APKN", fsm="No", sen="N"),
        sims_row(4, "Osei", "Kofi"),
    ]
    path = write(tmp_path, "second.csv", class_list(*updated))

    plan, result = import_list(app, path)

    assert [row.legal_surname for row in plan.to_add] == ["Osei"]
    [change] = plan.to_update
    assert change.student.upn == made_up_upn(1)
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("Form group", "7A", "7C")
    ]
    assert [s.legal_surname for s in plan.missing] == ["Karimi"]
    assert (result.added, result.updated, result.unchanged) == (1, 1, 1)
    assert (result.missing, result.marked_left) == (1, 0)

    after = students(app)
    assert len(after) == 4
    assert after[made_up_upn(1)].form_group == "7C"
    # Not in the file, but not marked as left either: it may be another form's file.
    assert after[made_up_upn(3)].left_at is None


def test_missing_students_are_marked_as_left_only_when_asked_and_leave_the_figures(
    app, school, tmp_path
):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST)))
    without_karimi = write(tmp_path, "second.csv", class_list(*FIRST_LIST[:2]))

    import_list(app, without_karimi)
    assert students(app)[made_up_upn(3)].left_at is None

    plan, result = import_list(app, without_karimi, mark_missing_as_left=True)

    assert result.marked_left == 1
    karimi = students(app)[made_up_upn(3)]
    assert karimi.left_at is not None  # kept, not deleted
    with app.app_context(), db.begin() as session:
        [figures] = completion_by_school(session, catalogue().wave("demo/baseline"))
    assert figures.on_roll == 2


def test_a_student_who_reappears_is_back_on_roll(app, school, tmp_path):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST)))
    import_list(
        app,
        write(tmp_path, "second.csv", class_list(*FIRST_LIST[:2])),
        mark_missing_as_left=True,
    )

    plan, result = import_list(
        app, write(tmp_path, "third.csv", class_list(*FIRST_LIST))
    )

    [back] = plan.to_update
    assert (back.student.upn, back.returning, back.changes) == (
        made_up_upn(3),
        True,
        (),
    )
    assert (result.returned, result.added) == (1, 0)
    assert students(app)[made_up_upn(3)].left_at is None


def test_codes_answers_and_opt_outs_survive_a_reimport(app, school, settings, tmp_path):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST)))
    codes = factories.issue_codes(app, school, settings)
    taking_part = StudentAtComputer(app.test_client())
    taking_part.type_code(codes["Penhallow"])
    taking_part.agree()
    taking_part.answer(default="1")
    with app.app_context(), db.begin() as session:
        idris = session.scalars(
            select(Student).where(Student.upn == made_up_upn(2))
        ).one()
        session.add(
            OptOut(
                student_id=idris.id,
                received_on=date(2026, 11, 30),
                received_via="letter",
                recorded_by="tests",
            )
        )
    before = _linked_records(app)
    ids = {upn: s.id for upn, s in students(app).items()}

    changed = [
        sims_row(1, "Penhallow-Tremayne", "Wren", form="7B"),
        sims_row(2, "Tremayne", "Idris", form="7B", fsm="Yes"),
        sims_row(3, "Karimi", "Soraya", form="7A"),
    ]
    plan, result = import_list(app, write(tmp_path, "second.csv", class_list(*changed)))

    assert result.updated == 3
    assert {upn: s.id for upn, s in students(app).items()} == ids
    assert _linked_records(app) == before
    assert students(app)[made_up_upn(1)].legal_surname == "Penhallow-Tremayne"


def _linked_records(app) -> dict[str, object]:
    with app.app_context(), db.begin() as session:
        return {
            "codes": sorted(
                session.execute(select(AccessCode.student_id, AccessCode.code_hash))
            ),
            "responses": sorted(
                session.execute(select(Response.student_id, Response.status))
            ),
            "answers": session.scalar(select(func.count()).select_from(Answer)),
            "opt_outs": sorted(
                session.execute(select(OptOut.student_id, OptOut.reversed_at))
            ),
        }


def test_a_column_missing_from_a_later_export_keeps_what_was_loaded(
    app, school, tmp_path
):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST)))
    header = ["Surname", "Forename", "Reg Group", "Year", "UPN"]
    rows = [[r[0], r[1], r[6], r[5], r[7]] for r in FIRST_LIST]

    plan, result = import_list(
        app, write(tmp_path, "short.csv", csv_bytes([header, *rows]))
    )

    assert result.unchanged == 3
    wren = students(app)[made_up_upn(1)]
    assert (wren.ethnicity, wren.free_school_meals, wren.sen_status) == (
        "WBRI",
        True,
        "K",
    )


def test_a_upn_on_roll_at_another_school_is_reported_but_imported(
    app, school, tmp_path
):
    with app.app_context(), db.begin() as session:
        factories.school(session, urn="999202", name="Another School")
    import_list(
        app, write(tmp_path, "other.csv", class_list(FIRST_LIST[0])), urn="999202"
    )

    plan, result = import_list(app, write(tmp_path, "7.csv", class_list(*FIRST_LIST)))

    assert [str(notice) for notice in plan.elsewhere] == [
        f"row 2, upn: {made_up_upn(1)} is also on roll at another school taking "
        "part; if the student moved here, that school should mark them as left"
    ]
    assert (result.added, result.elsewhere) == (3, 1)

    # Once the other school marks the student as left, nothing is reported.
    import_list(
        app,
        write(tmp_path, "empty.csv", class_list(sims_row(9, "Osei", "Kofi"))),
        urn="999202",
        mark_missing_as_left=True,
    )
    plan, _result = import_list(app, write(tmp_path, "7.csv", class_list(*FIRST_LIST)))
    assert plan.elsewhere == []


def test_a_list_with_any_problem_imports_nothing(app, school, tmp_path):
    rows = [*FIRST_LIST, sims_row(4, "Osei", "Kofi", upn="X1234")]

    plan, result = import_list(app, write(tmp_path, "7.csv", class_list(*rows)))

    assert result is None
    assert [str(p) for p in plan.problems] == [
        "row 5, upn: expected a 13-character UPN with a valid check letter, "
        "found 'X1234'"
    ]
    assert students(app) == {}
    with app.app_context(), db.begin() as session:
        school_row = session.get(School, school.id)
        with pytest.raises(service.NothingImported):
            service.apply_import(
                session, school_row, plan, mark_missing_as_left=False, actor="tests"
            )


def test_a_failure_part_way_leaves_nothing_imported(app, school, tmp_path, monkeypatch):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST[:1])))

    def broken_audit_trail(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "record", broken_audit_trail)
    changed = [sims_row(1, "Penhallow", "Wren", form="7C"), *FIRST_LIST[1:]]
    with pytest.raises(RuntimeError):
        import_list(
            app,
            write(tmp_path, "second.csv", class_list(*changed)),
            mark_missing_as_left=True,
        )

    after = students(app)
    assert list(after) == [made_up_upn(1)]
    assert after[made_up_upn(1)].form_group == "7A"


def test_every_import_is_audited_with_counts_and_never_names(app, school, tmp_path):
    import_list(app, write(tmp_path, "first.csv", class_list(*FIRST_LIST)))
    import_list(
        app,
        write(tmp_path, "second.csv", class_list(*FIRST_LIST[:2])),
        mark_missing_as_left=True,
    )
    import_list(app, write(tmp_path, "dry.csv", class_list(*FIRST_LIST)), dry_run=True)

    with app.app_context(), db.begin() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "roster.imported")
        ).all()
    assert [event.detail for event in events] == [
        "3 added, 0 updated (0 back on roll), 0 unchanged, 0 missing from the file "
        "(0 marked as left), 0 also on roll at another school",
        "0 added, 0 updated (0 back on roll), 2 unchanged, 1 missing from the file "
        "(1 marked as left), 0 also on roll at another school",
    ]
    for event in events:
        assert event.actor == "tests"
        for row in FIRST_LIST:
            assert row[0] not in event.detail
            assert row[7] not in event.detail


@pytest.fixture
def coordinator(app, school):
    with app.app_context(), db.begin() as session:
        member = factories.staff_member(
            session, "coordinator@roster.invalid", Role.COORDINATOR, school
        )
        return staff_user(member)


def test_a_preview_made_stale_by_another_import_changes_nothing(
    app, school, coordinator, tmp_path
):
    with app.app_context(), db.begin() as session:
        kept = uploads.keep_upload(
            session, school, coordinator, "7.csv", class_list(*FIRST_LIST)
        )
        fingerprint = uploads.plan_upload(session, school, kept).fingerprint
    import_list(app, write(tmp_path, "other.csv", class_list(FIRST_LIST[0])))

    with app.app_context():
        session = db.session()
        with pytest.raises(uploads.PreviewOutdated):
            uploads.confirm_upload(
                session,
                school,
                coordinator,
                kept.id,
                fingerprint=fingerprint,
                mark_missing_as_left=False,
            )
        session.rollback()
        # The upload is still there to be previewed again and confirmed.
        again = uploads.upload_for(session, coordinator, school, kept.id)
        fresh = uploads.plan_upload(session, school, again).fingerprint
        result = uploads.confirm_upload(
            session,
            school,
            coordinator,
            kept.id,
            fingerprint=fresh,
            mark_missing_as_left=False,
        )
        session.commit()
    assert (result.added, result.unchanged) == (2, 1)
    assert len(students(app)) == 3


def test_a_preview_confirmed_twice_imports_once(app, school, coordinator):
    with app.app_context(), db.begin() as session:
        kept = uploads.keep_upload(
            session, school, coordinator, "7.csv", class_list(*FIRST_LIST)
        )
        fingerprint = uploads.plan_upload(session, school, kept).fingerprint
    for attempt in range(2):
        with app.app_context(), db.begin() as session:
            if attempt == 0:
                uploads.confirm_upload(
                    session,
                    school,
                    coordinator,
                    kept.id,
                    fingerprint=fingerprint,
                    mark_missing_as_left=False,
                )
            else:
                with pytest.raises(uploads.UploadNotFound):
                    uploads.confirm_upload(
                        session,
                        school,
                        coordinator,
                        kept.id,
                        fingerprint=fingerprint,
                        mark_missing_as_left=False,
                    )
    assert len(students(app)) == 3


def test_unconfirmed_uploads_are_forgotten_after_a_few_hours(app, school, coordinator):
    with app.app_context(), db.begin() as session:
        old = uploads.keep_upload(
            session, school, coordinator, "old.csv", class_list(*FIRST_LIST)
        )
        old.uploaded_at = utcnow() - uploads.UPLOAD_LIFETIME * 2
    with app.app_context(), db.begin() as session:
        with pytest.raises(uploads.UploadNotFound):
            uploads.upload_for(session, coordinator, school, old.id)
        uploads.keep_upload(
            session, school, coordinator, "new.csv", class_list(*FIRST_LIST)
        )
    with app.app_context(), db.begin() as session:
        names = session.scalars(select(uploads.RosterUpload.file_name)).all()
    assert names == ["new.csv"]


def test_the_background_worker_forgets_stale_uploads_on_its_own(
    app, school, coordinator
):
    # Nobody opens a class-list page again: the worker's round clears it.
    with app.app_context(), db.begin() as session:
        uploads.keep_upload(
            session, school, coordinator, "recent.csv", class_list(*FIRST_LIST)
        )
        old = uploads.keep_upload(
            session, school, coordinator, "old.csv", class_list(*FIRST_LIST)
        )
        # Made stale after the last upload, which would have cleared it.
        old.uploaded_at = utcnow() - uploads.UPLOAD_LIFETIME * 2
    with app.app_context():
        safeguarding_worker(app).run_round()
        with db.begin() as session:
            names = session.scalars(select(uploads.RosterUpload.file_name)).all()
    assert names == ["recent.csv"]
