"""Every role, every staff action, at its own school and at another: allowed or refused.

A refusal is a clear page with status 403, and leaves an audit entry.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.audit.models import AuditEvent
from survey_app.db import db
from survey_app.sittings.models import Sitting, SittingGroup
from survey_app.staff.models import Role
from tests import factories
from tests.staff import StaffBrowser

OWN, OTHER = "999001", "999002"

# What each role sees when it asks for each page: at its own school, at
# another school. Research administrators work across all schools.
PAGES = {
    "progress": "/staff/schools/{urn}/progress",
    "not_completed": "/staff/schools/{urn}/not-completed",
    "sittings": "/staff/schools/{urn}/sittings",
    "room": "/staff/sittings/{sitting}",
    "students": "/staff/schools/{urn}/students",
    "student": "/staff/schools/{urn}/students/{student}",
    "opt_outs": "/staff/schools/{urn}/opt-outs",
    "codes": "/staff/schools/{urn}/codes",
}
COORDINATING = {"students", "student", "opt_outs", "codes"}
RUNNING = {"progress", "not_completed", "sittings", "room"}
ALLOWED = {
    # role: pages allowed at own school; at another school
    Role.COORDINATOR: (RUNNING | COORDINATING, set()),
    Role.TEACHER: (RUNNING, set()),
    Role.DSL: (set(), set()),
    Role.RESEARCH_ADMIN: ({"progress"}, {"progress"}),
}
CASES = [
    (role, page, where) for role in ALLOWED for page in PAGES for where in (OWN, OTHER)
]


@pytest.fixture
def two_schools(app):
    """Two schools with a student and an open sitting each; ids by URN."""
    ids = {}
    with app.app_context(), db.begin() as session:
        for urn in (OWN, OTHER):
            school = factories.school(session, urn=urn, name=f"School {urn}")
            student = factories.student(session, school, "Alex", "Morgan")
            member = factories.staff_member(
                session, f"opener@{urn}.invalid", Role.TEACHER, school
            )
            sitting = Sitting(
                school_id=school.id,
                wave_key="demo/baseline",
                room="Room 1",
                opened_by_id=member.id,
                groups=[SittingGroup(form_group="7A")],
            )
            session.add(sitting)
            session.flush()
            ids[urn] = {"sitting": sitting.id, "student": student.id}
    return ids


def signed_in(app, role):
    import pyotp

    secret = pyotp.random_base32() if role is Role.RESEARCH_ADMIN else None
    with app.app_context(), db.begin() as session:
        school = None
        if role is not Role.RESEARCH_ADMIN:
            school = session.scalars(select(factories.School).filter_by(urn=OWN)).one()
        factories.staff_member(
            session, f"{role.value}@own.invalid", role, school, totp_secret=secret
        )
    browser = StaffBrowser(app.test_client())
    assert (
        browser.sign_in(f"{role.value}@own.invalid", totp_secret=secret).path
        == "/staff/"
    )
    return browser


def refusals(app) -> int:
    with app.app_context(), db.begin() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEvent).filter_by(action="refused")
        )


@pytest.mark.parametrize(("role", "page", "where"), CASES)
def test_each_role_reaches_only_its_pages(app, two_schools, role, page, where):
    browser = signed_in(app, role)
    path = PAGES[page].format(urn=where, **two_schools[where])
    own_pages, other_pages = ALLOWED[role]
    allowed = page in (own_pages if where == OWN else other_pages)

    before = refusals(app)
    result = browser.open(path)

    if allowed:
        assert result.status == 200, path
        assert result.path == path.split("?")[0]
    else:
        assert result.status == 403, path
        assert "Not available to you" in result
        assert refusals(app) == before + 1


@pytest.mark.parametrize("role", list(ALLOWED))
def test_only_research_administrators_see_all_schools_and_the_audit_trail(
    app, two_schools, role
):
    browser = signed_in(app, role)
    expected = 200 if role is Role.RESEARCH_ADMIN else 403
    assert browser.open("/staff/all-schools").status == expected
    assert browser.open("/staff/audit").status == expected


def test_an_unknown_school_is_refused_like_another_schools(app, two_schools):
    browser = signed_in(app, Role.COORDINATOR)
    before = refusals(app)
    page = browser.open("/staff/schools/123456/progress")
    assert page.status == 403
    assert refusals(app) == before + 1


def test_a_teacher_cannot_open_a_sitting_for_another_schools_form_group(
    app, two_schools
):
    browser = signed_in(app, Role.TEACHER)
    browser.open(f"/staff/schools/{OWN}/sittings")
    page = browser.submit(
        f"/staff/schools/{OWN}/sittings", {"room": "Lab", "form_groups": "9Z"}
    )
    assert page.status == 422
    assert "9Z is not a form group of this school" in page


def test_a_teacher_cannot_close_or_release_at_another_school(app, two_schools):
    browser = signed_in(app, Role.TEACHER)
    browser.open(f"/staff/sittings/{two_schools[OWN]['sitting']}")
    other = two_schools[OTHER]["sitting"]
    assert browser.press(f"/staff/sittings/{other}/close").status == 403
    assert browser.press(f"/staff/sittings/{other}/release/1").status == 403
    with app.app_context(), db.begin() as session:
        assert session.get(Sitting, other).closed_at is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ["/staff/", "/staff/all-schools", f"/staff/schools/{OWN}/progress"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/staff/sign-in")
