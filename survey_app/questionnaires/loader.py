"""Reading instrument and study files, refusing any that are broken.

Every error names the file, the field and what was expected, because the
people who edit these files are researchers, not programmers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey_app.questionnaires.definitions import (
    Instrument,
    Item,
    Licence,
    Option,
    Study,
    Wave,
    Wording,
)
from survey_app.questionnaires.files import DefinitionError, read_definition
from survey_app.questionnaires.score_rules import (
    build_scores,
    build_scoring,
    with_fingerprint,
)
from survey_app.questionnaires.studies import load_study
from survey_app.questionnaires.wording import load_translations

__all__ = [
    "Catalogue",
    "DefinitionError",
    "load_catalogue",
    "load_instrument",
    "load_instruments",
    "load_study",
]

#: Validated translations of shipped instruments live here, one file each.
TRANSLATIONS = "translations"


def load_instrument(path: Path) -> Instrument:
    """Read one instrument file and return it, or raise DefinitionError."""
    data = read_definition(path, "instrument")
    if path.stem != data["id"]:
        raise DefinitionError(
            path,
            "id",
            f"expected the file name's stem {path.stem!r}, found {data['id']!r}",
        )
    licence = Licence(**data["licence"])
    _check_wording_fields(path, data, included=licence.wording == "included")

    option_sets = _option_sets(path, data["option_sets"])
    items = _items(path, data, option_sets)
    by_id = {item.id: item for item in items}
    scoring = build_scoring(path, data["scoring"], by_id)
    scores = build_scores(path, data["scores"], by_id)
    _check_reverse_items_are_scored(path, scoring.reverse_item_ids, scores)
    return Instrument(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        language=data["language"],
        citation=data["citation"],
        stem=data.get("stem", ""),
        licence=licence,
        items=items,
        scores=scores,
        scoring=with_fingerprint(scoring, scores, by_id),
    )


def _check_wording_fields(path: Path, data: dict[str, Any], *, included: bool) -> None:
    """Wording is either all in the file, or (when licensed) none of it is."""
    places = [("(top level)", data, "stem")]
    places += [
        (f"option_sets.{name}[{position}]", option, "label")
        for name, options in data["option_sets"].items()
        for position, option in enumerate(options)
    ]
    places += [(f"items[{i}]", item, "text") for i, item in enumerate(data["items"])]
    for where, table, name in places:
        if included and name not in table:
            raise DefinitionError(
                path, where, f"expected a field named {name!r}, which is missing"
            )
        if not included and name in table:
            raise DefinitionError(
                path,
                f"{where}.{name}" if where != "(top level)" else name,
                "must not be here: this instrument's wording is licensed, so it "
                "comes only from the study's text pack",
            )


def _option_sets(path: Path, raw: dict[str, Any]) -> dict[str, tuple[Option, ...]]:
    sets: dict[str, tuple[Option, ...]] = {}
    for name, options in raw.items():
        codes = [option["code"] for option in options]
        if len(set(codes)) != len(codes):
            raise DefinitionError(
                path, f"option_sets.{name}", "expected each code to appear only once"
            )
        sets[name] = tuple(Option(o["code"], o.get("label", "")) for o in options)
    return sets


def _items(
    path: Path, data: dict[str, Any], option_sets: dict[str, tuple[Option, ...]]
) -> tuple[Item, ...]:
    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["items"]):
        where = f"items[{index}]"
        if raw["id"] in seen:
            raise DefinitionError(path, f"{where}.id", f"{raw['id']!r} is used twice")
        if raw["option_set"] not in option_sets:
            raise DefinitionError(
                path,
                f"{where}.option_set",
                f"expected one of {sorted(option_sets)}, found {raw['option_set']!r}",
            )
        seen.add(raw["id"])
        items.append(
            Item(
                id=raw["id"],
                number=index + 1,
                text=raw.get("text", ""),
                options=option_sets[raw["option_set"]],
                instrument_id=data["id"],
                option_set=raw["option_set"],
                note=raw.get("note"),
            )
        )
    return tuple(items)


def _check_reverse_items_are_scored(
    path: Path, reverse: frozenset[str], scores: tuple[Any, ...]
) -> None:
    scored = {item_id for score in scores for item_id in score.item_ids}
    for item_id in sorted(reverse - scored):
        raise DefinitionError(
            path,
            "scoring.reverse_items",
            f"{item_id!r} is reverse-coded but no score uses it",
        )


def load_instruments(directory: Path) -> dict[str, Instrument]:
    """Load every ``*.toml`` instrument file in ``directory``."""
    instruments = {}
    for path in sorted(directory.glob("*.toml")):
        instrument = load_instrument(path)
        instruments[instrument.id] = instrument
    return instruments


@dataclass(frozen=True)
class Catalogue:
    """Every instrument and study the app knows, checked when the app starts."""

    instruments: dict[str, Instrument]
    studies: dict[str, Study]
    #: Validated translations shipped with the app, by (instrument, language).
    translations: dict[tuple[str, str], Wording] = field(default_factory=dict)

    def wave(self, wave_key: str) -> Wave:
        """Return the wave stored as ``study/wave``."""
        study_id, _, wave_id = wave_key.partition("/")
        return self.studies[study_id].wave(wave_id)


def load_catalogue(instruments_dir: Path, studies_dir: Path) -> Catalogue:
    """Load all instruments and their translations, then all studies using them."""
    instruments = load_instruments(instruments_dir)
    translations = load_translations(instruments_dir / TRANSLATIONS, instruments)
    studies = {}
    for path in sorted(studies_dir.glob("*.toml")):
        study = load_study(path, instruments, translations)
        studies[study.id] = study
    return Catalogue(
        instruments=instruments, studies=studies, translations=translations
    )
