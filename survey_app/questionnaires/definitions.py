"""Instruments and studies as the app uses them, built from their data files.

Definitions are loaded once when the app starts, so the larger ones compare and
hash by identity: cheap, and two loads of one file are never mixed.

An instrument whose wording is licensed is shipped without it: its items have
empty text until a study's text pack fills them in (see ``with_wording``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from survey_app.safeguarding.rules import AlertRule, Mode, Policy, Tier


@dataclass(frozen=True)
class Option:
    """One answer a student can choose, with the numeric code it is stored as."""

    code: int
    label: str


@dataclass(frozen=True, eq=False)
class Item:
    """One question of an instrument, worded exactly as its authors publish it."""

    id: str
    number: int
    text: str
    options: tuple[Option, ...]
    instrument_id: str
    #: The option set's name in the instrument file.
    option_set: str = ""
    note: str | None = None

    @property
    def codes(self) -> frozenset[int]:
        """Return the numeric codes this item accepts."""
        return frozenset(option.code for option in self.options)


@dataclass(frozen=True)
class Band:
    """A labelled range of a score, such as "Moderate" for GAD-7 10-14."""

    min: int | float
    max: int | float
    label: str

    def contains(self, value: int | float) -> bool:
        """Return whether ``value`` falls in this band (both ends included)."""
        return self.min <= value <= self.max


@dataclass(frozen=True)
class Score:
    """How one score of an instrument is computed from its items or scores.

    ``method`` is "sum" (of ``item_ids``, after reverse coding), "sum_of_scores"
    (of the earlier scores ``score_ids``) or "conversion" (of the earlier score
    ``source_score`` through the published ``table``).
    """

    id: str
    label: str
    method: str
    item_ids: tuple[str, ...]
    min: int | float
    max: int | float
    missing_rule: str
    bands: tuple[Band, ...] = ()
    bands_source: str | None = None
    #: For "prorate": the fewest answered items that still give a score.
    min_answered: int | None = None
    #: For "prorate": "half_up" to a whole number, or "none" (kept exact).
    rounding: str | None = None
    missing_source: str | None = None
    score_ids: tuple[str, ...] = ()
    source_score: str | None = None
    table: tuple[tuple[int, float], ...] = ()
    table_source: str | None = None

    def band_for(self, value: int | float) -> Band | None:
        """Return the band ``value`` falls in, if this score has bands."""
        return next((band for band in self.bands if band.contains(value)), None)


@dataclass(frozen=True)
class Scoring:
    """Instrument-wide scoring facts, and the version stored with every score.

    ``fingerprint`` is a hash of everything that decides a score's value, so a
    change to scoring without a new ``version`` can be caught by a test.
    """

    version: str
    source: str
    reverse_item_ids: frozenset[str] = frozenset()
    reverse_source: str | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class Licence:
    """The terms under which an instrument may be shown."""

    terms: str
    copyright: str
    permission_required: bool
    registration_required: bool = False
    #: "included" (shipped in the file) or "text_pack" (supplied by the
    #: licensed study, never kept in this repository).
    wording: str = "included"
    url: str | None = None

    @property
    def needs_record(self) -> bool:
        """Return whether a study must record registration or permission."""
        return self.permission_required or self.registration_required


@dataclass(frozen=True, eq=False)
class Instrument:
    """A validated questionnaire: fixed wording, options and scoring."""

    id: str
    version: str
    title: str
    language: str
    citation: str
    stem: str
    licence: Licence
    items: tuple[Item, ...]
    scores: tuple[Score, ...]
    scoring: Scoring = field(default_factory=lambda: Scoring("1", ""))
    #: Where the wording shown comes from, when it is not the file itself: a
    #: licensed text pack or a validated translation.
    wording_source: str | None = None

    @property
    def has_wording(self) -> bool:
        """Return whether items carry their wording (not a bare structure)."""
        return self.licence.wording == "included" or self.wording_source is not None

    def item(self, item_id: str) -> Item:
        """Return the item with this id."""
        return next(item for item in self.items if item.id == item_id)

    def score(self, score_id: str) -> Score:
        """Return the score with this id."""
        return next(score for score in self.scores if score.id == score_id)


@dataclass(frozen=True)
class Wording:
    """One language's wording of an instrument: a text pack or a translation."""

    instrument_id: str
    language: str
    source: str
    stem: str
    option_labels: dict[str, dict[int, str]]
    item_texts: dict[str, str]
    copyright: str | None = None
    #: The file it was read from, for messages.
    file_name: str = ""


