"""Wave windows, sittings that codes need, and scores stored with responses."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from survey_app import create_app
from survey_app.config import PROJECT_ROOT
from survey_app.db import db
from survey_app.runtime import catalogue
from survey_app.scoring.models import ResponseScore
from survey_app.scoring.storage import recompute_wave
from survey_app.sittings.models import Sitting, SittingGroup
from survey_app.staff.models import Role
from tests import factories
from tests.student import Student as StudentAtComputer


@pytest.fixture
def study_file(tmp_path):
    """A copy of the demo study file to change, and a way to build an app on it."""
    studies = tmp_path / "studies"
    shutil.copytree(PROJECT_ROOT / "studies", studies)
    return studies / "demo.toml"


def app_with(settings, study_file, old, new):
    text = study_file.read_text(encoding="utf-8")
    assert old in text
    study_file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return create_app(settings.with_overrides(studies_dir=study_file.parent))


def test_codes_stop_working_when_the_wave_closes(settings, study_file, school):
    app = app_with(
        settings,
        study_file,
        'opens = "2026-09-01"',
        'opens = "2025-09-01"\ncloses = "2026-07-20"',
    )
    codes = factories.issue_codes(app, school, settings)
    page = StudentAtComputer(app.test_client()).type_code(codes["Okafor"])
    assert page.status == 422
    assert "This survey is not open at the moment" in page


def test_codes_do_not_work_before_the_wave_opens(settings, study_file, school):
    app = app_with(settings, study_file, 'opens = "2026-09-01"', 'opens = "2099-09-01"')
    codes = factories.issue_codes(app, school, settings)
    page = StudentAtComputer(app.test_client()).type_code(codes["Okafor"])
    assert "This survey is not open at the moment" in page


def test_a_study_can_require_an_open_sitting(settings, study_file, school):
    app = app_with(
        settings,
        study_file,
        'title = "Demo school wellbeing study"',
        'title = "Demo school wellbeing study"\nrequire_open_sitting = true',
    )
    codes = factories.issue_codes(app, school, settings)
    page = StudentAtComputer(app.test_client()).type_code(codes["Okafor"])
    assert "can only be done in a lesson with your teacher" in page

    with app.app_context(), db.begin() as session:
        teacher = factories.staff_member(
            session, "t@school.invalid", Role.TEACHER, school
        )
        session.add(
            Sitting(
                school_id=school.id,
                wave_key="demo/baseline",
                room="Lab",
                opened_by_id=teacher.id,
                groups=[SittingGroup(form_group="7A")],
            )
        )
    page = StudentAtComputer(app.test_client()).type_code(codes["Okafor"])
    assert page.path == "/survey/introduction"


def test_a_rule_about_an_unknown_item_is_refused_at_load_time(settings, study_file):
    from survey_app.questionnaires.loader import DefinitionError

    with pytest.raises(DefinitionError) as error:
        app_with(settings, study_file, 'item = "phqa_9"', 'item = "phqa_99"')
    assert "waves[0].alerts[0].item" in str(error.value)
    assert "phqa_99" in str(error.value)


def test_scores_are_stored_when_the_response_completes(app, codes):
    student = StudentAtComputer(app.test_client())
    student.type_code(codes["Okafor"])
    student.agree()
    student.answer(default="4")  # Stirling: every item "Quite a lot of the time"
    student.answer(default="1")  # SMFQ: every item "Sometimes"
    student.answer({"gad7_1": "skip"}, default="2")  # GAD-7 with one item skipped
    student.answer(default="0")  # PHQ-A: all "Not at all"
    student.answer(default="0")

    with app.app_context(), db.begin() as session:
        scores = {
            s.score_id: (s.value, s.reason)
            for s in session.scalars(select(ResponseScore))
        }
    assert scores["scwbs_total"] == (48.0, None)  # 12 scored items x 4
    assert scores["smfq_total"] == (13.0, None)
    assert scores["phqa_total"] == (0.0, None)
    value, reason = scores["gad7_total"]
    assert value is None
    assert "gad7_1" in reason


def test_recomputing_keeps_scores_of_earlier_scoring_versions(app, codes):
    student = StudentAtComputer(app.test_client())
    student.type_code(codes["Okafor"])
    student.agree()
    student.finish_all_pages(default="1")

    with app.app_context(), db.begin() as session:
        old = session.scalars(select(ResponseScore)).all()
        for score in old:
            score.scoring_version = "0-old"
    with app.app_context(), db.begin() as session:
        assert recompute_wave(session, catalogue().wave("demo/baseline")) == 1
    with app.app_context(), db.begin() as session:
        versions = {s.scoring_version for s in session.scalars(select(ResponseScore))}
    assert versions == {"0-old", "1"}
