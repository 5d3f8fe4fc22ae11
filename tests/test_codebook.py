"""A wave's codebook lists every variable, code, missing value and score."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from admin.instruments_cli import instruments as instruments_cli
from survey_app.config import PROJECT_ROOT
from survey_app.questionnaires.codebook import MISSING_CODES, build_codebook
from survey_app.questionnaires.codebook_render import codebook_html, codebook_json
from survey_app.questionnaires.loader import load_catalogue
from tests.test_instruments import LICENSED, licensed_study

INSTRUMENTS = PROJECT_ROOT / "instruments"
STUDIES = PROJECT_ROOT / "studies"


@pytest.fixture(scope="module")
def demo_codebook():
    catalogue = load_catalogue(INSTRUMENTS, STUDIES)
    study = catalogue.studies["demo"]
    return build_codebook(study, catalogue.wave("demo/baseline"))


def test_every_item_of_the_wave_is_a_variable_with_wording_and_codes(demo_codebook):
    sections = {section.id: section for section in demo_codebook.instruments}
    assert list(sections) == ["scwbs", "smfq", "gad7", "phqa", "support"]
    gad7 = sections["gad7"]
    assert [v.name for v in gad7.variables] == [f"gad7_{n}" for n in range(1, 8)]
    first = gad7.variables[0]
    assert first.wording == "Feeling nervous, anxious, or on edge"
    assert first.options == (
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    )
    assert first.in_scores == ("gad7_total",)
    assert gad7.citation.startswith("Spitzer, R. L.")
    assert gad7.scoring_version == "1"


def test_the_stirling_social_desirability_items_are_in_no_score(demo_codebook):
    scwbs = next(s for s in demo_codebook.instruments if s.id == "scwbs")
    unscored = [v.name for v in scwbs.variables if not v.in_scores]
    assert unscored == ["scwbs_2", "scwbs_7", "scwbs_13"]


def test_missing_value_codes_are_distinct_and_never_a_valid_answer(demo_codebook):
    codes = {m.name: m.code for m in demo_codebook.missing_codes}
    assert set(codes) >= {"skipped", "not_reached", "not_applicable"}
    assert len(set(codes.values())) == len(codes)
    answer_codes = {
        code
        for section in demo_codebook.instruments
        for variable in section.variables
        for code, _label in variable.options
    }
    assert answer_codes.isdisjoint(codes.values())


def test_each_score_says_how_it_is_computed_and_where_its_rules_come_from(
    demo_codebook,
):
    gad7 = next(s for s in demo_codebook.instruments if s.id == "gad7")
    [total] = gad7.scores
    assert (total.min, total.max) == (0, 21)
    assert total.computation.startswith("Sum of 7 items: gad7_1, gad7_2,")
    assert total.missing_rule == "No score when any of its items is unanswered."
    assert total.bands[1] == (5, 9, "Mild")
    assert total.sources[0].startswith("Spitzer et al. (2006)")


def test_a_licensed_wave_codebook_shows_reverse_coding_prorating_and_tables(tmp_path):
    studies = licensed_study(tmp_path, LICENSED)
    catalogue = load_catalogue(INSTRUMENTS, studies)
    book = build_codebook(
        catalogue.studies["licensed"], catalogue.wave("licensed/baseline")
    )
    sections = {section.id: section for section in book.instruments}

    sdq = sections["sdq"]
    assert sdq.wording_source == "Made-up text pack for tests; no licensed wording."
    assert sdq.variables[6].wording == "SDQ item 7 (licensed wording goes here)"
    assert sdq.variables[6].reverse_coded
    conduct = next(s for s in sdq.scores if s.name == "sdq_conduct")
    assert "Reverse-coded before adding" in conduct.computation
    assert conduct.missing_rule == (
        "Prorated when at least 3 of 5 items are answered: the mean of the "
        "answered items times 5, rounded half up to a whole number; otherwise no "
        "score."
    )
    metric = next(s for s in sections["swemwbs"].scores if s.name == "swemwbs_metric")
    assert metric.table[0] == (7, 7.0)
    assert len(metric.table) == 29


def test_the_json_file_holds_the_whole_codebook(demo_codebook):
    data = json.loads(codebook_json(demo_codebook))
    assert data["wave_key"] == "demo/baseline"
    assert [m["code"] for m in data["missing_codes"]] == [m.code for m in MISSING_CODES]
    phqa = data["instruments"][3]
    assert phqa["variables"][8]["name"] == "phqa_9"
    assert phqa["variables"][8]["options"][3] == [3, "Nearly every day"]
    assert phqa["scores"][0]["bands"][4] == [20, 27, "Severe"]


class Links(HTMLParser):
    """Collects every attribute that would load another file."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.external.append(value)


def test_the_html_page_stands_alone_and_escapes_wording(demo_codebook):
    html = codebook_html(demo_codebook)
    links = Links()
    links.feed(html)
    assert links.external == []
    assert "<h1>Codebook: Demo school wellbeing study, Baseline (Year 7)</h1>" in html
    # An apostrophe in the wording is escaped, never raw markup.
    assert "I&#39;ve been able to make choices easily" in html
    assert "phqa_9" in html


def test_codebook_command_writes_both_files(tmp_path):
    result = CliRunner().invoke(
        instruments_cli, ["codebook", "--wave", "demo/follow-up", "--out", tmp_path]
    )

    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["codebook-demo-follow-up.html", "codebook-demo-follow-up.json"]
    data = json.loads((tmp_path / "codebook-demo-follow-up.json").read_text())
    assert data["year_group"] == 10


def test_codebook_command_names_the_waves_it_knows(tmp_path):
    result = CliRunner().invoke(
        instruments_cli, ["codebook", "--wave", "demo/endline", "--out", tmp_path]
    )

    assert result.exit_code == 1
    assert "No wave 'demo/endline'; expected one of" in result.output
    assert "'demo/baseline'" in result.output
