"""Reading study files: waves, their questionnaires and the study's licences.

A wave is refused when one of its instruments needs a registration or
permission the study has not recorded, or has no wording in the wave's
language: its licensed text pack, its own file, or a validated translation.
A questionnaire is never shown half-worded or in mixed languages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from survey_app.questionnaires.definitions import (
    Instrument,
    Item,
    LicenceRecord,
    Page,
    Study,
    Wave,
    Wording,
    with_wording,
)
from survey_app.questionnaires.files import DefinitionError, read_definition
from survey_app.questionnaires.wording import check_wording, load_text_pack
from survey_app.safeguarding.rules import AlertRule, Mode, Policy, Tier

DEFAULT_LANGUAGE = "en-GB"


def load_study(
    path: Path,
    instruments: dict[str, Instrument],
    translations: dict[tuple[str, str], Wording] | None = None,
) -> Study:
    """Read one study file, whose waves name instruments from ``instruments``."""
    data = read_definition(path, "study")
    licences = _licence_records(path, data.get("licences", {}), instruments)
    wordings = {**(translations or {}), **_text_packs(path, licences, instruments)}
    worded: dict[tuple[str, str], Instrument] = {}
    waves = tuple(
        _wave(path, index, data["id"], raw, instruments, licences, wordings, worded)
        for index, raw in enumerate(data["waves"])
    )
    return Study(
        id=data["id"],
        title=data["title"],
        waves=waves,
        licences=licences,
        safeguarding=_policy(data.get("safeguarding", {})),
        require_open_sitting=data.get("require_open_sitting", False),
    )


def _policy(raw: dict[str, Any]) -> Policy:
    """Return the study's safeguarding choices; signpost only unless it says so."""
    minutes = raw.get("escalate_after_minutes", {})
    return Policy(
        mode=Mode(raw.get("mode", Mode.SIGNPOST_ONLY.value)),
        # Defaults: an hour of school time for urgent alerts, a school day
        # (7.5 hours) for support requests.
        escalate_after_minutes={
            Tier.URGENT: minutes.get("urgent", 60),
            Tier.SUPPORT: minutes.get("support", 450),
        },
        study_contact=raw.get("study_contact"),
    )


def _alert_rules(
    path: Path, index: int, raw: list[dict[str, Any]], items: dict[str, Item]
) -> dict[str, tuple[AlertRule, ...]]:
    """Return a wave's safeguarding rules by item; unknown items are refused."""
    rules: dict[str, list[AlertRule]] = {}
    seen: set[str] = set()
    for position, entry in enumerate(raw):
        where = f"waves[{index}].alerts[{position}]"
        item = items.get(entry["item"])
        if item is None:
            raise DefinitionError(
                path,
                f"{where}.item",
                f"expected an item of this wave's questions, found {entry['item']!r}",
            )
        unknown = sorted(set(entry["codes"]) - item.codes)
        if unknown:
            raise DefinitionError(
                path,
                f"{where}.codes",
                f"expected codes of {item.id} ({sorted(item.codes)}), found {unknown}",
            )
        if entry["id"] in seen:
            raise DefinitionError(path, f"{where}.id", f"{entry['id']!r} is used twice")
        seen.add(entry["id"])
        rule = AlertRule(
            entry["id"], item.id, frozenset(entry["codes"]), Tier(entry["tier"])
        )
        rules.setdefault(item.id, []).append(rule)
    return {item_id: tuple(found) for item_id, found in rules.items()}


def _licence_records(
    path: Path, raw: dict[str, Any], instruments: dict[str, Instrument]
) -> dict[str, LicenceRecord]:
    records = {}
    for instrument_id, entry in raw.items():
        if instrument_id not in instruments:
            raise DefinitionError(
                path,
                f"licences.{instrument_id}",
                f"expected one of {sorted(instruments)}, found {instrument_id!r}",
            )
        records[instrument_id] = LicenceRecord(
            instrument_id=instrument_id,
            obtained_on=entry["obtained_on"],
            reference=entry["reference"],
            granted_by=entry.get("granted_by"),
            text_packs=tuple(entry.get("text_packs", ())),
        )
    return records


