"""Importing a class list: what it would change, then changing it all at once.

Students are matched by UPN within the school, so loading a list again never
duplicates anyone, and only their details change: their codes, answers and
opt-outs belong to the same row and stay. A student missing from the list is
marked as left only when the person importing asks for it, since schools
often load one form group at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.audit.service import record
from survey_app.db import utcnow
from survey_app.schools.models import School, Student
from survey_app.schools.roster import FIELDS, RosterFile, RosterProblem, RosterRow

logger = logging.getLogger(__name__)


class NothingImported(Exception):
    """The class list has problems, so none of it was imported."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class Change:
    """One detail of a student that the class list changes, as shown."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Update:
    """A student already loaded whom the class list changes or brings back."""

    student: Student
    row: RosterRow
    changes: tuple[Change, ...]
    #: The student had left and is on roll again.
    returning: bool


@dataclass
class ImportPlan:
    """What importing a class list would do to the school's students."""

    roster: RosterFile
    to_add: list[RosterRow] = field(default_factory=list)
    to_update: list[Update] = field(default_factory=list)
    unchanged: int = 0
    #: Students on roll whom the file does not list.
    missing: list[Student] = field(default_factory=list)
    #: Rows whose UPN is also on roll at another school; they still import.
    elsewhere: list[RosterProblem] = field(default_factory=list)

    @property
    def problems(self) -> list[RosterProblem]:
        """Return what must be fixed before anything can be imported."""
        return self.roster.problems

    @property
    def fingerprint(self) -> str:
        """Return a digest of everything the preview shows, to detect a stale one."""
        shown = {
            "columns": self.roster.columns,
            "add": [[row.upn, row.details()] for row in self.to_add],
            "update": [
                [
                    u.student.id,
                    u.returning,
                    [[c.field, c.before, c.after] for c in u.changes],
                ]
                for u in self.to_update
            ],
            "unchanged": self.unchanged,
            "missing": [student.id for student in self.missing],
            "elsewhere": [str(notice) for notice in self.elsewhere],
        }
        text = json.dumps(shown, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ImportResult:
    """How many students an import added, changed and marked as left."""

    added: int
    updated: int
    returned: int
    unchanged: int
    missing: int
    marked_left: int
    elsewhere: int

    def summary(self) -> str:
        """Return the counts in words, for the audit trail and the command line."""
        return (
            f"{self.added} added, {self.updated} updated ({self.returned} back on "
            f"roll), {self.unchanged} unchanged, {self.missing} missing from the "
            f"file ({self.marked_left} marked as left), {self.elsewhere} also on "
            "roll at another school"
        )


def lock_roster(session: Session, school: School) -> None:
    """Make any other import at this school wait until this transaction ends.

    PostgreSQL locks the school's row. SQLite ignores the lock, but lets only
    one transaction write at a time, and an import writes before it reads.
    """
    session.execute(select(School.id).where(School.id == school.id).with_for_update())


def plan_import(session: Session, school: School, roster: RosterFile) -> ImportPlan:
    """Compare a checked class list with the school's students."""
    plan = ImportPlan(roster)
    if roster.problems:
        return plan
    existing = {
        student.upn: student
        for student in session.scalars(
            select(Student).where(Student.school_id == school.id)
        )
    }
    for row in roster.rows:
        student = existing.get(row.upn)
        if student is None:
            plan.to_add.append(row)
            continue
        changes = _changes(student, row, roster)
        returning = student.left_at is not None
        if changes or returning:
            plan.to_update.append(Update(student, row, changes, returning))
        else:
            plan.unchanged += 1

    listed = {row.upn for row in roster.rows}
    plan.missing = sorted(
        (s for s in existing.values() if s.left_at is None and s.upn not in listed),
        key=lambda s: (s.form_group, s.legal_surname, s.legal_forename, s.id),
    )
    plan.elsewhere = _on_roll_elsewhere(session, school, roster.rows)
    return plan


def _updated_fields(roster: RosterFile) -> list[str]:
    # A column the file does not have leaves that detail as it was: an export
    # without ethnicity must not erase the ethnicity loaded before.
    return [name for name in FIELDS if name in roster.columns and name != "upn"]


def _changes(
    student: Student, row: RosterRow, roster: RosterFile
) -> tuple[Change, ...]:
    return tuple(
        Change(FIELDS[name], _shown(getattr(student, name)), _shown(getattr(row, name)))
        for name in _updated_fields(roster)
        if getattr(student, name) != getattr(row, name)
    )


def _shown(value: object) -> str:
    if value is None:
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _on_roll_elsewhere(
    session: Session, school: School, rows: list[RosterRow]
) -> list[RosterProblem]:
    upns = [row.upn for row in rows]
    found: set[str] = set()
    # In slices, to stay well inside every database's limit on parameters.
    for start in range(0, len(upns), 500):
        found |= set(
            session.scalars(
                select(Student.upn).where(
                    Student.upn.in_(upns[start : start + 500]),
                    Student.school_id != school.id,
                    Student.left_at.is_(None),
                )
            )
        )
    return [
        RosterProblem(
            row.row,
            "upn",
            f"{row.upn} is also on roll at another school taking part; if the "
            "student moved here, that school should mark them as left",
        )
        for row in rows
        if row.upn in found
    ]


def apply_import(
    session: Session,
    school: School,
    plan: ImportPlan,
    *,
    mark_missing_as_left: bool,
    actor: str,
    actor_id: int | None = None,
) -> ImportResult:
    """Make the plan's changes and audit them, in the caller's transaction.

    The caller commits, so a failure part-way leaves nothing half-imported.
    """
    if plan.problems:
        raise NothingImported(plan.problems)

    for row in plan.to_add:
        session.add(Student(school_id=school.id, upn=row.upn, **row.details()))
    updated_fields = _updated_fields(plan.roster)
    for update in plan.to_update:
        for name in updated_fields:
            setattr(update.student, name, getattr(update.row, name))
        update.student.left_at = None
    if mark_missing_as_left:
        now = utcnow()
        for student in plan.missing:
            student.left_at = now
    session.flush()

    result = ImportResult(
        added=len(plan.to_add),
        updated=len(plan.to_update),
        returned=sum(update.returning for update in plan.to_update),
        unchanged=plan.unchanged,
        missing=len(plan.missing),
        marked_left=len(plan.missing) if mark_missing_as_left else 0,
        elsewhere=len(plan.elsewhere),
    )
    record(
        session,
        "roster.imported",
        actor=actor,
        actor_id=actor_id,
        school_id=school.id,
        subject="class list",
        detail=result.summary(),
    )
    logger.info(
        "roster.imported school=%s added=%d updated=%d marked_left=%d",
        school.urn,
        result.added,
        result.updated,
        result.marked_left,
    )
    return result


def import_file(
    session: Session,
    school: School,
    roster: RosterFile,
    *,
    dry_run: bool,
    mark_missing_as_left: bool,
    actor: str,
) -> tuple[ImportPlan, ImportResult | None]:
    """Plan a checked class list and, unless it is a dry run, import it.

    Returns the plan, and the result when the list was imported.
    """
    if not dry_run:
        lock_roster(session, school)
    plan = plan_import(session, school, roster)
    if plan.problems or dry_run:
        return plan, None
    result = apply_import(
        session,
        school,
        plan,
        mark_missing_as_left=mark_missing_as_left,
        actor=actor,
    )
    return plan, result
