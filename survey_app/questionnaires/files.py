"""Reading TOML definition files and checking them against a schema.

Every error names the file, the field and what was expected, because the
people who edit these files are researchers, not programmers.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from survey_app.questionnaires.schemas import (
    INSTRUMENT_SCHEMA,
    STUDY_SCHEMA,
    TEXT_PACK_SCHEMA,
)


class DefinitionError(ValueError):
    """A definition file is broken; the message says where and how."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path.name}: {field}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


_SCHEMAS = {
    "instrument": INSTRUMENT_SCHEMA,
    "study": STUDY_SCHEMA,
    "text pack": TEXT_PACK_SCHEMA,
}

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table",
}


def read_definition(path: Path, kind: str) -> dict[str, Any]:
    """Read one TOML file of ``kind`` and check it against that kind's schema."""
    data = _read_toml(path)
    errors = sorted(
        _validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path)
    )
    if errors:
        raise DefinitionError(path, _field_path(errors[0]), _describe(errors[0]))
    return data


@cache
def _validator(kind: str) -> Draft202012Validator:
    # Built once per kind: loading happens at every app start.
    return Draft202012Validator(_SCHEMAS[kind])


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DefinitionError(path, "(file)", "expected a file here") from exc
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
    if error.validator in ("minItems", "maxItems"):
        return f"expected a list of the right length, found {found!r}"
    return f"expected something else: {error.message}"
