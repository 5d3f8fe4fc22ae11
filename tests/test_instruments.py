"""Instrument and study files: shipped ones load, broken ones are refused clearly.

Licensed instruments (SWEMWBS, RCADS-25, SDQ) are shipped without wording; the
tests word them with made-up text packs written to a temporary folder.
"""

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


FREE = ["gad7", "phqa", "scwbs", "smfq"]
LICENSED = ["rcads25", "sdq", "swemwbs"]
#: Questions the project wrote itself, shipped in the same format.
PROJECT = ["support"]


def test_the_free_and_the_licensed_instruments_are_shipped(instruments):
    assert sorted(instruments) == sorted(FREE + LICENSED + PROJECT)
    counts = {name: len(instrument.items) for name, instrument in instruments.items()}
    assert counts == {
        "scwbs": 15,
        "smfq": 13,
        "gad7": 7,
        "phqa": 9,
        "swemwbs": 7,
        "rcads25": 25,
        "sdq": 25,
        "support": 1,
    }


def test_free_instruments_carry_their_wording_and_licensed_ones_none(instruments):
    for name in FREE:
        assert instruments[name].has_wording
        assert all(item.text for item in instruments[name].items)
    for name in LICENSED:
        instrument = instruments[name]
        assert not instrument.has_wording
        assert instrument.stem == ""
        assert {item.text for item in instrument.items} == {""}
        assert {o.label for item in instrument.items for o in item.options} == {""}


@pytest.mark.parametrize("name", LICENSED)
def test_the_repository_holds_no_licensed_wording(name):
    # Only structure and scoring: no stem, item text or option label at all.
    text = (INSTRUMENTS / f"{name}.toml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(stem|text)\s*=", text, flags=re.MULTILINE)
    assert "label =" not in text.split("[[items]]", 1)[0].split("[option_sets]")[1]


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


def test_licence_facts_say_who_needs_registration_or_permission(instruments):
    licences = {name: instruments[name].licence for name in FREE + LICENSED}
    needs = {
        name: (licence.registration_required, licence.permission_required)
        for name, licence in licences.items()
    }
    assert needs == {
        "gad7": (False, False),
        "phqa": (False, False),
        "scwbs": (False, False),
        "smfq": (False, False),
        # Warwick asks every user to register before use (WEMWBS website).
        "swemwbs": (True, False),
        # The RCADS and SDQ rights holders must authorise an online version.
        "rcads25": (False, True),
        "sdq": (False, True),
    }
    # The line the SWEMWBS rights holder requires on every copy.
    assert licences["swemwbs"].copyright == (
        "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health "
        "Scotland, University of Warwick and University of Edinburgh, 2008, all "
        "rights reserved."
    )


def test_the_demo_study_presents_the_four_instruments_and_the_support_question():
    catalogue = load_catalogue(INSTRUMENTS, STUDIES)
    for wave_key, year in [("demo/baseline", 7), ("demo/follow-up", 10)]:
        wave = catalogue.wave(wave_key)
        assert wave.year_group == year
        assert [p.kind for p in wave.pages] == ["introduction"] + ["instrument"] * 5 + [
            "end"
        ]
        assert [i.id for i in wave.instruments] == [
            "scwbs",
            "smfq",
            "gad7",
            "phqa",
            "support",
        ]


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
        "['gad7', 'phqa', 'rcads25', 'scwbs', 'sdq', 'smfq', 'support', 'swemwbs'], "
        "found 'mfq'"
    )


def test_the_app_refuses_to_start_with_a_broken_instrument(tmp_path, settings):
    from survey_app import create_app

    instruments = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, instruments)
    broken_copy(instruments, "phqa", "range = [0, 27]", "range = [0, 30]")
    with pytest.raises(DefinitionError, match="phqa.toml: scores"):
        create_app(settings.with_overrides(instruments_dir=instruments))


