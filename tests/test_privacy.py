"""Logs never hold an access code, an answer, a name or a raw IP address."""

from __future__ import annotations

import logging

from tests.student import Student


def test_a_whole_survey_leaves_no_personal_data_in_the_logs(app, client, codes, caplog):
    caplog.set_level(logging.DEBUG)
    student = Student(client)
    student.type_code("KM7QX-2P9RT")  # a wrong code is logged as refused
    student.type_code(codes["Okafor"])
    student.agree()
    student.answer({"scwbs_1": "4"}, default="3")
    student.finish_all_pages(default="2")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "survey.completed" in logged
    code = codes["Okafor"]
    for secret in [code, code.replace("-", ""), "KM7QX", "Okafor", "Ada", "127.0.0.1"]:
        assert secret not in logged
    assert "scwbs_1" not in logged


def test_answers_are_stored_apart_from_identity(app):
    from survey_app.models import Answer, Response

    answer_columns = {column.name for column in Answer.__table__.columns}
    response_columns = {column.name for column in Response.__table__.columns}
    identity = {"upn", "legal_surname", "legal_forename", "date_of_birth", "name"}
    assert not answer_columns & identity
    assert not response_columns & identity


def test_a_database_error_does_not_show_the_values_sent(app):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from survey_app.db import db

    with app.app_context(), db.engine.connect() as connection:
        try:
            connection.execute(
                text("INSERT INTO no_such_table VALUES (:answer)"),
                {"answer": "made-up-answer-4821"},
            )
        except DBAPIError as error:
            shown = str(error)
        else:
            raise AssertionError("the statement should have failed")
    assert "no_such_table" in shown
    assert "made-up-answer-4821" not in shown
