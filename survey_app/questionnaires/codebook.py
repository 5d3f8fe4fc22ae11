"""The codebook of a wave: every variable, its wording and codes, and every score.

Built as plain data from the loaded definitions, so the HTML page, the JSON
file and (later) the staff page all say the same thing. Analysts read it to
know what each stored number means, so missing values are kept distinct and
every score says how it is computed and where its rules come from.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey_app.questionnaires.definitions import Instrument, Item, Score, Study, Wave


@dataclass(frozen=True)
class MissingCode:
    """A code an export uses in place of an answer or score, and what it means."""

    code: int
    name: str
    meaning: str
    applies_to: str  # "items" or "scores"


#: Never zero, never a valid answer code: a missing answer is not a low one.
MISSING_CODES = (
    MissingCode(
        -7,
        "skipped",
        "The student saw the question and chose not to answer it.",
        "items",
    ),
    MissingCode(
        -8,
        "not_reached",
        "The student stopped, withdrew or left before reaching the question.",
        "items",
    ),
    MissingCode(
        -9,
        "not_applicable",
        "The question was not presented to this student in this wave.",
        "items",
    ),
    MissingCode(
        -6,
        "score_not_computed",
        "The instrument's missing-data rule was not met, so no score was "
        "computed; the reason is stored with the score.",
        "scores",
    ),
)


@dataclass(frozen=True)
class Variable:
    """One item as stored: its wording and the codes its options are stored as."""

    name: str
    number: int
    wording: str
    options: tuple[tuple[int, str], ...]
    reverse_coded: bool
    in_scores: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class ScoreVariable:
    """One score as stored, and how it is computed."""

    name: str
    label: str
    min: int | float
    max: int | float
    computation: str
    missing_rule: str
    items: tuple[str, ...]
    bands: tuple[tuple[int | float, int | float, str], ...]
    table: tuple[tuple[int, float], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class InstrumentSection:
    """One instrument of the wave, with its licence facts and variables."""

    id: str
    title: str
    version: str
    scoring_version: str
    scoring_fingerprint: str
    language: str
    citation: str
    copyright: str
    licence_terms: str
    wording_source: str | None
    scoring_source: str
    stem: str
    variables: tuple[Variable, ...]
    scores: tuple[ScoreVariable, ...]


@dataclass(frozen=True)
class Codebook:
    """Everything an analyst needs to read one wave's exported data."""

    study_id: str
    study_title: str
    wave_key: str
    wave_title: str
    year_group: int
    language: str
    missing_codes: tuple[MissingCode, ...]
    instruments: tuple[InstrumentSection, ...]


def build_codebook(study: Study, wave: Wave) -> Codebook:
    """Return the codebook of ``wave`` of ``study``, in the wave's language."""
    return Codebook(
        study_id=study.id,
        study_title=study.title,
        wave_key=wave.key,
        wave_title=wave.title,
        year_group=wave.year_group,
        language=wave.language,
        missing_codes=MISSING_CODES,
        instruments=tuple(_section(instrument) for instrument in wave.instruments),
    )


def _section(instrument: Instrument) -> InstrumentSection:
    return InstrumentSection(
        id=instrument.id,
        title=instrument.title,
        version=instrument.version,
        scoring_version=instrument.scoring.version,
        scoring_fingerprint=instrument.scoring.fingerprint,
        language=instrument.language,
        citation=instrument.citation,
        copyright=instrument.licence.copyright,
        licence_terms=instrument.licence.terms,
        wording_source=instrument.wording_source,
        scoring_source=instrument.scoring.source,
        stem=instrument.stem,
        variables=tuple(_variable(instrument, item) for item in instrument.items),
        scores=tuple(_score(instrument, score) for score in instrument.scores),
    )


def _variable(instrument: Instrument, item: Item) -> Variable:
    return Variable(
        name=item.id,
        number=item.number,
        wording=item.text,
        options=tuple((option.code, option.label) for option in item.options),
        reverse_coded=item.id in instrument.scoring.reverse_item_ids,
        in_scores=tuple(s.id for s in instrument.scores if item.id in s.item_ids),
        note=item.note,
    )


def _score(instrument: Instrument, score: Score) -> ScoreVariable:
    sources = (score.missing_source, score.table_source, score.bands_source)
    return ScoreVariable(
        name=score.id,
        label=score.label,
        min=score.min,
        max=score.max,
        computation=describe_computation(instrument, score),
        missing_rule=describe_missing_rule(score),
        items=score.item_ids,
        bands=tuple((band.min, band.max, band.label) for band in score.bands),
        table=score.table,
        sources=tuple(source for source in sources if source),
    )


def describe_computation(instrument: Instrument, score: Score) -> str:
    """Say in one sentence how ``score`` is computed."""
    if score.method == "sum_of_scores":
        return f"Sum of the scores {', '.join(score.score_ids)}."
    if score.method == "conversion":
        return (
            f"The score {score.source_score} converted to this metric with the "
            "published table below (one row per raw score)."
        )
    reversed_here = [
        i for i in score.item_ids if i in instrument.scoring.reverse_item_ids
    ]
    text = f"Sum of {len(score.item_ids)} items: {', '.join(score.item_ids)}."
    if reversed_here:
        text += (
            f" Reverse-coded before adding (lowest code counts as the highest): "
            f"{', '.join(reversed_here)}."
        )
    return text


def describe_missing_rule(score: Score) -> str:
    """Say in one sentence when ``score`` is missing and how gaps are handled."""
    if score.method == "sum_of_scores":
        return "No score when any of its scores is missing."
    if score.method == "conversion":
        return f"No score when {score.source_score} is missing."
    if score.missing_rule == "no_score_if_any_missing":
        return "No score when any of its items is unanswered."
    rounding = (
        "rounded half up to a whole number"
        if score.rounding == "half_up"
        else "not rounded"
    )
    return (
        f"Prorated when at least {score.min_answered} of {len(score.item_ids)} "
        f"items are answered: the mean of the answered items times "
        f"{len(score.item_ids)}, {rounding}; otherwise no score."
    )
