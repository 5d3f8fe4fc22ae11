"""JSON Schemas that instrument, text pack and study files must satisfy.

The schema catches shape errors (a missing field, a string where a number
belongs); the loader then checks what a schema cannot, such as an item naming
an option set that does not exist, or a band that leaves a gap.
"""

from __future__ import annotations

from typing import Any

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"}
_TEXT = {"type": "string", "minLength": 1}
_LANGUAGE = {"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_NUMBER_PAIR = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 2,
}

#: Options as an instrument file gives them; labels are left out when the
#: wording comes from a licensed text pack.
_OPTION_SETS = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {
        "type": "array",
        "minItems": 2,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code"],
            "properties": {"code": {"type": "integer"}, "label": _TEXT},
        },
    },
}

_SCORE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "label", "method", "range"],
    "properties": {
        "id": _ID,
        "label": _TEXT,
        "method": {"enum": ["sum", "sum_of_scores", "conversion"]},
        # method "sum": the items added up, and what to do when some are missing.
        "items": {"type": "array", "minItems": 1, "items": _ID},
        "missing": {"enum": ["no_score_if_any_missing", "prorate"]},
        "min_answered": {"type": "integer", "minimum": 1},
        "rounding": {"enum": ["half_up", "none"]},
        "missing_source": _TEXT,
        # method "sum_of_scores": earlier scores of the same instrument.
        "scores": {"type": "array", "minItems": 2, "items": _ID},
        # method "conversion": a published table from an earlier score.
        "from": _ID,
        "table": {"type": "array", "minItems": 2, "items": _NUMBER_PAIR},
        "table_source": _TEXT,
        "range": _NUMBER_PAIR,
        "bands_source": _TEXT,
        "bands": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["min", "max", "label"],
                "properties": {
                    "min": {"type": "number"},
                    "max": {"type": "number"},
                    "label": _TEXT,
                },
            },
        },
    },
}

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
        "option_sets",
        "items",
        "scoring",
        "scores",
    ],
    "properties": {
        "id": _ID,
        "version": _TEXT,
        "title": _TEXT,
        "language": _LANGUAGE,
        "citation": _TEXT,
        "stem": _TEXT,
        "licence": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "terms",
                "copyright",
                "permission_required",
                "registration_required",
                "wording",
            ],
            "properties": {
                "terms": _TEXT,
                "copyright": _TEXT,
                "permission_required": {"type": "boolean"},
                "registration_required": {"type": "boolean"},
                "wording": {"enum": ["included", "text_pack"]},
                "url": _TEXT,
            },
        },
        "option_sets": _OPTION_SETS,
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "option_set"],
                "properties": {
                    "id": _ID,
                    "text": _TEXT,
                    "option_set": _ID,
                    "note": _TEXT,
                },
            },
        },
        "scoring": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version", "source"],
            "properties": {
                "version": _TEXT,
                "source": _TEXT,
                "reverse_items": {"type": "array", "items": _ID},
                "reverse_source": _TEXT,
            },
        },
        "scores": {"type": "array", "items": _SCORE},
    },
}

TEXT_PACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["instrument", "language", "source", "stem", "option_sets", "items"],
    "properties": {
        "instrument": _ID,
        "language": _LANGUAGE,
        # Where the wording comes from: the licensed form, or the rights
        # holder's validated translation.
        "source": _TEXT,
        "copyright": _TEXT,
        "stem": _TEXT,
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
                "required": ["id", "text"],
                "properties": {"id": _ID, "text": _TEXT},
            },
        },
    },
}

_ALERT_RULE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "item", "codes", "tier"],
    "properties": {
        "id": _ID,
        "item": _ID,
        "codes": {"type": "array", "minItems": 1, "items": {"type": "integer"}},
        "tier": {"enum": ["urgent", "support"]},
    },
}

STUDY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "waves"],
    "properties": {
        "id": _ID,
        "title": _TEXT,
        "require_open_sitting": {"type": "boolean"},
        # Whether a worrying answer is passed to the school's DSL is the
        # study's decision, stated in its information sheets.
        "safeguarding": {
            "type": "object",
            "additionalProperties": False,
            "required": ["mode"],
            "properties": {
                "mode": {"enum": ["signpost_only", "dsl_alert"]},
                "study_contact": _TEXT,
                "escalate_after_minutes": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "urgent": {"type": "integer", "minimum": 1},
                        "support": {"type": "integer", "minimum": 1},
                    },
                },
            },
        },
        # One entry per instrument whose rights holder asks for registration
        # or permission: the study's record that it was obtained.
        "licences": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["obtained_on", "reference"],
                "properties": {
                    "obtained_on": _DATE,
                    "reference": _TEXT,
                    "granted_by": _TEXT,
                    "text_packs": {"type": "array", "items": _TEXT},
                },
            },
        },
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
                    "language": _LANGUAGE,
                    "opens": _DATE,
                    "closes": _DATE,
                    "alerts": {"type": "array", "items": _ALERT_RULE},
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
