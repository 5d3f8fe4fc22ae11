"""Counting, per school, who is eligible, who started and who completed.

completion rate = completed / (on roll - opted out - withdrawn); the trial
pays a school only when this reaches 80%. Students who left the school are
not on roll; students opted out by a parent or carer count nowhere else, even
if they answered before the opt-out arrived.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from survey_app.questionnaires.definitions import Wave
from survey_app.schools.models import OptOut, School, Student
from survey_app.survey.models import Response, ResponseStatus

TARGET_RATE = 0.8


@dataclass(frozen=True)
class CompletionFigures:
    """One school's progress in one wave."""

    school_urn: str
    school_name: str
    wave: str
    on_roll: int
    opted_out: int
    withdrawn: int
    started: int
    completed: int
    #: Set when these are the figures of one form group rather than a school.
    form_group: str | None = None

    @property
    def eligible(self) -> int:
        """Return how many students may take part: the rate's denominator."""
        return self.on_roll - self.opted_out - self.withdrawn

    @property
    def in_progress(self) -> int:
        """Return how many started but have not yet completed."""
        return self.started - self.completed

    @property
    def completion_rate(self) -> float | None:
        """Return completed / eligible, or None when nobody is eligible."""
        return self.completed / self.eligible if self.eligible else None

    @property
    def completed_of_on_roll(self) -> float | None:
        """Return completed / on roll, the figure trial reports also quote."""
        return self.completed / self.on_roll if self.on_roll else None

    @property
    def more_needed(self) -> int:
        """Return how many more completions reach the 80% target."""
        return max(0, math.ceil(TARGET_RATE * self.eligible - 1e-9) - self.completed)

    def as_dict(self) -> dict[str, object]:
        """Return every figure, derived ones included, for JSON output."""
        figures = asdict(self)
        if self.form_group is None:
            del figures["form_group"]
        return figures | {
            "eligible": self.eligible,
            "in_progress": self.in_progress,
            "completion_rate": _rounded(self.completion_rate),
            "completed_of_on_roll": _rounded(self.completed_of_on_roll),
            "target_rate": TARGET_RATE,
            "more_needed": self.more_needed,
        }


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _count_columns(wave: Wave) -> tuple[Any, ...]:
    """Return the five counted columns, for a query over students and responses."""
    opted_out = exists().where(
        OptOut.student_id == Student.id, OptOut.reversed_at.is_(None)
    )
    status = Response.status
    counted = ~opted_out
    started = [ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETED]

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (
        count(Student.id.is_not(None)),
        count(opted_out),
        count(and_(counted, status == ResponseStatus.WITHDRAWN)),
        count(and_(counted, status.in_(started))),
        count(and_(counted, status == ResponseStatus.COMPLETED)),
    )


def _on_roll_for(wave: Wave) -> Any:
    return and_(
        Student.school_id == School.id,
        Student.left_at.is_(None),
        Student.year_group == wave.year_group,
    )


def _response_in(wave: Wave) -> Any:
    return and_(Response.student_id == Student.id, Response.wave_key == wave.key)


def completion_by_school(
    session: Session, wave: Wave, school_ids: Collection[int] | None = None
) -> list[CompletionFigures]:
    """Return the completion figures of every school (or of some) for ``wave``."""
    query = (
        select(School.urn, School.name, *_count_columns(wave))
        .select_from(School)
        .outerjoin(Student, _on_roll_for(wave))
        .outerjoin(Response, _response_in(wave))
        .group_by(School.id, School.urn, School.name)
        .order_by(School.name)
    )
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    return [
        CompletionFigures(urn, name, wave.key, *map(int, numbers))
        for urn, name, *numbers in session.execute(query)
    ]


def completion_by_form_group(
    session: Session, wave: Wave, school: School
) -> list[CompletionFigures]:
    """Return one school's figures for ``wave``, one row per form group."""
    query = (
        select(Student.form_group, *_count_columns(wave))
        .select_from(School)
        .join(Student, _on_roll_for(wave))
        .outerjoin(Response, _response_in(wave))
        .where(School.id == school.id)
        .group_by(Student.form_group)
        .order_by(Student.form_group)
    )
    return [
        CompletionFigures(
            school.urn, school.name, wave.key, *map(int, numbers), form_group=group
        )
        for group, *numbers in session.execute(query)
    ]


def total_of(figures: list[CompletionFigures], wave_key: str) -> CompletionFigures:
    """Return the figures of several schools added together."""
    return CompletionFigures(
        school_urn="",
        school_name="All schools",
        wave=wave_key,
        on_roll=sum(f.on_roll for f in figures),
        opted_out=sum(f.opted_out for f in figures),
        withdrawn=sum(f.withdrawn for f in figures),
        started=sum(f.started for f in figures),
        completed=sum(f.completed for f in figures),
    )
