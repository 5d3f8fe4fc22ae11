"""A coordinator loads class lists through the staff pages; nobody else may.

The coordinator uploads a file, sees the columns found and what would change,
corrects a column if need be, and confirms. Names and UPNs are invented.
"""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from survey_app.audit.models import AuditEvent
from survey_app.db import db
from survey_app.rosters import service
from survey_app.rosters.files import MAX_FILE_BYTES, read_table
from survey_app.schools.models import School, Student
from survey_app.schools.roster import check_roster
from survey_app.staff.models import Role
from tests import factories
from tests.staff import StaffBrowser
from tests.student import Page
from tests.test_roster_data import (
    SIMS_HEADER,
    class_list,
    csv_bytes,
    made_up_upn,
    sims_row,
)

URN = "999401"
UPLOAD = f"/staff/schools/{URN}/class-list"
ROWS = [
    sims_row(1, "Penhallow", "Wren", ethnicity="WBRI", fsm="Yes", sen="K"),
    sims_row(2, "O’Rourke", "Siobhán"),
    sims_row(3, "Karimi", "Soraya", form="7B"),
]


class Coordinator(StaffBrowser):
    """A school coordinator at their computer, loading class lists."""

    def upload(self, name: str, data: bytes, path: str = UPLOAD) -> Page:
        """Choose a file on the class-list page and press Check the file."""
        self.open(path)
        form = {"csrf_token": self.page.csrf_token, "file": (io.BytesIO(data), name)}
        return self._land(
            self.client.post(
                path,
                data=form,
                content_type="multipart/form-data",
                follow_redirects=True,
            )
        )

    def confirm(self, *, mark_missing_as_left: bool = False) -> Page:
        """Press Import this class list on the preview (ticking the box if asked)."""
        fields = {"fingerprint": fingerprint(self.page)}
        if mark_missing_as_left:
            fields["mark_missing_as_left"] = "y"
        return self.submit(self.page.path + "/import", fields)

    def choose_columns(self, **chosen: str) -> Page:
        """Change some column choices on the preview and check the file again."""
        fields = selected_values(self.page) | chosen
        return self.submit(self.page.path + "/columns", fields)


def fingerprint(page: Page) -> str:
    return re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', page.html)[1]


def selects(page: Page) -> dict[str, str]:
    return dict(
        re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page.html, re.S)
    )


def selected_values(page: Page) -> dict[str, str]:
    found = {}
    for name, options in selects(page).items():
        match = re.search(r'<option selected value="([^"]*)"', options)
        found[name] = match[1] if match else ""
    return found


def selected_columns(page: Page) -> dict[str, str]:
    """Return the column each select shows as chosen, by field name."""
    found = {}
    for name, options in selects(page).items():
        match = re.search(r"<option selected[^>]*>(.*?)</option>", options)
        found[name] = html.unescape(match[1])
    return found


def table_rows(page: Page, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page.html, re.S)
    assert table, f"no table {table_id} on {page.path}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table[0], re.S)
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.fixture
def school(app) -> School:
    with app.app_context(), db.begin() as session:
        school = factories.school(session, urn=URN, name="Roster Web School")
        other = factories.school(session, urn="999402", name="Other School")
        factories.staff_member(
            session, "coordinator@roster.invalid", Role.COORDINATOR, school
        )
        factories.staff_member(
            session, "second@roster.invalid", Role.COORDINATOR, school
        )
        factories.staff_member(session, "teacher@roster.invalid", Role.TEACHER, school)
        factories.staff_member(
            session, "elsewhere@roster.invalid", Role.COORDINATOR, other
        )
    return school


def signed_in(app, email: str) -> Coordinator:
    browser = Coordinator(app.test_client())
    browser.sign_in(email)
    return browser


@pytest.fixture
def coordinator(app, school) -> Coordinator:
    return signed_in(app, "coordinator@roster.invalid")


def students(app) -> dict[str, Student]:
    with app.app_context(), db.begin() as session:
        query = select(Student).join(School).where(School.urn == URN)
        return {student.upn: student for student in session.scalars(query)}


