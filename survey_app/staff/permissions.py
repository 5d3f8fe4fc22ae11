"""Who may do what, at which school. Every staff page asks here first.

Checks live in the service layer, not in templates or URLs, so that no
address reaches another school's data. A refusal is written to the audit
trail before it is reported.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from survey_app.audit.service import record_now
from survey_app.staff.models import Role


class Action(enum.StrEnum):
    """Things staff do that touch a school's data."""

    VIEW_PROGRESS = "view progress"
    VIEW_NOT_COMPLETED = "list students who have not completed"
    RUN_SITTING = "open, watch and close sittings"
    RELEASE_CODE = "release a code in use elsewhere"
    MANAGE_ROSTER = "load class lists"
    RECORD_OPT_OUT = "record opt-outs"
    MANAGE_CODES = "issue, reissue and revoke codes"
    RECORD_DELETION = "record a student's deletion request"
    SEE_ALERTS = "see and act on safeguarding alerts"
    EDIT_HELP_CONTACTS = "edit the school's help contacts"
    INVITE_STAFF = "invite staff"
    VIEW_ALL_SCHOOLS = "view all schools"
    VIEW_AUDIT = "view the audit trail"
    VIEW_ALERT_COUNTS = "view safeguarding alert counts"


#: Roles that may take each action at their own school.
SCHOOL_ROLES: dict[Action, frozenset[Role]] = {
    Action.VIEW_PROGRESS: frozenset({Role.COORDINATOR, Role.TEACHER}),
    Action.VIEW_NOT_COMPLETED: frozenset({Role.COORDINATOR, Role.TEACHER}),
    Action.RUN_SITTING: frozenset({Role.COORDINATOR, Role.TEACHER}),
    Action.RELEASE_CODE: frozenset({Role.COORDINATOR, Role.TEACHER}),
    Action.MANAGE_ROSTER: frozenset({Role.COORDINATOR}),
    Action.RECORD_OPT_OUT: frozenset({Role.COORDINATOR}),
    Action.MANAGE_CODES: frozenset({Role.COORDINATOR}),
    Action.RECORD_DELETION: frozenset({Role.COORDINATOR}),
    Action.SEE_ALERTS: frozenset({Role.DSL, Role.DEPUTY_DSL}),
    Action.EDIT_HELP_CONTACTS: frozenset({Role.COORDINATOR, Role.DSL, Role.DEPUTY_DSL}),
    Action.INVITE_STAFF: frozenset({Role.COORDINATOR}),
}

#: Actions research administrators may take at any school. They see figures,
#: never identities, answers or alerts.
RESEARCH_ACTIONS = frozenset(
    {
        Action.VIEW_PROGRESS,
        Action.VIEW_ALL_SCHOOLS,
        Action.VIEW_AUDIT,
        Action.INVITE_STAFF,
        Action.VIEW_ALERT_COUNTS,
    }
)


class NotAllowed(Exception):
    """A staff member tried something their roles do not allow."""


@dataclass(frozen=True)
class Grant:
    """One role at one school (school None: all schools)."""

    role: Role
    school_id: int | None


@dataclass(frozen=True)
class StaffUser:
    """The signed-in staff member, as permission checks see them."""

    id: int
    email: str
    name: str
    grants: tuple[Grant, ...]

    def roles_at(self, school_id: int) -> set[Role]:
        """Return the roles held at one school."""
        return {g.role for g in self.grants if g.school_id == school_id}

    @property
    def is_research_admin(self) -> bool:
        """Return whether this person is on the research team."""
        return any(g.role is Role.RESEARCH_ADMIN for g in self.grants)

    def school_ids(self) -> set[int]:
        """Return the schools where this person holds any role."""
        return {g.school_id for g in self.grants if g.school_id is not None}


def may(user: StaffUser, action: Action, school_id: int | None = None) -> bool:
    """Return whether ``user`` may take ``action`` (at ``school_id``)."""
    if user.is_research_admin and action in RESEARCH_ACTIONS:
        return True
    if school_id is None:
        return False
    return bool(user.roles_at(school_id) & SCHOOL_ROLES.get(action, frozenset()))


def require(user: StaffUser, action: Action, school_id: int | None = None) -> None:
    """Raise NotAllowed, after auditing the attempt, unless ``user`` may act."""
    if may(user, action, school_id):
        return
    record_now(
        "refused",
        actor=user.email,
        actor_id=user.id,
        school_id=school_id,
        detail=f"tried to {action.value}",
    )
    raise NotAllowed(action.value)