@pytest.mark.parametrize(
    ("name", "old", "new", "field", "problem"),
    # One broken line each in the scoring of an instrument, and what is said.
    [
        (
            "sdq",
            'reverse_items = ["sdq_7"',
            'reverse_items = ["sdq_77"',
            "scoring.reverse_items[0]",
            "no item has the id 'sdq_77'",
        ),
        (
            "sdq",
            'items = ["sdq_3", "sdq_8"',
            'items = ["sdq_3", "sdq_88"',
            "scores[0].items[1]",
            "no item has the id 'sdq_88'",
        ),
        (
            "sdq",
            "min_answered = 3\n",
            "",
            "scores[0]",
            "expected a field named 'min_answered', which is missing",
        ),
        (
            "sdq",
            'scores = ["sdq_emotion"',
            'scores = ["sdq_total_difficulties"',
            "scores[5].scores[0]",
            "expected the id of a score defined above, found 'sdq_total_difficulties'",
        ),
        (
            "sdq",
            'id = "sdq_1"\noption_set = "truth"',
            'id = "sdq_1"\ntext = "Made-up wording"\noption_set = "truth"',
            "items[0].text",
            "must not be here: this instrument's wording is licensed",
        ),
        (
            "swemwbs",
            "{ code = 1 }",
            '{ code = 1, label = "Made-up label" }',
            "option_sets.frequency[0].label",
            "must not be here: this instrument's wording is licensed",
        ),
        (
            "swemwbs",
            "[12, 14.08],",
            "",
            "scores[1].table",
            "expected one row for every raw score from 7 to 35, missing [12]",
        ),
        (
            "swemwbs",
            "[13, 14.75]",
            "[13, 14.00]",
            "scores[1].table[6]",
            "expected a value above the row before's 14.08, found 14.0",
        ),
        (
            "swemwbs",
            "range = [7.00, 35.00]",
            "range = [7.00, 36.00]",
            "scores[1].range",
            "expected [7.0, 35.0] from the table's first and last rows",
        ),
        (
            "gad7",
            "{ min = 5, max = 9",
            "{ min = 4, max = 9",
            "scores[0].bands[1]",
            "expected a band starting at 5, found 4-9",
        ),
        (
            "gad7",
            "{ min = 15, max = 21",
            "{ min = 15, max = 20",
            "scores[0].bands",
            "expected the bands to end at 21",
        ),
        (
            "gad7",
            'id = "gad7_total"',
            'id = "gad7_7"',
            "scores[0].id",
            "'gad7_7' is already an item or score id",
        ),
        (
            "gad7",
            '[scoring]\nversion = "1"\n',
            "[scoring]\n",
            "scoring",
            "expected a field named 'version', which is missing",
        ),
    ],
)
def test_broken_scoring_is_refused_with_file_field_and_expectation(
    tmp_path, name, old, new, field, problem
):
    path = broken_copy(tmp_path, name, old, new)
    with pytest.raises(DefinitionError) as error:
        load_instrument(path)
    assert str(error.value).startswith(f"{name}.toml: {field}: {problem}")


# Licensed wording from text packs ------------------------------------------------


def made_up_text_pack(name: str, *, language: str = "en-GB", drop: int = 0) -> str:
    """Return a text pack for a shipped instrument, with placeholder wording only.

    ``drop`` leaves out that many items from the end, to make it incomplete.
    """
    instrument = load_instrument(INSTRUMENTS / f"{name}.toml")
    lines = [
        f'instrument = "{name}"',
        f'language = "{language}"',
        'source = "Made-up text pack for tests; no licensed wording."',
        f'stem = "{name.upper()} stem (licensed wording goes here)"',
        "",
        "[option_sets]",
    ]
    sets = {item.option_set: sorted(item.codes) for item in instrument.items}
    for set_name, codes in sets.items():
        options = ", ".join(
            f'{{ code = {code}, label = "Option {code} (licensed label goes here)" }}'
            for code in codes
        )
        lines.append(f"{set_name} = [{options}]")
    items = instrument.items[: len(instrument.items) - drop]
    for item in items:
        lines += [
            "",
            "[[items]]",
            f'id = "{item.id}"',
            f'text = "{name.upper()} item {item.number} (licensed wording goes here)"',
        ]
    return "\n".join(lines) + "\n"


