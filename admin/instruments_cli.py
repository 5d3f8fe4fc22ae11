"""``survey-app instruments``: check instrument files, score answers, write codebooks.

None of these commands touches the database: they read the definition files
only, so a researcher can run them on a copy of the repository.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from survey_app.config import PROJECT_ROOT
from survey_app.questionnaires.check import check_definitions
from survey_app.questionnaires.codebook import build_codebook
from survey_app.questionnaires.codebook_render import write_codebook
from survey_app.questionnaires.loader import (
    Catalogue,
    DefinitionError,
    load_catalogue,
    load_instruments,
)
from survey_app.scoring import AnswerError, score_instrument

_DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _instruments_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--instruments-dir",
        type=_DIRECTORY,
        default=PROJECT_ROOT / "instruments",
        show_default=True,
        help="Folder of instrument files.",
    )(command)


def _studies_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--studies-dir",
        type=_DIRECTORY,
        default=PROJECT_ROOT / "studies",
        show_default=True,
        help="Folder of study files.",
    )(command)


@click.group("instruments")
def instruments() -> None:
    """Check instrument files, score a response, write a wave's codebook."""


@instruments.command("check")
@_instruments_option
@_studies_option
def check(instruments_dir: Path, studies_dir: Path) -> None:
    """Check every instrument, translation and study file; exit 1 if any is broken."""
    results = check_definitions(instruments_dir, studies_dir)
    for result in results:
        if result.ok:
            click.echo(f"ok      {result.path.name}: {result.summary}")
        else:
            click.echo(f"BROKEN  {result.problem}", err=True)
    broken = sum(not result.ok for result in results)
    if broken:
        click.echo(f"{broken} of {len(results)} files are broken.", err=True)
        raise SystemExit(1)
    click.echo(f"All {len(results)} files are valid.")


@instruments.command("score")
@click.argument("instrument_id")
@_instruments_option
def score(instrument_id: str, instruments_dir: Path) -> None:
    """Score one response read as JSON on standard input; print every score.

    The input maps item ids to numeric codes, with null for a skipped item,
    for example {"gad7_1": 2, "gad7_2": null}.
    """
    try:
        library = load_instruments(instruments_dir)
    except DefinitionError as exc:
        raise click.ClickException(f"An instrument file is broken: {exc}") from exc
    instrument = library.get(instrument_id)
    if instrument is None:
        raise click.ClickException(
            f"No instrument {instrument_id!r}; expected one of {sorted(library)}."
        )

    text = sys.stdin.read()
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"Standard input is not valid JSON: {exc}") from exc
    if not isinstance(answers, dict):
        raise click.ClickException(
            "Standard input: expected a JSON object of item id to code or null."
        )
    try:
        results = score_instrument(instrument, answers)
    except AnswerError as exc:
        raise click.ClickException(f"Standard input: {exc}") from exc
    click.echo(json.dumps([result.as_dict() for result in results], indent=2))


@instruments.command("codebook")
@click.option("--wave", "wave_key", required=True, help="Wave, as study/wave.")
@click.option(
    "--out", "out_dir", required=True, type=_DIRECTORY, help="Folder to write into."
)
@_instruments_option
@_studies_option
def codebook(
    wave_key: str, out_dir: Path, instruments_dir: Path, studies_dir: Path
) -> None:
    """Write a wave's codebook as a standalone HTML page and a JSON file."""
    catalogue = _catalogue_or_exit(instruments_dir, studies_dir)
    study_id, _, wave_id = wave_key.partition("/")
    study = catalogue.studies.get(study_id)
    wave = next((w for w in study.waves if w.id == wave_id), None) if study else None
    if study is None or wave is None:
        known = sorted(w.key for s in catalogue.studies.values() for w in s.waves)
        raise click.ClickException(f"No wave {wave_key!r}; expected one of {known}.")

    html_path, json_path = write_codebook(build_codebook(study, wave), out_dir)
    click.echo(f"Wrote {html_path}")
    click.echo(f"Wrote {json_path}")


def _catalogue_or_exit(instruments_dir: Path, studies_dir: Path) -> Catalogue:
    try:
        return load_catalogue(instruments_dir, studies_dir)
    except DefinitionError as exc:
        raise click.ClickException(
            f"An instrument or study file is broken: {exc}"
        ) from exc
