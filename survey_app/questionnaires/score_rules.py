"""Building an instrument's scores from its file, refusing any that cannot be right.

A score that silently leaves out an item, reverses the wrong one or converts
through a table with a hole biases every analysis, so each is checked here,
once, when the file is loaded: items exist, ranges follow from the codes,
conversion tables cover every raw score and increase, and bands neither
overlap nor leave gaps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from survey_app.questionnaires.definitions import Band, Item, Score, Scoring
from survey_app.questionnaires.files import DefinitionError

_METHOD_FIELDS = {
    "sum": {"items", "missing"},
    "sum_of_scores": {"scores"},
    "conversion": {"from", "table", "table_source"},
}
_ALL_METHOD_FIELDS = {name for fields in _METHOD_FIELDS.values() for name in fields}
_PRORATE_FIELDS = ("min_answered", "rounding")


def build_scoring(path: Path, raw: dict[str, Any], items: dict[str, Item]) -> Scoring:
    """Return the instrument-wide scoring facts, with reverse items checked."""
    reverse: list[str] = raw.get("reverse_items", [])
    for position, item_id in enumerate(reverse):
        where = f"scoring.reverse_items[{position}]"
        if item_id not in items:
            raise DefinitionError(path, where, f"no item has the id {item_id!r}")
        if reverse.index(item_id) != position:
            raise DefinitionError(path, where, f"{item_id!r} is listed twice")
        codes = items[item_id].codes
        if {min(codes) + max(codes) - code for code in codes} != codes:
            raise DefinitionError(
                path,
                where,
                f"expected codes that can be reversed within themselves, found "
                f"{sorted(codes)}",
            )
    return Scoring(
        version=raw["version"],
        source=raw["source"],
        reverse_item_ids=frozenset(reverse),
        reverse_source=raw.get("reverse_source"),
    )


def build_scores(
    path: Path, raw_scores: list[dict[str, Any]], items: dict[str, Item]
) -> tuple[Score, ...]:
    """Return the instrument's scores in file order, each checked."""
    scores: dict[str, Score] = {}
    for index, raw in enumerate(raw_scores):
        where = f"scores[{index}]"
        if raw["id"] in scores or raw["id"] in items:
            raise DefinitionError(
                path, f"{where}.id", f"{raw['id']!r} is already an item or score id"
            )
        _check_method_fields(path, where, raw)
        build = {"sum": _sum, "sum_of_scores": _sum_of_scores}.get(
            raw["method"], _conversion
        )
        score = build(path, where, raw, items, scores)
        scores[score.id] = score
    return tuple(scores.values())


def fingerprint(
    scoring: Scoring, scores: tuple[Score, ...], items: dict[str, Item]
) -> str:
    """Return a short hash of everything that decides a score's value or band."""
    scored = sorted({item_id for score in scores for item_id in score.item_ids})
    text_only = {"label", "bands_source", "missing_source", "table_source"}
    facts = {
        "reverse": sorted(scoring.reverse_item_ids),
        "codes": {item_id: sorted(items[item_id].codes) for item_id in scored},
        "scores": [
            {k: v for k, v in asdict(score).items() if k not in text_only}
            for score in scores
        ],
    }
    canonical = json.dumps(facts, sort_keys=True, default=list)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _check_method_fields(path: Path, where: str, raw: dict[str, Any]) -> None:
    method = raw["method"]
    for name in sorted(_METHOD_FIELDS[method] - {"missing"}):
        if name not in raw:
            raise DefinitionError(
                path, where, f"expected a field named {name!r}, which is missing"
            )
    for name in sorted(_ALL_METHOD_FIELDS - _METHOD_FIELDS[method]):
        if name in raw:
            raise DefinitionError(
                path, f"{where}.{name}", f"is not used by method {method!r}"
            )


