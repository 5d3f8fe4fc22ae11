"""Reading instrument and study files, refusing any that are broken.

Every error names the file, the field and what was expected, because the
people who edit these files are researchers, not programmers.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from survey_app.questionnaires.definitions import (
    Band,
    Instrument,
    Item,
    Licence,
    Option,
    Page,
    Score,
    Study,
    Wave,
)
from survey_app.questionnaires.schemas import INSTRUMENT_SCHEMA, STUDY_SCHEMA


class DefinitionError(ValueError):
    """An instrument or study file is broken; the message says where and how."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path.name}: {field}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(path, "(file)", f"not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DefinitionError(path, "(file)", "expected UTF-8 text") from exc


def _field_path(error: ValidationError) -> str:
    parts: list[str] = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table",
}


def _describe(error: ValidationError) -> str:
    """Say what a schema error expected, in a researcher's words."""
    found = error.instance
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in found]
        return f"expected a field named {missing[0]!r}, which is missing"
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        unknown = sorted(set(found) - known)
        return f"expected only known fields, found {unknown[0]!r} (check its spelling)"
    if error.validator == "type":
        wanted = _TYPE_NAMES.get(error.validator_value, error.validator_value)
        return f"expected {wanted}, found {found!r}"
    if error.validator == "enum":
        return f"expected one of {error.validator_value}, found {found!r}"
    if error.validator == "pattern":
        return f"expected text matching {error.validator_value}, found {found!r}"
    return f"expected something else: {error.message}"


def _check_schema(path: Path, data: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise DefinitionError(path, _field_path(errors[0]), _describe(errors[0]))


def load_instrument(path: Path) -> Instrument:
    """Read one instrument file and return it, or raise DefinitionError."""
    data = _read_toml(path)
    _check_schema(path, data, INSTRUMENT_SCHEMA)

    if path.stem != data["id"]:
        raise DefinitionError(
            path,
            "id",
            f"expected the file name's stem {path.stem!r}, found {data['id']!r}",
        )
    option_sets = _option_sets(path, data["option_sets"])
    items = _items(path, data, option_sets)
    scores = tuple(
        _score(path, index, raw, {item.id: item for item in items})
        for index, raw in enumerate(data["scores"])
    )
    return Instrument(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        language=data["language"],
        citation=data["citation"],
        stem=data["stem"],
        licence=Licence(**data["licence"]),
        items=items,
        scores=scores,
    )


def _option_sets(path: Path, raw: dict[str, Any]) -> dict[str, tuple[Option, ...]]:
    sets: dict[str, tuple[Option, ...]] = {}
    for name, options in raw.items():
        codes = [option["code"] for option in options]
        if len(set(codes)) != len(codes):
            raise DefinitionError(
                path, f"option_sets.{name}", "expected each code to appear only once"
            )
        sets[name] = tuple(Option(o["code"], o["label"]) for o in options)
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
                text=raw["text"],
                options=option_sets[raw["option_set"]],
                instrument_id=data["id"],
            )
        )
    return tuple(items)


def _score(
    path: Path, index: int, raw: dict[str, Any], items: dict[str, Item]
) -> Score:
    where = f"scores[{index}]"
    for position, item_id in enumerate(raw["items"]):
        if item_id not in items:
            raise DefinitionError(
                path, f"{where}.items[{position}]", f"no item has the id {item_id!r}"
            )
    low, high = raw["range"]
    scored = [items[item_id] for item_id in raw["items"]]
    possible = (
        sum(min(item.codes) for item in scored),
        sum(max(item.codes) for item in scored),
    )
    if (low, high) != possible:
        raise DefinitionError(
            path,
            f"{where}.range",
            f"expected {list(possible)} from the items' codes, found {[low, high]}",
        )
    bands = tuple(Band(b["min"], b["max"], b["label"]) for b in raw.get("bands", []))
    _check_bands(path, where, bands, low, high)
    return Score(
        id=raw["id"],
        label=raw["label"],
        method=raw["method"],
        item_ids=tuple(raw["items"]),
        min=low,
        max=high,
        missing_rule=raw["missing"],
        bands=bands,
        bands_source=raw.get("bands_source"),
    )


