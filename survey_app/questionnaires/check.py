"""Checking every definition file at once, for ``survey-app instruments check``.

Loading the app stops at the first broken file; a researcher editing several
files wants to hear about each of them in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from survey_app.questionnaires.definitions import Instrument, Wording
from survey_app.questionnaires.files import DefinitionError
from survey_app.questionnaires.loader import TRANSLATIONS, load_instrument
from survey_app.questionnaires.studies import load_study
from survey_app.questionnaires.wording import load_translations


@dataclass(frozen=True)
class FileCheck:
    """The outcome for one file: a problem, or a one-line summary of it."""

    path: Path
    problem: str | None
    summary: str = ""

    @property
    def ok(self) -> bool:
        """Return whether the file is valid."""
        return self.problem is None


def check_definitions(instruments_dir: Path, studies_dir: Path) -> list[FileCheck]:
    """Check every instrument, translation and study file; return one line each."""
    results: list[FileCheck] = []
    instruments: dict[str, Instrument] = {}
    for path in sorted(instruments_dir.glob("*.toml")):
        try:
            instrument = load_instrument(path)
        except DefinitionError as exc:
            results.append(FileCheck(path, str(exc)))
            continue
        instruments[instrument.id] = instrument
        results.append(FileCheck(path, None, _describe(instrument)))

    translations: dict[tuple[str, str], Wording] = {}
    directory = instruments_dir / TRANSLATIONS
    try:
        translations = load_translations(directory, instruments)
    except DefinitionError as exc:
        results.append(FileCheck(exc.path, str(exc)))
    for (instrument_id, language), wording in sorted(translations.items()):
        summary = f"{instrument_id} in {language}, from {wording.source}"
        results.append(FileCheck(directory / wording.file_name, None, summary))

    for path in sorted(studies_dir.glob("*.toml")):
        try:
            study = load_study(path, instruments, translations)
        except DefinitionError as exc:
            results.append(FileCheck(path, str(exc)))
            continue
        waves = ", ".join(f"{wave.id} ({wave.language})" for wave in study.waves)
        results.append(FileCheck(path, None, f"study {study.id}: waves {waves}"))
    return results


def _describe(instrument: Instrument) -> str:
    wording = "wording from a text pack" if not instrument.has_wording else "worded"
    scores = len(instrument.scores)
    return (
        f"{len(instrument.items)} items, {scores} score{'' if scores == 1 else 's'}, "
        f"{wording}, scoring version {instrument.scoring.version} "
        f"(fingerprint {instrument.scoring.fingerprint})"
    )