def _sum(
    path: Path,
    where: str,
    raw: dict[str, Any],
    items: dict[str, Item],
    _scores: dict[str, Score],
) -> Score:
    if "missing" not in raw:
        raise DefinitionError(
            path, where, "expected a field named 'missing', which is missing"
        )
    for position, item_id in enumerate(raw["items"]):
        if item_id not in items:
            raise DefinitionError(
                path, f"{where}.items[{position}]", f"no item has the id {item_id!r}"
            )
        if raw["items"].index(item_id) != position:
            raise DefinitionError(
                path, f"{where}.items[{position}]", f"{item_id!r} is listed twice"
            )
    min_answered, rounding = _missing_rule(path, where, raw)

    scored = [items[item_id] for item_id in raw["items"]]
    possible = (
        sum(min(item.codes) for item in scored),
        sum(max(item.codes) for item in scored),
    )
    low, high = _range(path, where, raw, possible, "from the items' codes")
    continuous = rounding == "none"
    bands = _bands(path, where, raw, low, high, whole=not continuous)
    return Score(
        id=raw["id"],
        label=raw["label"],
        method="sum",
        item_ids=tuple(raw["items"]),
        min=low,
        max=high,
        missing_rule=raw["missing"],
        bands=bands,
        bands_source=raw.get("bands_source"),
        min_answered=min_answered,
        rounding=rounding,
        missing_source=raw.get("missing_source"),
    )


def _missing_rule(
    path: Path, where: str, raw: dict[str, Any]
) -> tuple[int | None, str | None]:
    if raw["missing"] != "prorate":
        for name in _PRORATE_FIELDS:
            if name in raw:
                raise DefinitionError(
                    path, f"{where}.{name}", 'is used only with missing = "prorate"'
                )
        return None, None
    for name in _PRORATE_FIELDS:
        if name not in raw:
            raise DefinitionError(
                path, where, f"expected a field named {name!r}, which is missing"
            )
    if "missing_source" not in raw:
        raise DefinitionError(
            path,
            where,
            "expected a field named 'missing_source' (where the authors define "
            "prorating), which is missing",
        )
    if raw["min_answered"] > len(raw["items"]):
        raise DefinitionError(
            path,
            f"{where}.min_answered",
            f"expected at most {len(raw['items'])} (the number of items), found "
            f"{raw['min_answered']}",
        )
    return raw["min_answered"], raw["rounding"]


def _sum_of_scores(
    path: Path,
    where: str,
    raw: dict[str, Any],
    _items: dict[str, Item],
    scores: dict[str, Score],
) -> Score:
    parts: list[Score] = []
    for position, score_id in enumerate(raw["scores"]):
        if score_id not in scores:
            raise DefinitionError(
                path,
                f"{where}.scores[{position}]",
                f"expected the id of a score defined above, found {score_id!r}",
            )
        parts.append(scores[score_id])
    for name in (*_PRORATE_FIELDS, "missing_source"):
        if name in raw:
            raise DefinitionError(
                path,
                f"{where}.{name}",
                "a sum of scores is missing whenever one of its scores is",
            )

    possible = (sum(part.min for part in parts), sum(part.max for part in parts))
    low, high = _range(path, where, raw, possible, "from its scores' ranges")
    whole = all(_is_whole(part) for part in parts)
    return Score(
        id=raw["id"],
        label=raw["label"],
        method="sum_of_scores",
        item_ids=tuple(dict.fromkeys(i for part in parts for i in part.item_ids)),
        min=low,
        max=high,
        missing_rule="no_score_if_any_missing",
        bands=_bands(path, where, raw, low, high, whole=whole),
        bands_source=raw.get("bands_source"),
        score_ids=tuple(raw["scores"]),
    )