def _check_bands(
    path: Path, where: str, bands: tuple[Band, ...], low: int, high: int
) -> None:
    """Bands, where given, must cover the whole range without gaps or overlaps."""
    if not bands:
        return
    expected_start = low
    for position, band in enumerate(bands):
        if band.min != expected_start or band.max < band.min:
            raise DefinitionError(
                path,
                f"{where}.bands[{position}]",
                f"expected a band starting at {expected_start}, found "
                f"{band.min}-{band.max}",
            )
        expected_start = band.max + 1
    if expected_start != high + 1:
        raise DefinitionError(
            path, f"{where}.bands", f"expected the bands to end at {high}"
        )


def load_instruments(directory: Path) -> dict[str, Instrument]:
    """Load every ``*.toml`` instrument file in ``directory``."""
    instruments = {}
    for path in sorted(directory.glob("*.toml")):
        instrument = load_instrument(path)
        instruments[instrument.id] = instrument
    return instruments


def load_study(path: Path, instruments: dict[str, Instrument]) -> Study:
    """Read one study file, whose waves name instruments from ``instruments``."""
    data = _read_toml(path)
    _check_schema(path, data, STUDY_SCHEMA)
    waves = tuple(
        _wave(path, index, data["id"], raw, instruments)
        for index, raw in enumerate(data["waves"])
    )
    return Study(id=data["id"], title=data["title"], waves=waves)


def _wave(
    path: Path,
    index: int,
    study_id: str,
    raw: dict[str, Any],
    instruments: dict[str, Instrument],
) -> Wave:
    where = f"waves[{index}].questionnaire"
    entries = raw["questionnaire"]
    if entries[0]["page"] != "introduction" or entries[-1]["page"] != "end":
        raise DefinitionError(
            path, where, "expected an introduction page first and an end page last"
        )

    pages: list[Page] = [Page(key="introduction", kind="introduction")]
    used: list[Instrument] = []
    for position, entry in enumerate(entries[1:-1], start=1):
        if entry["page"] != "instrument" or "instrument" not in entry:
            raise DefinitionError(
                path,
                f"{where}[{position}]",
                'expected page = "instrument" with an instrument id',
            )
        instrument = instruments.get(entry["instrument"])
        if instrument is None:
            raise DefinitionError(
                path,
                f"{where}[{position}].instrument",
                f"expected one of {sorted(instruments)}, found {entry['instrument']!r}",
            )
        if instrument in used:
            raise DefinitionError(
                path, f"{where}[{position}].instrument", "is already in this wave"
            )
        used.append(instrument)
        pages.extend(_instrument_pages(instrument, entry.get("items_per_page")))

    numbered = [
        Page(p.key, p.kind, p.instrument, p.items, number)
        for number, p in enumerate(pages[1:], start=1)
    ]
    end = Page(key="end", kind="end")
    return Wave(
        study_id=study_id,
        id=raw["id"],
        title=raw["title"],
        year_group=raw["year_group"],
        pages=(pages[0], *numbered, end),
        instruments=tuple(used),
    )


def _instrument_pages(instrument: Instrument, per_page: int | None) -> Iterable[Page]:
    size = per_page or len(instrument.items)
    chunks = [
        instrument.items[start : start + size]
        for start in range(0, len(instrument.items), size)
    ]
    for part, chunk in enumerate(chunks, start=1):
        key = instrument.id if len(chunks) == 1 else f"{instrument.id}-{part}"
        yield Page(key=key, kind="instrument", instrument=instrument, items=chunk)


@dataclass(frozen=True)
class Catalogue:
    """Every instrument and study the app knows, checked when the app starts."""

    instruments: dict[str, Instrument]
    studies: dict[str, Study]

    def wave(self, wave_key: str) -> Wave:
        """Return the wave stored as ``study/wave``."""
        study_id, _, wave_id = wave_key.partition("/")
        return self.studies[study_id].wave(wave_id)


def load_catalogue(instruments_dir: Path, studies_dir: Path) -> Catalogue:
    """Load all instruments, then all studies that use them."""
    instruments = load_instruments(instruments_dir)
    studies = {}
    for path in sorted(studies_dir.glob("*.toml")):
        study = load_study(path, instruments)
        studies[study.id] = study
    return Catalogue(instruments=instruments, studies=studies)
