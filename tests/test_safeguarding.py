"""Safeguarding alerts: raised with the answer, emailed nameless, closed by a DSL."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from survey_app.audit.models import AuditEvent
from survey_app.db import db, utcnow
from survey_app.safeguarding import service as safeguarding
from survey_app.safeguarding import worker
from survey_app.safeguarding.models import (
    AlertState,
    DeliveryAttempt,
    EscalationRecord,
    OutboxEmail,
    SafeguardingAlert,
)
from survey_app.staff.models import Role
from survey_app.survey.models import Answer
from tests import factories
from tests.mailbox import MailServer, free_port
from tests.staff import StaffBrowser
from tests.student import Student as StudentAtComputer

URN = "999001"


@pytest.fixture
def staff(app, school):
    """A DSL and a deputy DSL of the school, and a teacher."""
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "dsl@school.invalid", Role.DSL, school)
        factories.staff_member(
            session, "deputy@school.invalid", Role.DEPUTY_DSL, school
        )
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)


def to_phqa(app, code) -> StudentAtComputer:
    student = StudentAtComputer(app.test_client())
    student.type_code(code)
    student.agree()
    for _ in range(3):
        student.answer(default="1")
    assert student.page.path == "/survey/page/phqa"
    return student


def count(app, model, **where) -> int:
    with app.app_context(), db.begin() as session:
        return session.scalar(
            select(func.count()).select_from(model).filter_by(**where)
        )


def alerts(app) -> list[SafeguardingAlert]:
    with app.app_context(), db.begin() as session:
        return list(session.scalars(select(SafeguardingAlert)))


def test_a_self_harm_answer_raises_one_urgent_alert_and_shows_help(app, staff, codes):
    student = to_phqa(app, codes["Okafor"])
    page = student.answer({"phqa_9": "2"}, default="0")

    assert page.path == "/survey/help"
    assert "Thank you for telling us" in page
    assert "things might be hard for you" in page
    assert "Childline" in page
    assert "will check in with you" in page
    [alert] = alerts(app)
    assert (alert.tier, alert.item_id, alert.value, alert.state) == (
        "urgent",
        "phqa_9",
        2,
        AlertState.NEW,
    )
    # The DSL and the deputy each get an email, queued with the alert.
    assert count(app, OutboxEmail) == 2

    page = student.carry_on()
    assert page.path == "/survey/page/support"
    student.answer({"support_1": "0"})
    assert student.page.path == "/survey/end"
    assert "Childline" in student.page


def test_not_at_all_raises_nothing(app, staff, codes):
    student = to_phqa(app, codes["Okafor"])
    assert student.answer(default="0").path == "/survey/page/support"
    assert alerts(app) == []


def test_the_alert_is_stored_with_the_answer_or_not_at_all(
    app, staff, codes, monkeypatch
):
    student = to_phqa(app, codes["Okafor"])

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away between answer and alert")

    monkeypatch.setattr(safeguarding, "_new_alert", fail)
    with pytest.raises(RuntimeError):
        student.answer({"phqa_9": "3"}, default="0")

    assert alerts(app) == []
    with app.app_context(), db.begin() as session:
        phqa = session.scalar(
            select(func.count()).select_from(Answer).where(Answer.item_id.like("phqa%"))
        )
    assert phqa == 0


def test_changing_the_answer_keeps_the_alert_and_notes_the_change(app, staff, codes):
    student = to_phqa(app, codes["Okafor"])
    student.answer({"phqa_9": "2"}, default="0")
    student.open("/survey/page/phqa")
    student.answer({"phqa_9": "0"}, default="0")

    [alert] = alerts(app)
    assert alert.value == 2
    assert "answer changed -> 0" in alert.history
    assert count(app, OutboxEmail) == 2  # no second announcement


def test_asking_for_someone_to_talk_to_raises_a_support_alert(app, staff, codes):
    student = to_phqa(app, codes["Okafor"])
    student.answer(default="0")
    page = student.answer({"support_1": "1"})
    assert page.path == "/survey/help"
    assert "You asked for someone at school to talk to you" in page
    [alert] = alerts(app)
    assert alert.tier == "support"


def test_alert_emails_hold_no_name_and_no_answer(app, staff, codes):
    student = to_phqa(app, codes["Okafor"])
    student.answer({"phqa_9": "3"}, default="0")
    with app.app_context(), db.begin() as session:
        emails = list(session.scalars(select(OutboxEmail)))
    assert sorted(e.to_address for e in emails) == [
        "deputy@school.invalid",
        "dsl@school.invalid",
    ]
    for email in emails:
        text = email.subject + email.body
        for secret in ["Okafor", "Ada", "hurting", "Nearly every day", "phqa", "3"]:
            assert secret not in text.replace("/staff/sign-in", "")
        assert "/staff/sign-in" in email.body


@pytest.fixture
def mail(app):
    """App settings pointed at a local SMTP server, which starts stopped."""
    server = MailServer(free_port())
    settings = app.extensions["survey_app.settings"].with_overrides(
        mail_server="127.0.0.1", mail_port=server.port
    )
    app.extensions["survey_app.settings"] = settings
    yield server, settings
    server.stop()


def test_emails_are_retried_until_the_smtp_server_answers(app, staff, codes, mail):
    server, settings = mail
    student = to_phqa(app, codes["Okafor"])
    student.answer({"phqa_9": "1"}, default="0")

    # The SMTP server is down: both emails fail, are kept, and wait.
    now = utcnow()
    assert worker.send_due_emails(db.session_factory, settings, now) == 0
    with app.app_context(), db.begin() as session:
        waiting = list(session.scalars(select(OutboxEmail)))
        assert all(e.attempts == 1 and e.sent_at is None for e in waiting)
        assert all(e.send_after > now for e in waiting)
        school_id = session.get(SafeguardingAlert, waiting[0].alert_id).school_id
        assert safeguarding.email_failing(session, school_id) is True

    # Before the pause is over, nothing is tried again.
    server.start()
    assert worker.send_due_emails(db.session_factory, settings, now) == 0
    later = now + worker.retry_pause(1)
    assert worker.send_due_emails(db.session_factory, settings, later) == 2
    assert len(server.inbox.messages) == 2
    assert {m["To"] for m in server.inbox.messages} == {
        "dsl@school.invalid",
        "deputy@school.invalid",
    }
    # Sent once: another round sends nothing again.
    assert worker.send_due_emails(db.session_factory, settings, later) == 0
    assert count(app, DeliveryAttempt, succeeded=True) == 2
    assert count(app, DeliveryAttempt, succeeded=False) == 2


def test_the_queue_page_says_when_email_is_failing(app, staff, codes, mail):
    _server, settings = mail
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "1"}, default="0")
    worker.send_due_emails(db.session_factory, settings)
    dsl = StaffBrowser(app.test_client())
    dsl.sign_in("dsl@school.invalid")
    page = dsl.open(f"/staff/schools/{URN}/alerts")
    assert "Alert emails are failing to send" in page


def test_the_queue_page_says_when_no_mail_server_is_set_up(app, staff, codes):
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "1"}, default="0")
    dsl = StaffBrowser(app.test_client())
    dsl.sign_in("dsl@school.invalid")
    page = dsl.open(f"/staff/schools/{URN}/alerts")
    assert "No mail server is set up (MAIL_SERVER)" in page
    assert "2 waiting" in page


def test_an_ignored_alert_is_escalated_to_deputies_then_the_study(app, staff, codes):
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "2"}, default="0")
    study = app.extensions["survey_app.catalogue"].studies["demo"]
    raised = alerts(app)[0].raised_at

    # A week of school days later, still unacknowledged.
    first = raised + timedelta(days=7)
    assert (
        worker.escalate_ignored_alerts(
            db.session_factory, study.safeguarding, "x", first
        )
        == 1
    )
    # Nothing more until the next interval has passed.
    assert (
        worker.escalate_ignored_alerts(
            db.session_factory, study.safeguarding, "x", first
        )
        == 0
    )
    second = first + timedelta(days=7)
    assert (
        worker.escalate_ignored_alerts(
            db.session_factory, study.safeguarding, "x", second
        )
        == 1
    )

    with app.app_context(), db.begin() as session:
        records = list(
            session.scalars(select(EscalationRecord).order_by(EscalationRecord.level))
        )
        addresses = sorted(session.scalars(select(OutboxEmail.to_address)))
    assert [r.level for r in records] == [1, 2]
    assert records[1].told == "safeguarding@demo-study.invalid"
    assert addresses.count("safeguarding@demo-study.invalid") == 1
    assert addresses.count("dsl@school.invalid") == 2  # announcement and reminder


def test_an_acknowledged_alert_is_not_escalated(app, staff, codes):
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "2"}, default="0")
    dsl = StaffBrowser(app.test_client())
    dsl.sign_in("dsl@school.invalid")
    alert_id = alerts(app)[0].id
    dsl.open(f"/staff/alerts/{alert_id}")
    dsl.press(f"/staff/alerts/{alert_id}/acknowledge")
    study = app.extensions["survey_app.catalogue"].studies["demo"]
    later = utcnow() + timedelta(days=14)
    assert (
        worker.escalate_ignored_alerts(
            db.session_factory, study.safeguarding, "x", later
        )
        == 0
    )


def test_the_dsl_sees_who_and_why_acknowledges_and_closes(app, staff, codes):
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "2"}, default="0")
    dsl = StaffBrowser(app.test_client())
    dsl.sign_in("dsl@school.invalid")

    page = dsl.open(f"/staff/schools/{URN}/alerts")
    assert "Ada Okafor" in page
    alert_id = alerts(app)[0].id
    page = dsl.open(f"/staff/alerts/{alert_id}")
    assert "Urgent alert" in page
    assert "Thoughts that you would be better off dead" in page
    assert "More than half the days" in page

    page = dsl.press(f"/staff/alerts/{alert_id}/acknowledge")
    assert "acknowledged by dsl@school.invalid" in page
    page = dsl.submit(
        f"/staff/alerts/{alert_id}/close",
        {"action_taken": "Met the student at break", "outcome": "Referred to CAMHS"},
    )
    assert "The alert is closed." in page
    assert "Referred to CAMHS" in page
    with app.app_context(), db.begin() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("alert.%"))
            )
        )
    assert actions.count("alert.viewed") >= 1
    assert "alert.acknowledged" in actions
    assert "alert.closed" in actions


@pytest.mark.parametrize(
    ("email", "role", "own_school"),
    [
        ("teacher@school.invalid", Role.TEACHER, True),
        ("coordinator@school.invalid", Role.COORDINATOR, True),
        ("dsl@other.invalid", Role.DSL, False),
    ],
)
def test_nobody_else_may_open_an_alert(app, staff, codes, email, role, own_school):
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "2"}, default="0")
    with app.app_context(), db.begin() as session:
        school = None
        if own_school:
            school = session.scalars(select(factories.School).filter_by(urn=URN)).one()
        else:
            school = factories.school(session, urn="999002", name="Other School")
        if not (own_school and role is Role.TEACHER):
            factories.staff_member(session, email, role, school)
    browser = StaffBrowser(app.test_client())
    browser.sign_in(email)
    alert_id = alerts(app)[0].id
    before = count(app, AuditEvent, action="refused")

    assert browser.open(f"/staff/alerts/{alert_id}").status == 403
    assert browser.open(f"/staff/schools/{URN}/alerts").status == 403
    assert count(app, AuditEvent, action="refused") == before + 2
    assert "Okafor" not in browser.page.html


def test_research_counts_show_numbers_never_identities(app, staff, codes):
    to_phqa(app, codes["Okafor"]).answer({"phqa_9": "2"}, default="0")
    secret = pyotp.random_base32()
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session,
            "research@study.invalid",
            Role.RESEARCH_ADMIN,
            None,
            totp_secret=secret,
        )
    researcher = StaffBrowser(app.test_client())
    researcher.sign_in("research@study.invalid", totp_secret=secret)
    page = researcher.open("/staff/alert-counts")
    assert page.status == 200
    assert "Test School" in page
    assert "urgent" in page
    assert "Okafor" not in page.html
    assert researcher.open(f"/staff/alerts/{alerts(app)[0].id}").status == 403


def test_schools_put_their_own_contact_first(app, staff, codes):
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session,
            "coordinator@school.invalid",
            Role.COORDINATOR,
            session.scalars(select(factories.School).filter_by(urn=URN)).one(),
        )
    coordinator = StaffBrowser(app.test_client())
    coordinator.sign_in("coordinator@school.invalid")
    coordinator.open(f"/staff/schools/{URN}/help-contacts")
    coordinator.client.post(
        f"/staff/schools/{URN}/help-contacts",
        data={
            "csrf_token": coordinator.page.csrf_token,
            "name": ["Ms Rahman, student support", ""],
            "how": ["Room B12, any break time", ""],
        },
    )
    student = to_phqa(app, codes["Okafor"])
    page = student.answer({"phqa_9": "1"}, default="0")
    assert page.html.index("Ms Rahman") < page.html.index("Childline")
