"""Scores match the authors' published tables and scoring rules.

Every expected value below is taken from the source named beside it, not from
the instrument files, so a wrong file fails here.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from admin.instruments_cli import instruments as instruments_cli
from survey_app.config import PROJECT_ROOT
from survey_app.questionnaires.loader import load_instruments
from survey_app.scoring import AnswerError, item_score, score_instrument

INSTRUMENTS = PROJECT_ROOT / "instruments"


@pytest.fixture(scope="module")
def library():
    return load_instruments(INSTRUMENTS)


def scores(instrument, answers):
    """Return {score id: (value, band)} for one set of answers."""
    return {r.id: (r.value, r.band) for r in score_instrument(instrument, answers)}


def all_answered(instrument, code):
    return {item.id: code for item in instrument.items}


# SWEMWBS ----------------------------------------------------------------------

# Stewart-Brown et al. (2009), Health and Quality of Life Outcomes 7:15: the
# SWEMWBS raw score to metric score conversion table, as reproduced in the
# rights holder's WEMWBS user guide.
SWEMWBS_METRIC = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75,
    14: 15.32, 15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98,
    20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35,
    26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13,
    32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


def swemwbs_answers(raw: int) -> dict[str, int]:
    """Return seven answers (each 1-5) that add up to ``raw``."""
    codes, extra = [], raw - 7
    for _ in range(7):
        step = min(4, extra)
        codes.append(1 + step)
        extra -= step
    return {f"swemwbs_{n}": code for n, code in enumerate(codes, start=1)}


@pytest.mark.parametrize("raw", sorted(SWEMWBS_METRIC))
def test_swemwbs_converts_every_raw_score_with_the_published_table(library, raw):
    result = scores(library["swemwbs"], swemwbs_answers(raw))
    assert result["swemwbs_raw"] == (raw, None)
    assert result["swemwbs_metric"] == (SWEMWBS_METRIC[raw], None)


def test_swemwbs_gives_no_score_when_any_item_is_missing(library):
    # Rights holder's scoring guidance: the seven items are summed, then
    # converted; a total of fewer items cannot be converted.
    answers = swemwbs_answers(30) | {"swemwbs_4": None}
    results = {r.id: r for r in score_instrument(library["swemwbs"], answers)}
    assert results["swemwbs_raw"].value is None
    assert results["swemwbs_raw"].reason == (
        "1 of 7 items unanswered (swemwbs_4); the authors' rule gives no score then"
    )
    assert results["swemwbs_metric"].value is None
    assert results["swemwbs_metric"].reason.startswith("swemwbs_raw is missing")


# RCADS-25 -----------------------------------------------------------------------

# Ebesutani et al. (2012), Psychological Assessment 24(4), 833-845, and the
# rights holder's RCADS-25 scoring syntax: the ten depression items; the other
# fifteen make up total anxiety.
RCADS_DEPRESSION = {1, 4, 8, 10, 13, 15, 16, 19, 21, 24}
RCADS_ANXIETY = {2, 3, 5, 6, 7, 9, 11, 12, 14, 17, 18, 20, 22, 23, 25}


@pytest.mark.parametrize("number", range(1, 26))
def test_every_rcads25_item_counts_in_its_published_subscale(library, number):
    rcads = library["rcads25"]
    answers = all_answered(rcads, 0) | {f"rcads25_{number}": 3}

    result = scores(rcads, answers)
    in_depression = number in RCADS_DEPRESSION
    assert in_depression != (number in RCADS_ANXIETY)
    assert result["rcads25_depression"] == (3 if in_depression else 0, None)
    assert result["rcads25_anxiety"] == (0 if in_depression else 3, None)
    assert result["rcads25_total"] == (3, None)


def test_rcads25_prorates_as_the_scoring_syntax_defines(library):
    # RCADS-25 scoring syntax: depression prorated with at most 2 of 10 items
    # missing, anxiety with at most 2 of 15, the total with at most 4 of 25;
    # prorated scores are the mean of the answered items times the item count.
    rcads = library["rcads25"]
    answers = all_answered(rcads, 1) | {"rcads25_24": 2}
    two_gone = answers | {"rcads25_1": None, "rcads25_4": None}
    result = scores(rcads, two_gone)
    assert result["rcads25_depression"] == (9 * 10 / 8, None)  # 11.25
    assert result["rcads25_anxiety"] == (15, None)
    assert result["rcads25_total"] == (24 * 25 / 23, None)

    three_gone = two_gone | {"rcads25_8": None}
    assert scores(rcads, three_gone)["rcads25_depression"] == (None, None)

    five_anxiety_gone = answers | {f"rcads25_{n}": None for n in (2, 3, 5, 6, 7)}
    result = scores(rcads, five_anxiety_gone)
    assert result["rcads25_anxiety"] == (None, None)
    assert result["rcads25_total"] == (None, None)


# SDQ ------------------------------------------------------------------------------

# Goodman (1997) and the rights holder's scoring instructions (sdqinfo.org,
# "Scoring the SDQ"): the five scales of the self-report form, by item number.
SDQ_SCALES = {
    "sdq_emotion": [3, 8, 13, 16, 24],
    "sdq_conduct": [5, 7, 12, 18, 22],
    "sdq_hyperactivity": [2, 10, 15, 21, 25],
    "sdq_peer": [6, 11, 14, 19, 23],
    "sdq_prosocial": [1, 4, 9, 17, 20],
}
# Same source: items scored Not true 2, Somewhat true 1, Certainly true 0.
SDQ_REVERSED = {7, 11, 14, 21, 25}


def test_sdq_scales_hold_the_published_items(library):
    sdq = library["sdq"]
    for score_id, numbers in SDQ_SCALES.items():
        assert sdq.score(score_id).item_ids == tuple(f"sdq_{n}" for n in numbers)
    assert sdq.score("sdq_total_difficulties").score_ids == (
        "sdq_emotion",
        "sdq_conduct",
        "sdq_hyperactivity",
        "sdq_peer",
    )


@pytest.mark.parametrize("number", range(1, 26))
def test_sdq_reverses_exactly_the_published_items(library, number):
    sdq = library["sdq"]
    item = sdq.item(f"sdq_{number}")
    scored = [item_score(sdq, item, code) for code in (0, 1, 2)]
    assert scored == ([2, 1, 0] if number in SDQ_REVERSED else [0, 1, 2])


def test_sdq_all_not_true_scores_only_the_reversed_items(library):
    result = scores(library["sdq"], all_answered(library["sdq"], 0))
    assert {k: v for k, (v, _band) in result.items()} == {
        "sdq_emotion": 0,
        "sdq_conduct": 2,  # item 7
        "sdq_hyperactivity": 4,  # items 21 and 25
        "sdq_peer": 4,  # items 11 and 14
        "sdq_prosocial": 0,
        "sdq_total_difficulties": 10,  # prosocial is left out
    }


def test_sdq_prorates_a_scale_with_three_or_four_of_five_items(library):
    # Rights holder's scoring instructions: a scale can be prorated when at
    # least 3 of its 5 items were answered; the published syntax takes the
    # mean times 5 and rounds halves up (R: floor(x + 0.5)).
    sdq = library["sdq"]
    base = all_answered(sdq, 0)
    emotion = [f"sdq_{n}" for n in SDQ_SCALES["sdq_emotion"]]

    # 4 points from 3 answered items: 4 x 5 / 3 = 6.67, rounded to 7.
    three = base | {emotion[0]: 2, emotion[1]: 2, emotion[3]: None, emotion[4]: None}
    assert scores(sdq, three)["sdq_emotion"] == (7, "Very high")
    # 2 points from 4 answered items: 2.5 rounds up to 3, never to even 2.
    four = base | {emotion[0]: 2, emotion[4]: None}
    assert scores(sdq, four)["sdq_emotion"] == (3, "Close to average")
    # Only 2 answered: no score, and so no total difficulties either.
    two = base | {item_id: None for item_id in emotion[:3]}
    results = {r.id: r for r in score_instrument(sdq, two)}
    assert results["sdq_emotion"].value is None
    assert "prorates only when at least 3 are answered" in results["sdq_emotion"].reason
    assert results["sdq_total_difficulties"].value is None
    assert results["sdq_total_difficulties"].reason == (
        "needs every one of its scores; missing: sdq_emotion"
    )


def test_sdq_total_difficulties_ignores_a_missing_prosocial_scale(library):
    sdq = library["sdq"]
    answers = all_answered(sdq, 0) | {f"sdq_{n}": None for n in (1, 4, 9)}
    result = scores(sdq, answers)
    assert result["sdq_prosocial"] == (None, None)
    assert result["sdq_total_difficulties"] == (10, "Close to average")


@pytest.mark.parametrize(
    ("score_id", "value", "band"),
    # Rights holder's four-band categorisation, self-completed SDQ, 11-17.
    [
        ("sdq_total_difficulties", 14, "Close to average"),
        ("sdq_total_difficulties", 15, "Slightly raised"),
        ("sdq_total_difficulties", 18, "High"),
        ("sdq_total_difficulties", 20, "Very high"),
        ("sdq_emotion", 4, "Close to average"),
        ("sdq_emotion", 7, "Very high"),
        ("sdq_prosocial", 4, "Very low"),
        ("sdq_prosocial", 7, "Close to average"),
    ],
)
def test_sdq_bands(library, score_id, value, band):
    found = library["sdq"].score(score_id).band_for(value)
    assert found is not None
    assert found.label == band


# PHQ-A, GAD-7, SMFQ, Stirling --------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    # Spitzer et al. (2006): cut-points 5, 10 and 15 for mild, moderate, severe.
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate")]
    + [(14, "Moderate"), (15, "Severe"), (21, "Severe")],
)
def test_gad7_bands_follow_the_published_cut_points(library, total, band):
    gad7 = library["gad7"]
    codes = [min(3, total - 3 * n) if total > 3 * n else 0 for n in range(7)]
    answers = {f"gad7_{n}": code for n, code in enumerate(codes, start=1)}
    assert scores(gad7, answers)["gad7_total"] == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    # Kroenke, Spitzer & Williams (2001), applied to the PHQ-A by Johnson et
    # al. (2002): cut-points 5, 10, 15 and 20.
    [(4, "None or minimal"), (5, "Mild"), (10, "Moderate")]
    + [(15, "Moderately severe"), (19, "Moderately severe"), (20, "Severe")]
    + [(27, "Severe")],
)
def test_phqa_bands_follow_the_published_cut_points(library, total, band):
    phqa = library["phqa"]
    codes = [min(3, total - 3 * n) if total > 3 * n else 0 for n in range(9)]
    answers = {f"phqa_{n}": code for n, code in enumerate(codes, start=1)}
    assert scores(phqa, answers)["phqa_total"] == (total, band)


def test_smfq_codes_run_towards_more_depressive_symptoms(library):
    # Angold et al. (1995): Not true 0, Sometimes 1, True 2 for every item;
    # no item is reversed, so "True" to all thirteen gives the maximum 26.
    smfq = library["smfq"]
    assert not smfq.scoring.reverse_item_ids
    labels = {(o.label, o.code) for item in smfq.items for o in item.options}
    assert labels == {("Not true", 0), ("Sometimes", 1), ("True", 2)}
    assert scores(smfq, all_answered(smfq, 2))["smfq_total"] == (26, None)
    assert scores(smfq, all_answered(smfq, 0))["smfq_total"] == (0, None)


def test_stirling_total_leaves_out_the_social_desirability_items(library):
    # Liddle & Carter (2015): items 2, 7 and 13 measure social desirability
    # and are not added; the 12 others give 12-60.
    scwbs = library["scwbs"]
    desirability = {"scwbs_2": 5, "scwbs_7": 5, "scwbs_13": 5}
    assert scores(scwbs, all_answered(scwbs, 1) | desirability)["scwbs_total"] == (
        12,
        None,
    )
    skipped = {"scwbs_2": None, "scwbs_7": None, "scwbs_13": None}
    assert scores(scwbs, all_answered(scwbs, 5) | skipped)["scwbs_total"] == (60, None)


# Bad answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"gad7_1": 4},
            "gad7: gad7_1: expected one of [0, 1, 2, 3] or null (skipped), found 4",
        ),
        (
            {"gad7_1": "2"},
            "gad7: gad7_1: expected one of [0, 1, 2, 3] or null (skipped), found '2'",
        ),
        (
            {"gad7_1": True},
            "gad7: gad7_1: expected one of [0, 1, 2, 3] or null (skipped), found True",
        ),
        (
            {"gad7_1": 2.0},
            "gad7: gad7_1: expected one of [0, 1, 2, 3] or null (skipped), found 2.0",
        ),
        ({"phqa_1": 1}, "gad7: phqa_1: no such item in this instrument"),
    ],
)
def test_answers_outside_an_items_codes_are_refused(library, answers, message):
    with pytest.raises(AnswerError) as error:
        score_instrument(library["gad7"], answers)
    assert str(error.value) == message


# Scoring versions ------------------------------------------------------------------

# Each instrument's scoring version and the fingerprint of its scoring rules.
# If this test fails, a change altered how scores are computed: give the
# instrument a new [scoring] version (so stored scores of the old version are
# kept apart), then record the new fingerprint here.
SCORING_VERSIONS = {
    "gad7": ("1", "6f121ef5ee78d029"),
    "phqa": ("1", "831b1681538ae2a4"),
    "rcads25": ("1", "8a8e20394f1ab34f"),
    "scwbs": ("1", "085fd9a92ddde279"),
    "sdq": ("1", "15c124b4787d684e"),
    "smfq": ("1", "50f84aa6bde4f72c"),
    "swemwbs": ("1", "9e4e5cbb4197e87b"),
    "support": ("1", "7e3b48daadcec608"),
}


def test_a_change_to_scoring_comes_with_a_new_scoring_version(library):
    found = {
        name: (instrument.scoring.version, instrument.scoring.fingerprint)
        for name, instrument in library.items()
    }
    assert found == SCORING_VERSIONS


def test_every_result_carries_its_scoring_version(library):
    for instrument in library.values():
        for result in score_instrument(instrument, {}):
            assert result.scoring_version == instrument.scoring.version
            assert result.value is None
            assert result.reason


# Command line ----------------------------------------------------------------------


def test_score_command_prints_every_score_as_json():
    answers = {f"sdq_{n}": 1 for n in range(1, 26)} | {"sdq_3": None, "sdq_8": None}

    result = CliRunner().invoke(
        instruments_cli, ["score", "sdq"], input=json.dumps(answers)
    )

    assert result.exit_code == 0, result.output
    printed = {entry["id"]: entry for entry in json.loads(result.output)}
    assert printed["sdq_emotion"] == {
        "instrument": "sdq",
        "id": "sdq_emotion",
        "value": 5,
        "band": "Slightly raised",
        "reason": None,
        "scoring_version": "1",
    }
    assert printed["sdq_total_difficulties"]["value"] == 20


def test_score_command_reports_a_missing_score_with_its_reason():
    result = CliRunner().invoke(
        instruments_cli, ["score", "gad7"], input='{"gad7_1": 1, "gad7_2": null}'
    )

    assert result.exit_code == 0, result.output
    [total] = json.loads(result.output)
    assert total["value"] is None
    assert total["reason"].startswith("6 of 7 items unanswered (gad7_2, gad7_3,")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["score", "gad7"], '{"gad7_1": 9}', "Standard input: gad7: gad7_1: expected"),
        (["score", "gad7"], "[1, 2]", "expected a JSON object of item id to code"),
        (["score", "gad7"], "{oops", "Standard input is not valid JSON"),
        (["score", "gad8"], "{}", "No instrument 'gad8'; expected one of"),
    ],
)
def test_score_command_refuses_bad_input(args, stdin, message):
    result = CliRunner().invoke(instruments_cli, args, input=stdin)

    assert result.exit_code == 1
    assert message in result.output


def test_check_command_passes_the_shipped_files_and_fails_a_broken_one(tmp_path):
    ok = CliRunner().invoke(instruments_cli, ["check"])
    assert ok.exit_code == 0, ok.output
    assert "ok      sdq.toml: 25 items, 6 scores, wording from a text pack" in ok.output

    broken = tmp_path / "instruments"
    broken.mkdir()
    text = (INSTRUMENTS / "sdq.toml").read_text(encoding="utf-8")
    (broken / "sdq.toml").write_text(
        text.replace('"sdq_11", "sdq_14"', '"sdq_11", "sdq_41"', 1), encoding="utf-8"
    )
    (broken / "gad7.toml").write_bytes((INSTRUMENTS / "gad7.toml").read_bytes())
    result = CliRunner().invoke(
        instruments_cli,
        ["check", "--instruments-dir", str(broken), "--studies-dir", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "ok      gad7.toml" in result.output
    assert (
        "BROKEN  sdq.toml: scoring.reverse_items[2]: no item has the id 'sdq_41'"
        in result.output
    )