def with_wording(instrument: Instrument, wording: Wording) -> Instrument:
    """Return ``instrument`` worded in ``wording``'s language (already checked)."""
    sets = {
        name: tuple(Option(code, labels[code]) for code in sorted(labels))
        for name, labels in wording.option_labels.items()
    }
    items = tuple(
        replace(item, text=wording.item_texts[item.id], options=sets[item.option_set])
        for item in instrument.items
    )
    licence = instrument.licence
    if wording.copyright:
        licence = replace(licence, copyright=wording.copyright)
    return replace(
        instrument,
        language=wording.language,
        stem=wording.stem,
        licence=licence,
        items=items,
        wording_source=wording.source,
    )


@dataclass(frozen=True, eq=False)
class Page:
    """One screen of a wave's questionnaire."""

    key: str
    kind: str  # "introduction", "instrument" or "end"
    instrument: Instrument | None = None
    items: tuple[Item, ...] = ()
    #: Position among the question pages, counted from 1; 0 for other pages.
    number: int = 0


@dataclass(frozen=True, eq=False)
class Wave:
    """One round of the survey, such as the Year 7 baseline."""

    study_id: str
    id: str
    title: str
    year_group: int
    pages: tuple[Page, ...]
    instruments: tuple[Instrument, ...]
    #: Every instrument of the wave is shown in this one language.
    language: str = "en-GB"
    #: Codes work from ``opens`` to ``closes`` inclusive (London dates);
    #: either may be left open.
    opens: date | None = None
    closes: date | None = None
    #: Safeguarding rules, by the item they watch.
    alert_rules: dict[str, tuple[AlertRule, ...]] = field(default_factory=dict)
    question_pages: tuple[Page, ...] = field(init=False)
    items_by_id: dict[str, Item] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        questions = tuple(page for page in self.pages if page.kind == "instrument")
        object.__setattr__(self, "question_pages", questions)
        items = {item.id: item for page in questions for item in page.items}
        object.__setattr__(self, "items_by_id", items)

    @property
    def key(self) -> str:
        """Return the ``study/wave`` key stored with codes and responses."""
        return f"{self.study_id}/{self.id}"

    def question_page(self, key: str) -> Page | None:
        """Return the question page with this key, if there is one."""
        return next((page for page in self.question_pages if page.key == key), None)

    def is_open_on(self, day: date) -> bool:
        """Return whether codes for this wave work on ``day``."""
        return (self.opens is None or self.opens <= day) and (
            self.closes is None or day <= self.closes
        )


@dataclass(frozen=True)
class LicenceRecord:
    """A study's record that it registered or got permission to use an instrument."""

    instrument_id: str
    obtained_on: str
    reference: str
    granted_by: str | None = None
    text_packs: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Study:
    """A trial with its waves."""

    id: str
    title: str
    waves: tuple[Wave, ...]
    licences: dict[str, LicenceRecord] = field(default_factory=dict)
    #: What happens when an answer raises a safeguarding rule.
    safeguarding: Policy = field(
        default_factory=lambda: Policy(
            Mode.SIGNPOST_ONLY, {Tier.URGENT: 60, Tier.SUPPORT: 450}
        )
    )
    #: When set, codes work only while a teacher has a sitting open for the
    #: student's form group, so a slip taken home is useless.
    require_open_sitting: bool = False

    def wave(self, wave_id: str) -> Wave:
        """Return the wave with this id."""
        return next(wave for wave in self.waves if wave.id == wave_id)
