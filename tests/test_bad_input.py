"""Wrong codes, tampered forms and expired pages: a clear message, nothing stored."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from survey_app import create_app, limits
from survey_app.db import db
from survey_app.survey.models import Answer
from tests import factories
from tests.student import Page, Student


def answer_count(app) -> int:
    with app.app_context(), db.begin() as session:
        return session.scalar(select(func.count()).select_from(Answer))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the code from your slip."),
        ("KM7QX", "An access code has 10 letters and numbers"),
        ("KM7QX-2P9RTX", "An access code has 10 letters and numbers"),
        ("KM7QX-2P9R0", "never use the letters I, O or S or the numbers 0, 1 or 5"),
        ("KM7QX-2P9RT", "We couldn't find that code."),
        ("x" * 500, "That is too long to be an access code."),
    ],
)
def test_a_wrong_code_gets_a_clear_message_and_another_try(
    client, codes, typed, message
):
    page = Student(client).type_code(typed)
    assert page.status == 422
    assert message in page
    assert 'id="code"' in page  # the code box is there for another try
    assert 'aria-invalid="true"' in page


def test_a_tampered_answer_is_refused_and_nothing_is_stored(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    page = student.answer({"scwbs_1": "9"}, default="1")

    assert page.status == 400
    assert "nothing from it was saved" in page
    assert page.path == "/survey/page/scwbs"
    assert answer_count(app) == 0


def test_a_forged_item_id_is_refused_and_nothing_is_stored(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    forged = {name: "1" for name in student.page.radio_names()} | {"phqa_9": "3"}
    page = student.submit(student.page.path, forged)

    assert page.status == 400
    assert answer_count(app) == 0


def test_over_long_input_is_refused(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    page = student.answer({"scwbs_1": "1" * 100_000})

    assert page.status == 413
    assert "Nothing was saved" in page
    assert answer_count(app) == 0


def test_an_item_sent_twice_is_refused_whichever_comes_first(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    token = student.page.csrf_token
    answers = [(f"scwbs_{number}", "1") for number in range(2, 13)]
    for twice in (("1", "5"), ("5", "1")):
        sent = [("csrf_token", token), ("scwbs_1", twice[0]), ("scwbs_1", twice[1])]
        response = client.post("/survey/page/scwbs", data=MultiDict(sent + answers))
        assert response.status_code == 400
        assert "not one of the answers" in response.get_data(as_text=True)
    assert answer_count(app) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"scwbs_1": ["1", "2"]},
        {"scwbs_1": {"value": "1"}},
        {"scwbs_1": 1},
        {"scwbs_1": "1", "forged_item": "1"},
    ],
    ids=["a list", "an object", "a number", "a forged item"],
)
def test_answers_sent_as_json_are_refused_without_a_server_error(
    app, client, codes, body
):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    response = client.post(
        "/survey/page/scwbs",
        json=body,
        headers={"X-CSRFToken": student.page.csrf_token},
    )
    assert response.status_code == 400
    assert answer_count(app) == 0


def test_an_expired_page_comes_back_with_the_choices_still_ticked(
    app, client, codes, monkeypatch
):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    student.answer(default="2")  # Stirling saved

    # The SMFQ page was shown two hours ago, so its form token has expired.
    with client.session_transaction() as browser_session:
        raw_token = browser_session["csrf_token"]
    earlier = int(time.time()) - 2 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: earlier)
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        old_token = serializer.dumps(raw_token)
    student.page.html = student.page.html.replace(student.page.csrf_token, old_token)

    page = student.answer({"smfq_1": "2"}, default="1")

    assert page.status == 400
    assert "wasn't saved" in page
    assert 'name="smfq_1" value="2" checked' in page
    assert 'name="smfq_2" value="1" checked' in page
    assert answer_count(app) == 15  # the earlier page is kept, nothing new stored

    page = student.answer({"smfq_1": "2"}, default="1")
    assert page.path == "/survey/page/gad7"


def test_a_missing_form_token_is_refused_without_a_server_error(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    response = client.post("/survey/page/scwbs", data={"scwbs_1": "1"})
    assert response.status_code == 400
    assert answer_count(app) == 0


def test_every_student_form_without_its_token_is_refused(client, codes):
    # The forms rely on the app-wide check of every POST's token.
    assert client.post("/", data={"code": codes["Okafor"]}).status_code == 400
    student = Student(client)
    student.type_code(codes["Okafor"])
    for path, action in (("/survey/introduction", "agree"), ("/survey/decline", "")):
        response = client.post(path, data={"action": action})
        assert response.status_code == 400, path
    assert student.open("/survey").path == "/survey/introduction"
    student.agree()
    response = client.post("/survey/stop", data={"action": "delete"})
    assert response.status_code == 400
    assert student.open("/survey").path == "/survey/page/scwbs"


def test_repeated_wrong_codes_from_one_browser_are_paused(client, codes):
    student = Student(client)
    for _ in range(5):
        assert student.type_code("KM7QX-2P9RT").status == 422
    page = student.type_code("KM7QX-2P9RT")
    assert page.status == 429
    assert "Please wait a minute" in page
    # Even the right code waits until the pause is over.
    assert student.type_code(codes["Okafor"]).status == 429


def test_a_room_behind_one_address_is_not_blocked_by_one_browser(app, codes):
    # Every test client comes from the same address, like a school's computers.
    careless = Student(app.test_client())
    for _ in range(6):
        careless.type_code("KM7QX-2P9RT")
    assert careless.page.status == 429

    for surname in ("Okafor", "Price", "Lloyd"):
        neighbour = Student(app.test_client())
        assert neighbour.type_code(codes[surname]).path == "/survey/introduction"


def test_forms_work_over_https_where_the_page_address_is_checked(app, codes):
    # Over HTTPS the CSRF check refuses a form sent without its page's address,
    # so pages must let browsers send it to this site (and to no other).
    client = app.test_client()
    shown = client.get("/", base_url="https://survey.school.invalid")
    assert shown.headers["Referrer-Policy"] == "same-origin"
    token = Page("/", 200, shown.get_data(as_text=True)).csrf_token
    response = client.post(
        "/",
        base_url="https://survey.school.invalid",
        headers={"Referer": "https://survey.school.invalid/"},
        data={"csrf_token": token, "code": codes["Okafor"]},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/survey/introduction")


def test_the_app_works_with_throttling_switched_off(settings, monkeypatch):
    # The limiter is shared by every app in this process: put it back after.
    monkeypatch.setattr(limits.limiter, "enabled", limits.limiter.enabled)
    app = create_app(settings.with_overrides(extra={"RATELIMIT_ENABLED": False}))
    with app.app_context(), db.begin() as session:
        school = factories.school(session)
        factories.student(session, school, "Ada", "Okafor")
    codes = factories.issue_codes(app, school, settings)

    student = Student(app.test_client())
    for _ in range(7):
        assert student.type_code("KM7QX-2P9RT").status == 422
    assert student.type_code(codes["Okafor"]).path == "/survey/introduction"
