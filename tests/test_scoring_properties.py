"""Properties of scoring over random answer patterns, for every shipped instrument."""

from __future__ import annotations

from fractions import Fraction
from math import floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.config import PROJECT_ROOT
from survey_app.questionnaires.definitions import Instrument
from survey_app.questionnaires.loader import load_instruments
from survey_app.scoring import item_score, reverse_code, score_instrument

LIBRARY = load_instruments(PROJECT_ROOT / "instruments")
NAMES = sorted(LIBRARY)


def answer_patterns(instrument: Instrument) -> st.SearchStrategy[dict]:
    """Answers to any subset of the items: a code, skipped (None), or absent."""
    per_item = {
        item.id: st.one_of(st.none(), st.sampled_from(sorted(item.codes)))
        for item in instrument.items
    }
    return st.fixed_dictionaries({}, optional=per_item)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_every_score_stays_in_its_range_and_band(name, data):
    instrument = LIBRARY[name]
    answers = data.draw(answer_patterns(instrument))

    for result in score_instrument(instrument, answers):
        score = instrument.score(result.id)
        if result.value is None:
            assert result.reason
            assert result.band is None
            continue
        assert result.reason is None
        assert score.min <= result.value <= score.max
        assert (result.band is not None) == bool(score.bands)


@pytest.mark.parametrize("name", NAMES)
def test_reverse_coding_is_an_involution_within_the_items_codes(name):
    instrument = LIBRARY[name]
    for item in instrument.items:
        for code in item.codes:
            assert reverse_code(item, code) in item.codes
            assert reverse_code(item, reverse_code(item, code)) == code


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_prorating_never_invents_a_score_beyond_the_rule(name, data):
    instrument = LIBRARY[name]
    answers = data.draw(answer_patterns(instrument))
    results = {r.id: r for r in score_instrument(instrument, answers)}

    for score in instrument.scores:
        if score.method != "sum":
            continue
        given_codes = [answers.get(i) for i in score.item_ids]
        answered = [
            item_score(instrument, instrument.item(i), code)
            for i, code in zip(score.item_ids, given_codes, strict=True)
            if code is not None
        ]
        value = results[score.id].value
        count = len(score.item_ids)
        complete = len(answered) == count
        allowed = complete or (
            score.missing_rule == "prorate"
            and len(answered) >= (score.min_answered or count)
        )
        if not allowed:
            assert value is None
            continue
        exact = Fraction(sum(answered) * count, len(answered))
        expected = (
            floor(exact + Fraction(1, 2)) if score.rounding == "half_up" else exact
        )
        assert value == float(expected)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_sdq_total_is_missing_exactly_when_a_difficulty_scale_is(data):
    sdq = LIBRARY["sdq"]
    results = {
        r.id: r.value for r in score_instrument(sdq, data.draw(answer_patterns(sdq)))
    }
    parts = ["sdq_emotion", "sdq_conduct", "sdq_hyperactivity", "sdq_peer"]
    if any(results[part] is None for part in parts):
        assert results["sdq_total_difficulties"] is None
    else:
        assert results["sdq_total_difficulties"] == sum(results[p] for p in parts)
