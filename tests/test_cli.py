"""The operator's command line, run as an operator would."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from admin.cli import main
from survey_app.db import db
from survey_app.schools.models import Student
from tests.student import Student as StudentAtComputer

SURVEY_APP = Path(sys.executable).parent / "survey-app"


@pytest.fixture
def operator_env(database_url, tmp_path, settings):
    """The environment an operator's shell would have."""
    return {
        "DATABASE_URL": database_url,
        "SURVEY_APP_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": settings.secret_key,
        "CODE_HASH_KEY": settings.code_hash_key,
    }


def test_progress_json_prints_each_schools_figures(app, codes, operator_env):
    student = StudentAtComputer(app.test_client())
    student.type_code(codes["Okafor"])
    student.agree()
    student.finish_all_pages()

    result = CliRunner().invoke(main, ["progress", "--json"], env=operator_env)

    assert result.exit_code == 0, result.output
    [school] = json.loads(result.output)
    assert school["school_urn"] == "999001"
    assert (school["on_roll"], school["eligible"], school["completed"]) == (3, 3, 1)
    assert school["completion_rate"] == 0.3333
    assert school["more_needed"] == 2


def test_db_upgrade_creates_the_schema_of_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    env = {"DATABASE_URL": url, "SURVEY_APP_INSTANCE": str(tmp_path)}

    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)

    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    assert {"students", "responses", "answers"} <= set(
        sa.inspect(engine).get_table_names()
    )
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_demo(
    env: dict[str, str], port: int
) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``survey-app demo`` and return it with the codes it printed."""
    demo = subprocess.Popen(
        [
            str(SURVEY_APP),
            "demo",
            "--port",
            str(port),
            "--database",
            env["DATABASE_URL"],
        ],
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert demo.stdout is not None
    lines = []
    for line in demo.stdout:
        lines.append(line.strip())
        if line.startswith("Press Ctrl+C"):
            break
    assert f"http://127.0.0.1:{port}/" in "\n".join(lines)
    codes = [line for line in lines if re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", line)]
    return demo, codes


def _wait_for_health(port: int) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the demo server did not answer /healthz")


def _code_opens_the_survey(port: int, code: str) -> bool:
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"http://127.0.0.1:{port}/").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "code": code}).encode()
    try:
        landed = browser.open(f"http://127.0.0.1:{port}/", data=form)
    except urllib.error.HTTPError:
        return False
    return landed.url.endswith("/survey/introduction")


def test_the_demo_serves_the_survey_and_can_be_started_again(
    app, operator_env, database_url
):
    port = _free_port()
    demo, codes = _run_demo(operator_env, port)
    try:
        assert len(codes) >= 5
        _wait_for_health(port)
        assert _code_opens_the_survey(port, codes[0])
    finally:
        demo.terminate()
        demo.wait(timeout=20)

    # Started again on the same database: the school is reused, fresh codes work.
    demo, codes_again = _run_demo(operator_env, port)
    try:
        _wait_for_health(port)
        assert _code_opens_the_survey(port, codes_again[1])
    finally:
        demo.terminate()
        demo.wait(timeout=20)
    with app.app_context():
        assert db.session().query(Student).count() == 180
