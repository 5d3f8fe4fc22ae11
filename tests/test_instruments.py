"""Instrument and study files: shipped ones load, broken ones are refused clearly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from survey_app.config import PROJECT_ROOT
from survey_app.questionnaires.loader import (
    DefinitionError,
    load_catalogue,
    load_instrument,
    load_instruments,
)

INSTRUMENTS = PROJECT_ROOT / "instruments"
STUDIES = PROJECT_ROOT / "studies"
WORDING = PROJECT_ROOT.parent / "shared" / "data" / "instrument-wording.md"


@pytest.fixture(scope="module")
def instruments():
    return load_instruments(INSTRUMENTS)


def test_the_four_free_instruments_are_shipped(instruments):
    assert sorted(instruments) == ["gad7", "phqa", "scwbs", "smfq"]
    assert [
        len(i.items) for i in map(instruments.get, ["scwbs", "smfq", "gad7", "phqa"])
    ] == [
        15,
        13,
        7,
        9,
    ]


def _published_items(section: str) -> list[str]:
    """Return the numbered items of one instrument in the transcription file."""
    text = WORDING.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\. (.+(?:\n   .+)*)", body, flags=re.MULTILINE)
    return [re.sub(r"\s*\n\s+", " ", item).removesuffix(" (SD)") for item in items]


@pytest.mark.skipif(
    not WORDING.exists(),
    reason="the shared transcription file is not beside this checkout",
)
@pytest.mark.parametrize(
    ("instrument_id", "section"),
    [
        ("scwbs", "Stirling Children's Wellbeing Scale"),
        ("smfq", "SMFQ (Short Mood and Feelings Questionnaire), child self-report"),
        ("gad7", "GAD-7"),
        ("phqa", "PHQ-A (PHQ-9 modified for adolescents)"),
    ],
)
def test_item_wording_matches_the_transcription_letter_for_letter(
    instruments, instrument_id, section
):
    shipped = [item.text for item in instruments[instrument_id].items]
    assert shipped == _published_items(section)


def test_options_and_codes_are_as_published(instruments):
    def options(instrument_id):
        item = instruments[instrument_id].items[0]
        return [(o.label, o.code) for o in item.options]

    assert options("scwbs") == [
        ("Never", 1),
        ("Not much of the time", 2),
        ("Some of the time", 3),
        ("Quite a lot of the time", 4),
        ("All of the time", 5),
    ]
    assert options("smfq") == [("Not true", 0), ("Sometimes", 1), ("True", 2)]
    frequency = [
        ("Not at all", 0),
        ("Several days", 1),
        ("More than half the days", 2),
        ("Nearly every day", 3),
    ]
    assert options("gad7") == frequency
    assert options("phqa") == frequency


def test_stirling_scores_twelve_items_leaving_out_the_social_desirability_ones(
    instruments,
):
    score = instruments["scwbs"].scores[0]
    assert len(score.item_ids) == 12
    assert {"scwbs_2", "scwbs_7", "scwbs_13"}.isdisjoint(score.item_ids)
    assert (score.min, score.max) == (12, 60)


def test_published_ranges_and_bands(instruments):
    gad7 = instruments["gad7"].scores[0]
    assert (gad7.min, gad7.max) == (0, 21)
    assert [b.min for b in gad7.bands] == [0, 5, 10, 15]
    phqa = instruments["phqa"].scores[0]
    assert (phqa.min, phqa.max) == (0, 27)
    assert [b.min for b in phqa.bands] == [0, 5, 10, 15, 20]
    smfq = instruments["smfq"].scores[0]
    assert (smfq.min, smfq.max, smfq.bands) == (0, 26, ())


def test_every_instrument_carries_its_licence_and_citation(instruments):
    for instrument in instruments.values():
        assert instrument.licence.terms
        assert instrument.licence.copyright
        assert instrument.citation


def test_the_demo_study_presents_the_four_instruments_in_order():
    catalogue = load_catalogue(INSTRUMENTS, STUDIES)
    for wave_key, year in [("demo/baseline", 7), ("demo/follow-up", 10)]:
        wave = catalogue.wave(wave_key)
        assert wave.year_group == year
        assert [p.kind for p in wave.pages] == ["introduction"] + ["instrument"] * 4 + [
            "end"
        ]
        assert [i.id for i in wave.instruments] == ["scwbs", "smfq", "gad7", "phqa"]


# Broken files -----------------------------------------------------------------


def broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    path = tmp_path / f"{name}.toml"
    text = (INSTRUMENTS / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    # One broken line each, and what a researcher is told about it.
    [
        (
            'text = "Trouble relaxing"\n',
            "",
            "items[3]",
            "expected a field named 'text', which is missing",
        ),
        (
            'option_set = "frequency"',
            'option_set = "freq"',
            "items[0].option_set",
            "expected one of ['frequency'], found 'freq'",
        ),
        ('id = "gad7_2"', 'id = "gad7_1"', "items[1].id", "'gad7_1' is used twice"),
        (
            "{ code = 1, label",
            '{ code = "1", label',
            "option_sets.frequency[1].code",
            "expected a whole number, found '1'",
        ),
        ('"gad7_7"]', '"gad7_8"]', "scores[0].items[6]", "no item has the id 'gad7_8'"),
        (
            "range = [0, 21]",
            "range = [0, 20]",
            "scores[0].range",
            "expected [0, 21] from the items' codes, found [0, 20]",
        ),
        (
            "{ min = 5, max = 9",
            "{ min = 6, max = 9",
            "scores[0].bands[1]",
            "expected a band starting at 5, found 6-9",
        ),
        (
            'title = "Generalised',
            'titel = "Generalised',
            "(top level)",
            "expected only known fields, found 'titel' (check its spelling)",
        ),
        ('stem = "Over', 'stem = """Over', "(file)", "not valid TOML"),
    ],
)
def test_a_broken_instrument_file_is_refused_with_file_field_and_expectation(
    tmp_path, old, new, field, problem
):
    path = broken_copy(tmp_path, "gad7", old, new)
    with pytest.raises(DefinitionError) as error:
        load_instrument(path)
    assert str(error.value).startswith(f"gad7.toml: {field}: {problem}")


def test_a_study_naming_an_unknown_instrument_is_refused(tmp_path):
    instruments = tmp_path / "instruments"
    studies = tmp_path / "studies"
    shutil.copytree(INSTRUMENTS, instruments)
    studies.mkdir()
    text = (STUDIES / "demo.toml").read_text(encoding="utf-8")
    (studies / "demo.toml").write_text(
        text.replace('"smfq"', '"mfq"', 1), encoding="utf-8"
    )

    with pytest.raises(DefinitionError) as error:
        load_catalogue(instruments, studies)
    assert str(error.value) == (
        "demo.toml: waves[0].questionnaire[2].instrument: expected one of "
        "['gad7', 'phqa', 'scwbs', 'smfq'], found 'mfq'"
    )


def test_the_app_refuses_to_start_with_a_broken_instrument(tmp_path, settings):
    from survey_app import create_app

    instruments = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, instruments)
    broken_copy(instruments, "phqa", "range = [0, 27]", "range = [0, 30]")
    with pytest.raises(DefinitionError, match="phqa.toml: scores"):
        create_app(settings.with_overrides(instruments_dir=instruments))
