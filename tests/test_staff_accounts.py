"""Staff accounts: invitations, sign-in, second factor, sessions and sign-out."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from survey_app.audit.models import AuditEvent
from survey_app.db import db, utcnow
from survey_app.staff import service
from survey_app.staff.models import Role, StaffMember
from survey_app.staff.service import invite
from tests import factories
from tests.staff import StaffBrowser


def audit_actions(app) -> list[str]:
    with app.app_context(), db.begin() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def invitation_link(app, school, role=Role.TEACHER, email="new.teacher@school.invalid"):
    with app.app_context(), db.begin() as session:
        token = invite(
            session,
            email=email,
            role=role,
            school=school,
            invited_by="coordinator@school.invalid",
            secret_key=app.config["SECRET_KEY"],
        )
    return f"/staff/invitation/{token}"


def accept(browser, link, password="a long enough passphrase"):
    browser.open(link)
    return browser.submit(
        link, {"name": "Nia Teacher", "password": password, "confirm": password}
    )


def test_an_invited_teacher_sets_a_password_and_signs_in(app, school):
    browser = StaffBrowser(app.test_client())
    page = accept(browser, invitation_link(app, school))
    assert "Your account is ready" in page

    page = browser.sign_in("new.teacher@school.invalid", "a long enough passphrase")
    assert page.path == "/staff/"
    assert "Hello, Nia Teacher" in page
    assert "Sittings and room view" in page
    with app.app_context(), db.begin() as session:
        member = session.scalars(select(StaffMember)).one()
        assert member.password_hash.startswith("$argon2id$")
    assert audit_actions(app) == ["invitation.sent", "invitation.accepted", "sign_in"]


def test_an_invitation_link_works_only_once(app, school):
    link = invitation_link(app, school)
    accept(StaffBrowser(app.test_client()), link)

    page = StaffBrowser(app.test_client()).open(link)
    assert page.status == 400
    assert "already been accepted" in page
    assert audit_actions(app)[-1] == "invitation.refused"


def test_an_expired_invitation_link_is_refused(app, school, monkeypatch):
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
        link = invitation_link(app, school)

    page = StaffBrowser(app.test_client()).open(link)
    assert page.status == 400
    assert "expired" in page
    assert audit_actions(app)[-1] == "invitation.refused"


def test_an_altered_invitation_link_is_refused(app, school):
    link = invitation_link(app, school)
    page = StaffBrowser(app.test_client()).open(link[:-3] + "abc")
    assert page.status == 400
    assert "not a valid invitation" in page


def test_a_short_password_is_refused_with_a_reason(app, school):
    page = accept(
        StaffBrowser(app.test_client()), invitation_link(app, school), "short"
    )
    assert page.status == 422
    assert "at least 10 characters" in page


def test_a_second_invitation_adds_a_role_to_the_same_person(app, school):
    accept(StaffBrowser(app.test_client()), invitation_link(app, school))
    link = invitation_link(app, school, Role.DSL)
    browser = StaffBrowser(app.test_client())
    browser.open(link)
    browser.submit(link, {"password": "a long enough passphrase"})

    with app.app_context(), db.begin() as session:
        member = session.scalars(select(StaffMember)).one()
        assert {grant.role for grant in member.grants} == {Role.TEACHER, Role.DSL}


def test_a_wrong_password_is_refused_and_audited(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    page = StaffBrowser(app.test_client()).sign_in("teacher@school.invalid", "wrong")
    assert page.status == 422
    assert "don't match" in page
    assert audit_actions(app) == ["sign_in.failed"]


def test_repeated_wrong_passwords_for_one_account_are_throttled(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    for _ in range(5):
        browser = StaffBrowser(app.test_client())  # a new browser each time
        assert browser.sign_in("teacher@school.invalid", "guess").status == 422
    browser = StaffBrowser(app.test_client())
    assert browser.sign_in("teacher@school.invalid").status == 429


def test_repeated_wrong_passwords_from_one_browser_are_throttled(app, school):
    browser = StaffBrowser(app.test_client())
    for number in range(20):
        assert browser.sign_in(f"person{number}@school.invalid", "guess").status == 422
    assert browser.sign_in("person99@school.invalid", "guess").status == 429


def test_sign_in_rotates_the_session_and_sign_out_clears_it(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    browser = StaffBrowser(app.test_client())
    with browser.client.session_transaction() as before:
        before["planted"] = "by someone else"
    browser.sign_in("teacher@school.invalid")
    with browser.client.session_transaction() as after:
        assert "planted" not in after
        assert "staff" in after

    page = browser.sign_out()
    assert "You have signed out" in page
    with browser.client.session_transaction() as cleared:
        assert "staff" not in cleared
    assert browser.open("/staff/").path == "/staff/sign-in"


def test_an_idle_session_expires(app, school, monkeypatch):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    browser = StaffBrowser(app.test_client())
    browser.sign_in("teacher@school.invalid")
    assert browser.open("/staff/").path == "/staff/"

    later = utcnow() + service.IDLE_TIMEOUT + service._SEEN_PRECISION
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert browser.open("/staff/").path == "/staff/sign-in"


def test_ending_all_sessions_signs_a_person_out_everywhere(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    laptop = StaffBrowser(app.test_client())
    laptop.sign_in("teacher@school.invalid")
    with app.app_context(), db.begin() as session:
        member = session.scalars(select(StaffMember)).one()
        assert (
            service.end_all_sessions(session, member, by="research@demo.invalid") == 1
        )
    assert laptop.open("/staff/").path == "/staff/sign-in"


@pytest.fixture
def research_admin(app):
    secret = pyotp.random_base32()
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session,
            "research@study.invalid",
            Role.RESEARCH_ADMIN,
            None,
            totp_secret=secret,
        )
    return secret


def test_research_administrators_need_their_authenticator_code(app, research_admin):
    browser = StaffBrowser(app.test_client())
    page = browser.sign_in("research@study.invalid")
    assert page.path == "/staff/second-factor"
    # Without the code, nothing is reachable yet.
    assert browser.open("/staff/all-schools").path == "/staff/sign-in"

    browser.sign_in("research@study.invalid")
    page = browser.submit("/staff/second-factor", {"code": "000000"})
    assert page.status == 422
    page = browser.submit(
        "/staff/second-factor", {"code": pyotp.TOTP(research_admin).now()}
    )
    assert page.path == "/staff/"
    assert "All schools" in page


def test_an_authenticator_code_works_only_once(app, research_admin):
    code = pyotp.TOTP(research_admin).now()
    first = StaffBrowser(app.test_client())
    first.sign_in("research@study.invalid")
    assert first.submit("/staff/second-factor", {"code": code}).path == "/staff/"

    second = StaffBrowser(app.test_client())
    second.sign_in("research@study.invalid")
    assert second.submit("/staff/second-factor", {"code": code}).status == 422


def test_a_new_research_administrator_sets_up_an_authenticator(app):
    link = invitation_link(
        app, None, Role.RESEARCH_ADMIN, "new.researcher@study.invalid"
    )
    browser = StaffBrowser(app.test_client())
    accept(browser, link)

    page = browser.sign_in("new.researcher@study.invalid", "a long enough passphrase")
    assert page.path == "/staff/second-factor"
    assert "Set up your authenticator app" in page
    with browser.client.session_transaction() as browser_session:
        secret = browser_session["pending_totp"]
    page = browser.submit("/staff/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert page.path == "/staff/"
    with app.app_context(), db.begin() as session:
        member = session.scalars(select(StaffMember)).one()
        assert member.totp_secret == secret


def test_staff_may_turn_on_a_second_factor_and_are_then_asked_for_it(app, school):
    secret = pyotp.random_base32()
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session, "dsl@school.invalid", Role.DSL, school, totp_secret=secret
        )
    browser = StaffBrowser(app.test_client())
    assert browser.sign_in("dsl@school.invalid").path == "/staff/second-factor"
    assert browser.sign_in("dsl@school.invalid", totp_secret=secret).path == "/staff/"


def test_after_sign_in_only_pages_of_this_site_are_followed(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    browser = StaffBrowser(app.test_client())
    browser.open("/staff/sign-in?next=https://elsewhere.invalid/")
    response = browser.client.post(
        "/staff/sign-in?next=https://elsewhere.invalid/",
        data={
            "csrf_token": browser.page.csrf_token,
            "email": "teacher@school.invalid",
            "password": factories.STAFF_PASSWORD,
        },
    )
    assert response.location == "/staff/"


def test_a_coordinator_invites_a_teacher_from_the_staff_pages(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session, "coordinator@school.invalid", Role.COORDINATOR, school
        )
    coordinator = StaffBrowser(app.test_client())
    coordinator.sign_in("coordinator@school.invalid")
    coordinator.open("/staff/schools/999001/invite")
    page = coordinator.submit(
        "/staff/schools/999001/invite",
        # The form checks addresses properly, so a documentation domain is
        # used rather than the reserved .invalid of the other tests.
        {"email": "new.teacher@school.example.org", "role": "teacher"},
    )
    link = re.search(r"http://localhost(/staff/invitation/[^<\s]+)", page.html).group(1)

    newcomer = StaffBrowser(app.test_client())
    assert "Your account is ready" in accept(newcomer, link)
    page = newcomer.sign_in(
        "new.teacher@school.example.org", "a long enough passphrase"
    )
    assert page.path == "/staff/"


def test_a_teacher_may_not_invite_staff(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    teacher = StaffBrowser(app.test_client())
    teacher.sign_in("teacher@school.invalid")
    assert teacher.open("/staff/schools/999001/invite").status == 403


def test_signing_out_everywhere_ends_every_session(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    laptop = StaffBrowser(app.test_client())
    laptop.sign_in("teacher@school.invalid")
    desktop = StaffBrowser(app.test_client())
    desktop.sign_in("teacher@school.invalid")

    page = desktop.press("/staff/sign-out-everywhere")
    assert "signed out on every computer" in page
    assert laptop.open("/staff/").path == "/staff/sign-in"