def _conversion(
    path: Path,
    where: str,
    raw: dict[str, Any],
    _items: dict[str, Item],
    scores: dict[str, Score],
) -> Score:
    source = scores.get(raw["from"])
    if source is None or not _is_whole(source):
        raise DefinitionError(
            path,
            f"{where}.from",
            f"expected the id of a whole-number score defined above, found "
            f"{raw['from']!r}",
        )
    table = _table(path, where, raw["table"], int(source.min), int(source.max))
    possible = (table[0][1], table[-1][1])
    low, high = _range(
        path, where, raw, possible, "from the table's first and last rows"
    )
    values = [value for _raw, value in table]
    return Score(
        id=raw["id"],
        label=raw["label"],
        method="conversion",
        item_ids=source.item_ids,
        min=low,
        max=high,
        missing_rule="no_score_if_any_missing",
        bands=_bands(path, where, raw, low, high, whole=False, values=values),
        bands_source=raw.get("bands_source"),
        source_score=source.id,
        table=table,
        table_source=raw["table_source"],
    )


def _table(
    path: Path, where: str, rows: list[list[float]], low: int, high: int
) -> tuple[tuple[int, float], ...]:
    """Check a conversion table covers every raw score once and increases."""
    expected = list(range(low, high + 1))
    found = [row[0] for row in rows]
    if found != expected:
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        detail = f"missing {missing}" if missing else f"extra or repeated rows {extra}"
        if not missing and not extra:
            detail = "rows out of order"
        raise DefinitionError(
            path,
            f"{where}.table",
            f"expected one row for every raw score from {low} to {high}, {detail}",
        )
    for position in range(1, len(rows)):
        before, after = rows[position - 1][1], rows[position][1]
        if after <= before:
            raise DefinitionError(
                path,
                f"{where}.table[{position}]",
                f"expected a value above the row before's {before}, found {after}",
            )
    return tuple((int(raw_score), value) for raw_score, value in rows)


def _range(
    path: Path,
    where: str,
    raw: dict[str, Any],
    possible: tuple[int | float, int | float],
    origin: str,
) -> tuple[int | float, int | float]:
    low, high = raw["range"]
    if (low, high) != possible:
        raise DefinitionError(
            path,
            f"{where}.range",
            f"expected {list(possible)} {origin}, found {[low, high]}",
        )
    return low, high


def _is_whole(score: Score) -> bool:
    """Return whether every value of ``score`` is a whole number."""
    if score.method == "conversion":
        return False
    return score.rounding != "none"


def _bands(
    path: Path,
    where: str,
    raw: dict[str, Any],
    low: int | float,
    high: int | float,
    *,
    whole: bool,
    values: list[float] | None = None,
) -> tuple[Band, ...]:
    bands = tuple(Band(b["min"], b["max"], b["label"]) for b in raw.get("bands", []))
    if not bands:
        return bands
    if "bands_source" not in raw:
        raise DefinitionError(
            path,
            where,
            "expected a field named 'bands_source' (who published the bands), "
            "which is missing",
        )
    if whole:
        _check_whole_bands(path, where, bands, low, high)
    elif values is None:
        raise DefinitionError(
            path,
            f"{where}.bands",
            "expected no bands on a score that is not a whole number",
        )
    else:
        _check_bands_cover(path, where, bands, values)
    return bands


def _check_whole_bands(
    path: Path, where: str, bands: tuple[Band, ...], low: int | float, high: int | float
) -> None:
    """Bands of a whole-number score cover its range without gaps or overlaps."""
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


def _check_bands_cover(
    path: Path, where: str, bands: tuple[Band, ...], values: list[float]
) -> None:
    """Bands of a converted score are in order and hold every value once."""
    for position, band in enumerate(bands):
        before = bands[position - 1] if position else None
        if band.max < band.min or (before is not None and band.min <= before.max):
            raise DefinitionError(
                path,
                f"{where}.bands[{position}]",
                f"expected a band above the one before, found {band.min}-{band.max}",
            )
    for value in values:
        if not any(band.contains(value) for band in bands):
            raise DefinitionError(
                path, f"{where}.bands", f"expected a band holding {value}, found none"
            )


def with_fingerprint(
    scoring: Scoring, scores: tuple[Score, ...], items: dict[str, Item]
) -> Scoring:
    """Return ``scoring`` with its fingerprint filled in."""
    return replace(scoring, fingerprint=fingerprint(scoring, scores, items))
