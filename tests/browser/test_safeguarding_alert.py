"""A worrying answer reaches the school's DSL: an email without names, then the queue.

A student answers the PHQ-A self-harm question, sees the help page and
finishes. The mail worker sends the DSL an email through a local SMTP server;
the DSL signs in, finds the student and the question in the alert queue,
acknowledges the alert and closes it with what was done.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import SELF_HARM
from tests.browser.staff_pages import DSL, SafeguardingLead

pytestmark = pytest.mark.browser

SELF_HARM_IN_FULL = (
    "Thoughts that you would be better off dead, or of hurting yourself in some way?"
)


def test_the_dsl_is_emailed_and_closes_the_alert_in_the_queue(
    new_student, new_staff_member, codes, staff, post_office, check_accessibility
):
    student = new_student()
    student.type_code(codes["Okafor"])
    student.agree()
    for _ in range(3):
        student.save_and_continue()  # pages left blank
    student.should_be_on_question_page(4)
    student.answer_page("Not at all", {SELF_HARM: "Several days"})
    student.save_and_continue()

    student.should_be_on_help_page()
    expect(student.page.get_by_text("will check in with you")).to_be_visible()
    student.carry_on()
    student.should_be_on_question_page(5)
    student.finish()
    student.should_be_on("/survey/end", "You have finished. Thank you!")

    # The worker's round after the student finished: one email, to the DSL.
    [email] = post_office.deliver()
    assert email["To"] == DSL.email
    assert email["Subject"] == "Urgent: a safeguarding alert is waiting"
    body = email.get_payload(decode=True).decode()
    assert "/staff/sign-in" in body
    for private in ["Ada", "Okafor", "7A", "better off dead", "Several days", "phqa"]:
        assert private not in email["Subject"] + body, f"the email says {private!r}"

    dsl = new_staff_member(SafeguardingLead)
    dsl.sign_in(DSL)
    dsl.follow_link("Safeguarding alerts")
    dsl.should_be_on("/staff/schools/999001/alerts", "Test School: safeguarding alerts")
    alert = dsl.alert_in_queue("Ada Okafor")
    expect(alert).to_contain_text("7A")
    expect(alert).to_contain_text("urgent")
    expect(alert).to_contain_text("new")
    check_accessibility(dsl, "alert queue")

    dsl.open_alert("Ada Okafor")
    expect(dsl.heading).to_have_text("Urgent alert: Ada Okafor")
    expect(dsl.about_the_alert("Question")).to_have_text(SELF_HARM_IN_FULL)
    expect(dsl.about_the_alert("Answer")).to_have_text("Several days")
    expect(dsl.about_the_alert("State")).to_have_text("new")
    check_accessibility(dsl, "alert page")

    dsl.acknowledge()
    expect(dsl.notice).to_have_text(
        "Acknowledged. Record what you did when you close the alert."
    )
    expect(dsl.about_the_alert("State")).to_have_text(
        f"acknowledged (acknowledged by {DSL.email})"
    )

    dsl.close_alert(
        action_taken="Spoke with Ada at morning break; agreed a plan with her.",
        outcome="Referred to the school counsellor; her carer was told.",
    )
    expect(dsl.notice).to_have_text("The alert is closed.")
    main = dsl.page.get_by_role("main")
    expect(main).to_contain_text(
        "Action taken: Spoke with Ada at morning break; agreed a plan with her."
    )
    expect(main).to_contain_text(
        "Outcome: Referred to the school counsellor; her carer was told."
    )
    check_accessibility(dsl, "closed alert page")

    dsl.follow_link("All alerts")
    expect(dsl.alert_in_queue("Ada Okafor")).to_contain_text("closed")
