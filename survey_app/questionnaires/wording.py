"""Text packs and translations: an instrument's wording kept apart from its structure.

Licensed instruments are shipped without wording; the study that holds the
licence supplies a text pack. A validated translation of a free instrument is
a text pack too. Either must word every item and option of the instrument and
nothing else, so that a student never sees a half-worded or mixed questionnaire.
"""

from __future__ import annotations

from pathlib import Path

from survey_app.questionnaires.definitions import Instrument, Wording
from survey_app.questionnaires.files import DefinitionError, read_definition


def load_text_pack(path: Path) -> Wording:
    """Read one text pack file (its completeness is checked against an instrument)."""
    data = read_definition(path, "text pack")
    item_texts: dict[str, str] = {}
    for index, raw in enumerate(data["items"]):
        if raw["id"] in item_texts:
            raise DefinitionError(
                path, f"items[{index}].id", f"{raw['id']!r} is used twice"
            )
        item_texts[raw["id"]] = raw["text"]
    labels: dict[str, dict[int, str]] = {}
    for name, options in data["option_sets"].items():
        labels[name] = {option["code"]: option["label"] for option in options}
        if len(labels[name]) != len(options):
            raise DefinitionError(
                path, f"option_sets.{name}", "expected each code to appear only once"
            )
    return Wording(
        instrument_id=data["instrument"],
        language=data["language"],
        source=data["source"],
        stem=data["stem"],
        option_labels=labels,
        item_texts=item_texts,
        copyright=data.get("copyright"),
        file_name=path.name,
    )


def check_wording(path: Path, wording: Wording, instrument: Instrument) -> None:
    """Refuse a text pack that does not word exactly this instrument."""
    if wording.instrument_id != instrument.id:
        raise DefinitionError(
            path,
            "instrument",
            f"expected {instrument.id!r}, found {wording.instrument_id!r}",
        )

    item_ids = [item.id for item in instrument.items]
    missing = [item_id for item_id in item_ids if item_id not in wording.item_texts]
    extra = [item_id for item_id in wording.item_texts if item_id not in item_ids]
    if missing:
        raise DefinitionError(
            path,
            "items",
            f"expected wording for every item of {instrument.id}; missing: "
            + ", ".join(missing),
        )
    if extra:
        raise DefinitionError(
            path,
            "items",
            f"expected only items of {instrument.id}; not in the instrument: "
            + ", ".join(extra),
        )

    sets = {item.option_set: item.codes for item in instrument.items}
    for name, codes in sets.items():
        labels = wording.option_labels.get(name)
        if labels is None:
            raise DefinitionError(
                path, "option_sets", f"expected labels for option set {name!r}"
            )
        if set(labels) != codes:
            raise DefinitionError(
                path,
                f"option_sets.{name}",
                f"expected labels for codes {sorted(codes)}, found {sorted(labels)}",
            )
    for name in wording.option_labels:
        if name not in sets:
            raise DefinitionError(
                path,
                f"option_sets.{name}",
                f"expected only option sets of {instrument.id}: {sorted(sets)}",
            )


def load_translations(
    directory: Path, instruments: dict[str, Instrument]
) -> dict[tuple[str, str], Wording]:
    """Load the validated translations shipped in ``directory``, if it exists.

    Each file is named ``{instrument}.{language}.toml``; it is refused unless
    it words its instrument completely.
    """
    translations: dict[tuple[str, str], Wording] = {}
    if not directory.is_dir():
        return translations
    for path in sorted(directory.glob("*.toml")):
        wording = load_text_pack(path)
        instrument = instruments.get(wording.instrument_id)
        if instrument is None:
            raise DefinitionError(
                path,
                "instrument",
                f"expected one of {sorted(instruments)}, found "
                f"{wording.instrument_id!r}",
            )
        if instrument.licence.wording == "text_pack":
            raise DefinitionError(
                path,
                "instrument",
                f"{instrument.id}'s wording is licensed and must not be kept here; "
                "the study that holds the licence supplies it as a text pack",
            )
        if path.name != f"{wording.instrument_id}.{wording.language}.toml":
            raise DefinitionError(
                path,
                "(file)",
                f"expected the name {wording.instrument_id}.{wording.language}.toml",
            )
        check_wording(path, wording, instrument)
        translations[(wording.instrument_id, wording.language)] = wording
    return translations