def _text_packs(
    path: Path, licences: dict[str, LicenceRecord], instruments: dict[str, Instrument]
) -> dict[tuple[str, str], Wording]:
    """Load the text packs a study supplies, each checked against its instrument."""
    wordings: dict[tuple[str, str], Wording] = {}
    for instrument_id, record in licences.items():
        for position, name in enumerate(record.text_packs):
            where = f"licences.{instrument_id}.text_packs[{position}]"
            pack_path = (path.parent / name).resolve()
            if not pack_path.is_file():
                raise DefinitionError(
                    path, where, f"expected a text pack file at {pack_path}, found none"
                )
            wording = load_text_pack(pack_path)
            check_wording(pack_path, wording, instruments[instrument_id])
            if (instrument_id, wording.language) in wordings:
                raise DefinitionError(
                    path, where, f"a second text pack for {wording.language!r}"
                )
            wordings[(instrument_id, wording.language)] = wording
    return wordings


def _wave(
    path: Path,
    index: int,
    study_id: str,
    raw: dict[str, Any],
    instruments: dict[str, Instrument],
    licences: dict[str, LicenceRecord],
    wordings: dict[tuple[str, str], Wording],
    worded: dict[tuple[str, str], Instrument],
) -> Wave:
    where = f"waves[{index}].questionnaire"
    language = raw.get("language", DEFAULT_LANGUAGE)
    entries = raw["questionnaire"]
    if entries[0]["page"] != "introduction" or entries[-1]["page"] != "end":
        raise DefinitionError(
            path, where, "expected an introduction page first and an end page last"
        )

    pages: list[Page] = [Page(key="introduction", kind="introduction")]
    used: list[Instrument] = []
    for position, entry in enumerate(entries[1:-1], start=1):
        here = f"{where}[{position}]"
        if entry["page"] != "instrument" or "instrument" not in entry:
            raise DefinitionError(
                path, here, 'expected page = "instrument" with an instrument id'
            )
        instrument = instruments.get(entry["instrument"])
        if instrument is None:
            raise DefinitionError(
                path,
                f"{here}.instrument",
                f"expected one of {sorted(instruments)}, found {entry['instrument']!r}",
            )
        _check_licence(path, f"{here}.instrument", instrument, licences)
        key = (instrument.id, language)
        if key not in worded:
            worded[key] = _in_language(
                path, f"{here}.instrument", instrument, language, wordings
            )
        instrument = worded[key]
        if instrument in used:
            raise DefinitionError(path, f"{here}.instrument", "is already in this wave")
        used.append(instrument)
        pages.extend(_instrument_pages(instrument, entry.get("items_per_page")))

    numbered = [
        Page(p.key, p.kind, p.instrument, p.items, number)
        for number, p in enumerate(pages[1:], start=1)
    ]
    end = Page(key="end", kind="end")
    items = {item.id: item for page in numbered for item in page.items}
    return Wave(
        study_id=study_id,
        id=raw["id"],
        title=raw["title"],
        year_group=raw["year_group"],
        pages=(pages[0], *numbered, end),
        instruments=tuple(used),
        language=language,
        opens=_date(path, f"waves[{index}].opens", raw.get("opens")),
        closes=_date(path, f"waves[{index}].closes", raw.get("closes")),
        alert_rules=_alert_rules(path, index, raw.get("alerts", []), items),
    )


def _date(path: Path, where: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DefinitionError(
            path, where, f"expected a real date, found {text!r}"
        ) from exc


def _check_licence(
    path: Path,
    where: str,
    instrument: Instrument,
    licences: dict[str, LicenceRecord],
) -> None:
    """Refuse an instrument whose registration or permission is not on record."""
    licence = instrument.licence
    if not licence.needs_record or instrument.id in licences:
        return
    needed = " and ".join(
        name
        for name, needs in [
            ("registration", licence.registration_required),
            ("permission", licence.permission_required),
        ]
        if needs
    )
    raise DefinitionError(
        path,
        where,
        f"{instrument.id} needs {needed} from its rights holder before a study "
        f"uses it; record it under [licences.{instrument.id}] with obtained_on "
        "and reference",
    )


def _in_language(
    path: Path,
    where: str,
    instrument: Instrument,
    language: str,
    wordings: dict[tuple[str, str], Wording],
) -> Instrument:
    """Return ``instrument`` worded in ``language``, or refuse the wave."""
    own = instrument.licence.wording == "included" and instrument.language == language
    if own:
        return instrument
    wording = wordings.get((instrument.id, language))
    if wording is not None:
        return with_wording(instrument, wording)
    if instrument.licence.wording == "text_pack":
        raise DefinitionError(
            path,
            where,
            f"{instrument.id}'s wording is licensed and not shipped with the app: "
            f"list the study's {language} text pack under "
            f"[licences.{instrument.id}] text_packs",
        )
    raise DefinitionError(
        path,
        where,
        f"{instrument.id} has no validated translation into {language!r}; a "
        "questionnaire is never shown in mixed languages, so use the rights "
        "holder's validated translation or leave the instrument out",
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
