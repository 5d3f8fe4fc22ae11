"""Computing an instrument's scores from one student's answers.

Pure functions over the loaded definitions: no database, no clock. A score
whose missing-data rule is not met is never computed; it comes back as
missing with the reason, so nobody mistakes a skipped answer for zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import floor

from survey_app.questionnaires.definitions import Instrument, Item, Score, Wave

#: An answer as stored: a numeric code, or None when the item was skipped.
#: An item absent from the mapping was not reached (or not presented).
Answers = Mapping[str, int | None]


class AnswerError(ValueError):
    """An answer cannot belong to this instrument; the message says why."""

    def __init__(self, instrument_id: str, item_id: str, problem: str) -> None:
        super().__init__(f"{instrument_id}: {item_id}: {problem}")
        self.instrument_id = instrument_id
        self.item_id = item_id
        self.problem = problem


@dataclass(frozen=True)
class ScoreResult:
    """One score of one response: a value, or None with the reason it is missing."""

    instrument_id: str
    id: str
    value: int | float | None
    reason: str | None
    band: str | None
    #: Stored with the value, so old and new scoring never mix.
    scoring_version: str

    def as_dict(self) -> dict[str, object]:
        """Return the result as plain data, for JSON."""
        return {
            "instrument": self.instrument_id,
            "id": self.id,
            "value": self.value,
            "band": self.band,
            "reason": self.reason,
            "scoring_version": self.scoring_version,
        }


def check_answers(instrument: Instrument, answers: Answers) -> None:
    """Refuse answers to items the instrument lacks, or outside an item's codes."""
    items = _items(instrument)
    for item_id, code in answers.items():
        item = items.get(item_id)
        if item is None:
            raise AnswerError(instrument.id, item_id, "no such item in this instrument")
        if code is None:
            continue
        # bool is an int in Python, but true/false is never an answer code.
        if (
            isinstance(code, bool)
            or not isinstance(code, int)
            or code not in item.codes
        ):
            raise AnswerError(
                instrument.id,
                item_id,
                f"expected one of {sorted(item.codes)} or null (skipped), found "
                f"{code!r}",
            )


def reverse_code(item: Item, code: int) -> int:
    """Return ``code`` turned round within the item's codes (0-2 becomes 2-0)."""
    return min(item.codes) + max(item.codes) - code


def item_score(instrument: Instrument, item: Item, code: int) -> int:
    """Return the value an answer adds to a score, after any reverse coding."""
    if item.id in instrument.scoring.reverse_item_ids:
        return reverse_code(item, code)
    return code


def score_instrument(instrument: Instrument, answers: Answers) -> list[ScoreResult]:
    """Return every score of ``instrument`` for one response's ``answers``.

    ``answers`` maps this instrument's item ids to a code or None (skipped);
    answers to other instruments' items are refused (see ``answers_for``).
    """
    check_answers(instrument, answers)
    results: dict[str, ScoreResult] = {}
    for score in instrument.scores:
        if score.method == "sum":
            value, reason = _sum(instrument, score, answers)
        elif score.method == "sum_of_scores":
            value, reason = _sum_of_scores(score, results)
        else:
            value, reason = _conversion(score, results)
        band = score.band_for(value) if value is not None else None
        results[score.id] = ScoreResult(
            instrument_id=instrument.id,
            id=score.id,
            value=value,
            reason=reason,
            band=band.label if band else None,
            scoring_version=instrument.scoring.version,
        )
    return list(results.values())


def answers_for(instrument: Instrument, answers: Answers) -> dict[str, int | None]:
    """Return the part of a whole response's ``answers`` that is this instrument's."""
    return {k: v for k, v in answers.items() if k in _items(instrument)}


def score_wave(wave: Wave, answers: Answers) -> list[ScoreResult]:
    """Return the scores of every instrument in ``wave`` for one response."""
    return [
        result
        for instrument in wave.instruments
        for result in score_instrument(instrument, answers_for(instrument, answers))
    ]


@lru_cache(maxsize=128)
def _items(instrument: Instrument) -> dict[str, Item]:
    return {item.id: item for item in instrument.items}


Outcome = tuple[int | float | None, str | None]


def _sum(instrument: Instrument, score: Score, answers: Answers) -> Outcome:
    items = _items(instrument)
    answered = [
        item_score(instrument, items[item_id], code)
        for item_id in score.item_ids
        if (code := answers.get(item_id)) is not None
    ]
    missing = [item_id for item_id in score.item_ids if answers.get(item_id) is None]
    total, count = sum(answered), len(score.item_ids)
    if not missing:
        return total, None

    unanswered = f"{len(missing)} of {count} items unanswered ({', '.join(missing)})"
    if score.missing_rule == "no_score_if_any_missing":
        return None, f"{unanswered}; the authors' rule gives no score then"
    if len(answered) < (score.min_answered or count):
        return None, (
            f"{unanswered}; the authors' rule prorates only when at least "
            f"{score.min_answered} are answered"
        )
    return _prorate(Fraction(total * count, len(answered)), score.rounding), None


def _prorate(exact: Fraction, rounding: str | None) -> int | float:
    """Round a prorated score as its authors specify."""
    if rounding == "half_up":
        # Python's round() sends halves to the even neighbour; the authors'
        # syntax (SPSS RND, R floor(x + 0.5)) sends them up.
        return floor(exact + Fraction(1, 2))
    return exact.numerator if exact.denominator == 1 else float(exact)


def _sum_of_scores(score: Score, results: dict[str, ScoreResult]) -> Outcome:
    parts = [results[score_id] for score_id in score.score_ids]
    missing = [part.id for part in parts if part.value is None]
    if missing:
        return None, f"needs every one of its scores; missing: {', '.join(missing)}"
    values = [part.value for part in parts if part.value is not None]
    return sum(values), None


def _conversion(score: Score, results: dict[str, ScoreResult]) -> Outcome:
    source = results[score.source_score or ""]
    if source.value is None:
        return None, f"{source.id} is missing: {source.reason}"
    return dict(score.table)[int(source.value)], None
