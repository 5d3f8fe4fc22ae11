"""JSON Schemas that instrument and study files must satisfy.

The schema catches shape errors (a missing field, a string where a number
belongs); the loader then checks what a schema cannot, such as an item naming
an option set that does not exist.
"""

from __future__ import annotations

from typing import Any

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"}
_TEXT = {"type": "string", "minLength": 1}

INSTRUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "version",
        "title",
        "language",
        "citation",
        "licence",
        "stem",
        "option_sets",
        "items",
        "scores",
    ],
    "properties": {
        "id": _ID,
        "version": _TEXT,
        "title": _TEXT,
        "language": {"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"},
        "citation": _TEXT,
        "stem": _TEXT,
        "licence": {
            "type": "object",
            "additionalProperties": False,
            "required": ["terms", "copyright", "permission_required"],
            "properties": {
                "terms": _TEXT,
                "copyright": _TEXT,
                "permission_required": {"type": "boolean"},
            },
        },
        "option_sets": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "array",
                "minItems": 2,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "label"],
                    "properties": {"code": {"type": "integer"}, "label": _TEXT},
                },
            },
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "text", "option_set"],
                "properties": {
                    "id": _ID,
                    "text": _TEXT,
                    "option_set": _ID,
                    "note": _TEXT,
                },
            },
        },
        "scores": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "label", "method", "items", "range", "missing"],
                "properties": {
                    "id": _ID,
                    "label": _TEXT,
                    "method": {"enum": ["sum"]},
                    "items": {"type": "array", "minItems": 1, "items": _ID},
                    "range": {
                        "type": "array",
                        "items": {"type": "integer"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                    "missing": {"enum": ["no_score_if_any_missing"]},
                    "bands_source": _TEXT,
                    "bands": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["min", "max", "label"],
                            "properties": {
                                "min": {"type": "integer"},
                                "max": {"type": "integer"},
                                "label": _TEXT,
                            },
                        },
                    },
                },
            },
        },
    },
}

STUDY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "waves"],
    "properties": {
        "id": _ID,
        "title": _TEXT,
        "waves": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "year_group", "questionnaire"],
                "properties": {
                    "id": _ID,
                    "title": _TEXT,
                    "year_group": {"type": "integer", "minimum": 7, "maximum": 13},
                    "questionnaire": {
                        "type": "array",
                        "minItems": 3,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["page"],
                            "properties": {
                                "page": {"enum": ["introduction", "instrument", "end"]},
                                "instrument": _ID,
                                "items_per_page": {"type": "integer", "minimum": 1},
                            },
                        },
                    },
                },
            },
        },
    },
}
