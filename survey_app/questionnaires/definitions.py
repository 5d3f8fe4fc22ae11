"""Instruments and studies as the app uses them, built from their data files.

Definitions are loaded once when the app starts, so the larger ones compare and
hash by identity: cheap, and two loads of one file are never mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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

    @property
    def codes(self) -> frozenset[int]:
        """Return the numeric codes this item accepts."""
        return frozenset(option.code for option in self.options)


@dataclass(frozen=True)
class Band:
    """A labelled range of a score, such as "Moderate" for GAD-7 10-14."""

    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Score:
    """How one score of an instrument is computed from its items."""

    id: str
    label: str
    method: str
    item_ids: tuple[str, ...]
    min: int
    max: int
    missing_rule: str
    bands: tuple[Band, ...] = ()
    bands_source: str | None = None


@dataclass(frozen=True)
class Licence:
    """The terms under which an instrument may be shown."""

    terms: str
    copyright: str
    permission_required: bool


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

    def item(self, item_id: str) -> Item:
        """Return the item with this id."""
        return next(item for item in self.items if item.id == item_id)


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


@dataclass(frozen=True, eq=False)
class Study:
    """A trial with its waves."""

    id: str
    title: str
    waves: tuple[Wave, ...]

    def wave(self, wave_id: str) -> Wave:
        """Return the wave with this id."""
        return next(wave for wave in self.waves if wave.id == wave_id)