LICENSED_STUDY = """\
id = "licensed"
title = "Made-up licensed study"
{licences}
[[waves]]
id = "baseline"
title = "Baseline (Year 7)"
year_group = 7
questionnaire = [
  {{ page = "introduction" }},
{pages}
  {{ page = "end" }},
]
"""


def licensed_study(
    tmp_path: Path,
    names: list[str],
    *,
    packs: dict[str, str] | None = None,
    record: bool = True,
) -> Path:
    """Write a study using ``names`` with made-up text packs; return its folder."""
    studies = tmp_path / "studies"
    (studies / "packs").mkdir(parents=True, exist_ok=True)
    packs = (
        {name: made_up_text_pack(name) for name in names} if packs is None else packs
    )
    licences = []
    for name in names:
        if not record:
            continue
        licences += [
            f"[licences.{name}]",
            'obtained_on = "2025-01-15"',
            f'reference = "Made-up agreement {name.upper()}-0001"',
        ]
        if name in packs:
            (studies / "packs" / f"{name}.en-GB.toml").write_text(
                packs[name], encoding="utf-8"
            )
            licences.append(f'text_packs = ["packs/{name}.en-GB.toml"]')
    pages = "\n".join(
        f'  {{ page = "instrument", instrument = "{name}" }},' for name in names
    )
    text = LICENSED_STUDY.format(licences="\n".join(licences), pages=pages)
    (studies / "licensed.toml").write_text(text, encoding="utf-8")
    return studies


def test_a_study_with_its_text_packs_shows_the_licensed_instruments_worded(tmp_path):
    studies = licensed_study(tmp_path, LICENSED)

    catalogue = load_catalogue(INSTRUMENTS, studies)
    wave = catalogue.wave("licensed/baseline")
    sdq = wave.instruments[LICENSED.index("sdq")]
    assert sdq.has_wording
    assert sdq.stem == "SDQ stem (licensed wording goes here)"
    assert sdq.item("sdq_7").text == "SDQ item 7 (licensed wording goes here)"
    assert [o.label for o in sdq.item("sdq_7").options] == [
        f"Option {code} (licensed label goes here)" for code in (0, 1, 2)
    ]
    # The pages show the worded instrument, with the required copyright line.
    page = wave.question_page("swemwbs")
    assert page is not None
    assert page.instrument is not None
    assert page.items[0].text == "SWEMWBS item 1 (licensed wording goes here)"
    assert page.instrument.licence.copyright.startswith("Short Warwick Edinburgh")
    # The library copy stays bare, and the study keeps its licence records.
    assert catalogue.instruments["sdq"].item("sdq_7").text == ""
    record = catalogue.studies["licensed"].licences["sdq"]
    assert (record.obtained_on, record.reference) == (
        "2025-01-15",
        "Made-up agreement SDQ-0001",
    )


def test_a_licensed_instrument_without_its_text_pack_is_refused(tmp_path):
    studies = licensed_study(tmp_path, ["gad7", "sdq"], packs={})

    with pytest.raises(DefinitionError) as error:
        load_catalogue(INSTRUMENTS, studies)
    assert str(error.value) == (
        "licensed.toml: waves[0].questionnaire[2].instrument: sdq's wording is "
        "licensed and not shipped with the app: list the study's en-GB text pack "
        "under [licences.sdq] text_packs"
    )


