"""Which answers raise an alert, as written in a study file.

A rule names one item and the answers (numeric codes) that trigger it, at a
tier: ``urgent`` (for example thoughts of self-harm) or ``support`` (a
student asking for someone to talk to).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Tier(enum.StrEnum):
    """How soon someone must act on an alert."""

    URGENT = "urgent"
    SUPPORT = "support"


class Mode(enum.StrEnum):
    """What a study does with a triggering answer, as its information sheets say."""

    #: Help is shown to the student; nobody is told.
    SIGNPOST_ONLY = "signpost_only"
    #: Help is shown, and the school's DSL is alerted.
    DSL_ALERT = "dsl_alert"


@dataclass(frozen=True)
class AlertRule:
    """One trigger: an item, the codes that trigger it, and the tier."""

    id: str
    item_id: str
    codes: frozenset[int]
    tier: Tier

    def triggered_by(self, value: int | None) -> bool:
        """Return whether this answer triggers the rule (skipping never does)."""
        return value is not None and value in self.codes


@dataclass(frozen=True)
class Policy:
    """A study's safeguarding choices: the mode, escalation times and its contact."""

    mode: Mode
    #: School-time minutes an alert of each tier may wait unacknowledged
    #: before the deputies are reminded; the same again before the study's
    #: safeguarding contact is told.
    escalate_after_minutes: dict[Tier, int]
    study_contact: str | None = None