def test_a_coordinator_uploads_sees_the_preview_and_confirms(app, coordinator):
    page = coordinator.upload("7.csv", class_list(*ROWS))

    assert page.status == 200
    assert page.path.startswith(UPLOAD + "/")
    assert "File: 7.csv (CSV, UTF-8)." in page
    assert selected_columns(page) == {
        "upn": "UPN",
        "legal_surname": "Legal Surname",
        "legal_forename": "Legal Forename",
        "preferred_forename": "Preferred Forename",
        "date_of_birth": "DOB",
        "gender": "Gender",
        "year_group": "Year",
        "form_group": "Reg Group",
        "admission_number": "Adno",
        "ethnicity": "Ethnicity",
        "free_school_meals": "FSM Eligible",
        "sen_status": "SEN Status",
    }
    assert ["Students to add", "3"] in table_rows(page, "summary")
    assert table_rows(page, "to-add")[1:] == [
        ["Wren Penhallow", made_up_upn(1), "7", "7A"],
        ["Siobhán O’Rourke", made_up_upn(2), "7", "7A"],
        ["Soraya Karimi", made_up_upn(3), "7", "7B"],
    ]
    assert students(app) == {}  # nothing before the confirmation

    page = coordinator.confirm()

    assert page.path == UPLOAD
    assert "The class list is imported: 3 added, 0 updated, 0 marked as left." in page
    loaded = students(app)
    assert loaded[made_up_upn(2)].legal_forename == "Siobhán"
    assert loaded[made_up_upn(2)].legal_surname == "O’Rourke"
    assert (
        loaded[made_up_upn(1)].free_school_meals,
        loaded[made_up_upn(1)].sen_status,
    ) == (True, "K")
    with app.app_context(), db.begin() as session:
        actions = [
            (e.actor, e.action, e.detail) for e in session.scalars(select(AuditEvent))
        ]
    assert ("coordinator@roster.invalid", "viewed", "class list preview") in actions
    assert (
        "coordinator@roster.invalid",
        "roster.imported",
        "3 added, 0 updated (0 back on roll), 0 unchanged, 0 missing from the file "
        "(0 marked as left), 0 also on roll at another school",
    ) in actions


def test_an_excel_workbook_is_imported_through_the_pages(app, coordinator):
    book = openpyxl.Workbook()
    for row in [SIMS_HEADER, *ROWS]:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)

    page = coordinator.upload("7.xlsx", data.getvalue())
    assert "(Excel workbook)" in page
    coordinator.confirm()

    assert len(students(app)) == 3


def test_problems_are_listed_and_nothing_can_be_imported(app, coordinator):
    rows = [*ROWS, sims_row(4, "Osei", "", upn="X1234")]

    page = coordinator.upload("7.csv", class_list(*rows))

    assert "This file has 2 problems, so nothing can be imported" in page
    problems = re.search(r'<ul id="problems">(.*?)</ul>', page.html, re.S)[1]
    assert [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", problems)] == [
        "row 5, legal forename: expected a value, found an empty cell",
        "row 5, upn: expected a 13-character UPN with a valid check letter, "
        "found 'X1234'",
    ]
    assert "Import this class list" not in page
    assert students(app) == {}


def test_the_coordinator_chooses_a_column_the_names_did_not_find(app, coordinator):
    header = ["Surname", "Forename", "Tutor Grp", "Year", "UPN"]
    rows = [[r[0], r[1], r[6], r[5], r[7]] for r in ROWS]

    page = coordinator.upload("7.csv", csv_bytes([header, *rows]))
    assert (
        "row 1, form group: expected a column for Form group, such as one named "
        "'reg group' or 'registration form', found none"
    ) in page
    assert selected_columns(page)["form_group"] == "Choose a column"

    page = coordinator.choose_columns(form_group="2")

    assert selected_columns(page)["form_group"] == "Tutor Grp"
    assert "nothing can be imported" not in page
    coordinator.confirm()
    assert students(app)[made_up_upn(3)].form_group == "7B"


def test_a_column_chosen_twice_is_a_problem(app, coordinator):
    coordinator.upload("7.csv", class_list(*ROWS))

    page = coordinator.choose_columns(preferred_forename="1")

    assert (
        "row 1, preferred forename: expected a column of its own, but 'Legal "
        "Forename' is also chosen for Legal forename"
    ) in page
    assert "Import this class list" not in page


def test_a_reimport_shows_changes_and_marks_missing_students_left_only_if_ticked(
    app, coordinator
):
    coordinator.upload("7.csv", class_list(*ROWS))
    coordinator.confirm()
    second = [
        sims_row(
            1, "Penhallow", "Wren", form="7C", ethnicity="WBRI", fsm="Yes", sen="K"
        ),
        ROWS[1],
        sims_row(4, "Osei", "Kofi"),
    ]

    page = coordinator.upload("7A.csv", class_list(*second))

    assert table_rows(page, "to-add")[1:] == [["Kofi Osei", made_up_upn(4), "7", "7A"]]
    assert table_rows(page, "to-update")[1:] == [
        ["Wren Penhallow", made_up_upn(1), "Form group: 7A → 7C"]
    ]
    assert table_rows(page, "missing")[1:] == [["Soraya Karimi", made_up_upn(3), "7B"]]
    assert "This file has no students of form group 7B." in page
    assert 'name="mark_missing_as_left" type="checkbox"' in page.html

    page = coordinator.confirm()
    assert "1 added, 1 updated, 0 marked as left." in page
    assert students(app)[made_up_upn(3)].left_at is None

    coordinator.upload("7A.csv", class_list(*second))
    page = coordinator.confirm(mark_missing_as_left=True)
    assert "0 added, 0 updated, 1 marked as left." in page
    assert students(app)[made_up_upn(3)].left_at is not None

    page = coordinator.upload("all.csv", class_list(*second, ROWS[2]))
    assert table_rows(page, "to-update")[1:] == [
        ["Soraya Karimi", made_up_upn(3), "back on roll (had left)"]
    ]