def test_a_licensed_instrument_without_a_licence_record_is_refused(tmp_path):
    studies = licensed_study(tmp_path, ["swemwbs"], record=False)

    with pytest.raises(DefinitionError) as error:
        load_catalogue(INSTRUMENTS, studies)
    assert str(error.value) == (
        "licensed.toml: waves[0].questionnaire[1].instrument: swemwbs needs "
        "registration from its rights holder before a study uses it; record it "
        "under [licences.swemwbs] with obtained_on and reference"
    )


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (
            lambda pack: made_up_text_pack("sdq", drop=2),
            "items",
            "expected wording for every item of sdq; missing: sdq_24, sdq_25",
        ),
        (
            lambda pack: pack + '\n[[items]]\nid = "sdq_26"\ntext = "Extra"\n',
            "items",
            "expected only items of sdq; not in the instrument: sdq_26",
        ),
        (
            lambda pack: pack.replace(
                "truth = [", 'truth = [{ code = 3, label = "Extra option" }, '
            ),
            "option_sets.truth",
            "expected labels for codes [0, 1, 2], found [0, 1, 2, 3]",
        ),
        (
            lambda pack: pack.replace('instrument = "sdq"', 'instrument = "rcads25"'),
            "instrument",
            "expected 'sdq', found 'rcads25'",
        ),
        (
            lambda pack: pack.replace('stem = "', 'stme = "'),
            "(top level)",
            "expected only known fields, found 'stme' (check its spelling)",
        ),
    ],
)
def test_an_incomplete_or_wrong_text_pack_is_refused(tmp_path, change, field, problem):
    pack = change(made_up_text_pack("sdq"))
    studies = licensed_study(tmp_path, ["sdq"], packs={"sdq": pack})

    with pytest.raises(DefinitionError) as error:
        load_catalogue(INSTRUMENTS, studies)
    assert str(error.value) == f"sdq.en-GB.toml: {field}: {problem}"


def test_a_text_pack_file_that_is_not_there_is_refused(tmp_path):
    studies = licensed_study(tmp_path, ["sdq"])
    (studies / "packs" / "sdq.en-GB.toml").unlink()

    with pytest.raises(DefinitionError) as error:
        load_catalogue(INSTRUMENTS, studies)
    assert str(error.value).startswith(
        "licensed.toml: licences.sdq.text_packs[0]: expected a text pack file at "
    )


# Translations ---------------------------------------------------------------------


def welsh_demo(tmp_path: Path, translated: list[str]) -> tuple[Path, Path]:
    """Copy the instruments with made-up Welsh translations of ``translated``."""
    instruments = tmp_path / "instruments"
    shutil.copytree(INSTRUMENTS, instruments)
    (instruments / "translations").mkdir()
    for name in translated:
        pack = made_up_text_pack(name, language="cy")
        (instruments / "translations" / f"{name}.cy.toml").write_text(
            pack, encoding="utf-8"
        )
    studies = tmp_path / "studies"
    studies.mkdir()
    text = (STUDIES / "demo.toml").read_text(encoding="utf-8")
    text = text.replace("year_group = 7\n", 'year_group = 7\nlanguage = "cy"\n', 1)
    (studies / "demo.toml").write_text(text, encoding="utf-8")
    return instruments, studies


def test_a_wave_is_shown_in_a_validated_translation_of_every_instrument(tmp_path):
    instruments, studies = welsh_demo(tmp_path, FREE + PROJECT)

    catalogue = load_catalogue(instruments, studies)
    wave = catalogue.wave("demo/baseline")
    assert wave.language == "cy"
    assert {i.language for i in wave.instruments} == {"cy"}
    assert wave.instruments[0].item("scwbs_1").text == (
        "SCWBS item 1 (licensed wording goes here)"
    )
    # The follow-up wave keeps the English wording.
    assert catalogue.wave("demo/follow-up").instruments[0].language == "en-GB"


def test_a_wave_in_a_language_one_instrument_lacks_is_refused_not_mixed(tmp_path):
    instruments, studies = welsh_demo(tmp_path, ["scwbs", "smfq", "phqa"])

    with pytest.raises(DefinitionError) as error:
        load_catalogue(instruments, studies)
    assert str(error.value).startswith(
        "demo.toml: waves[0].questionnaire[3].instrument: gad7 has no validated "
        "translation into 'cy'; a questionnaire is never shown in mixed languages"
    )


def test_licensed_wording_is_never_accepted_among_the_shipped_translations(tmp_path):
    instruments, studies = welsh_demo(tmp_path, [])
    pack = made_up_text_pack("sdq", language="cy")
    (instruments / "translations" / "sdq.cy.toml").write_text(pack, encoding="utf-8")

    with pytest.raises(DefinitionError, match="sdq.cy.toml: instrument: sdq's wording"):
        load_catalogue(instruments, studies)