def test_a_stale_preview_imports_nothing_and_asks_to_check_again(app, coordinator):
    coordinator.upload("7.csv", class_list(*ROWS))
    preview = coordinator.page.path
    # Meanwhile, someone else imports a list that changes the school's students.
    with app.app_context(), db.begin() as session:
        school = session.scalars(select(School).where(School.urn == URN)).one()
        roster = check_roster(
            read_table(class_list(sims_row(3, "Karimi", "Soraya", form="7C")))
        )
        service.import_file(
            session,
            school,
            roster,
            dry_run=False,
            mark_missing_as_left=False,
            actor="tests",
        )

    page = coordinator.confirm()

    assert page.path == preview
    assert "Nothing was imported: this preview was out of date" in page
    assert set(students(app)) == {made_up_upn(3)}
    assert table_rows(page, "to-update")[1:] == [
        ["Soraya Karimi", made_up_upn(3), "Form group: 7C → 7B"]
    ]

    page = coordinator.confirm()
    assert "2 added, 1 updated, 0 marked as left." in page
    assert len(students(app)) == 3


def test_a_preview_confirmed_twice_imports_once(app, coordinator):
    coordinator.upload("7.csv", class_list(*ROWS))
    preview = coordinator.page

    coordinator.confirm()
    coordinator.page = preview
    page = coordinator.confirm()

    assert page.status == 404
    assert "This preview is no longer available" in page
    assert len(students(app)) == 3


@pytest.mark.parametrize(
    "email", ["teacher@roster.invalid", "elsewhere@roster.invalid"]
)
def test_teachers_and_other_schools_coordinators_are_refused(app, school, email):
    browser = signed_in(app, email)

    assert browser.open(UPLOAD).status == 403
    browser.open("/staff/")
    refused = browser.client.post(
        UPLOAD,
        data={
            "csrf_token": browser.page.csrf_token,
            "file": (io.BytesIO(class_list(*ROWS)), "7.csv"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    assert students(app) == {}
    with app.app_context(), db.begin() as session:
        refusals = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "refused", AuditEvent.actor == email
            )
        ).all()
    assert {event.detail for event in refusals} == {"tried to load class lists"}


def test_another_coordinators_preview_cannot_be_opened_or_confirmed(app, coordinator):
    coordinator.upload("7.csv", class_list(*ROWS))
    preview = coordinator.page
    colleague = signed_in(app, "second@roster.invalid")

    assert colleague.open(preview.path).status == 404
    colleague.page = Page(
        preview.path,
        200,
        preview.html.replace(preview.csrf_token, colleague.open(UPLOAD).csrf_token),
    )
    page = colleague.confirm()

    assert page.status == 404
    assert students(app) == {}


def test_a_file_over_5_mb_is_refused_with_a_clear_message(app, coordinator):
    data = class_list(*ROWS) + b" " * (MAX_FILE_BYTES + 100 * 1024)

    page = coordinator.upload("huge.csv", data)

    assert page.status == 413
    assert "The file is larger than 5 MB, the most a class list can be." in page
    assert 'type="file"' in page.html


def test_a_file_just_over_5_mb_gets_the_same_message(app, coordinator):
    data = class_list(*ROWS) + b" " * MAX_FILE_BYTES

    page = coordinator.upload("huge.csv", data)

    assert page.status == 422
    assert "The file is larger than 5 MB, the most a class list can be." in page


def test_an_unreadable_file_is_explained_on_the_upload_page(app, coordinator):
    rows = [SIMS_HEADER, sims_row(1, "Łukaszewska", "Wren")]

    page = coordinator.upload("7.csv", csv_bytes(rows, encoding="cp1250"))

    assert page.status == 422
    assert "This file can't be read, so nothing was imported" in page
    assert "'CSV UTF-8 (Comma delimited)'" in page


def test_an_upload_without_its_form_token_is_refused(app, coordinator):
    response = coordinator.client.post(
        UPLOAD,
        data={"file": (io.BytesIO(class_list(*ROWS)), "7.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    with app.app_context(), db.begin() as session:
        assert session.scalars(select(Student)).all() == []


def test_a_cancelled_upload_is_forgotten(app, coordinator):
    coordinator.upload("7.csv", class_list(*ROWS))
    preview = coordinator.page.path

    page = coordinator.press(preview + "/cancel")

    assert "The file is forgotten; nothing was imported." in page
    assert coordinator.open(preview).status == 404
