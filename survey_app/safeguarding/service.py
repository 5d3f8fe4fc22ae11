"""Raising alerts when a page is saved, and the DSL's work on them.

Alerts are raised inside the transaction that saves the answers, together
with the emails that announce them, so an answer is never stored without its
alert. Emails say only that an alert is waiting: never a name or an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from survey_app.audit.service import record
from survey_app.db import utcnow
from survey_app.questionnaires.definitions import Page
from survey_app.safeguarding.models import (
    AlertState,
    OutboxEmail,
    SafeguardingAlert,
    SchoolContact,
)
from survey_app.safeguarding.rules import AlertRule, Mode, Tier
from survey_app.schools.models import School, Student
from survey_app.staff.models import Role, RoleGrant, StaffMember
from survey_app.staff.permissions import Action, NotAllowed, StaffUser, require
from survey_app.survey.models import ResponseState

logger = logging.getLogger(__name__)

#: Roles told about a new alert at once.
ALERTED_ROLES = (Role.DSL, Role.DEPUTY_DSL)


def triggered_rules(
    rules: Mapping[str, tuple[AlertRule, ...]],
    page: Page,
    answers: Mapping[str, int | None],
) -> list[tuple[AlertRule, int | None]]:
    """Return the rules about this page's items, each with the answer given."""
    return [
        (rule, answers.get(item.id))
        for item in page.items
        for rule in rules.get(item.id, ())
    ]


def raise_alerts(
    connection: Connection,
    response: ResponseState,
    page: Page,
    answers: Mapping[str, int | None],
    rules: Mapping[str, tuple[AlertRule, ...]],
    mode: Mode,
    sign_in_url: str,
    *,
    resubmitted: bool,
) -> frozenset[Tier]:
    """Apply the wave's rules to a saved page; return the tiers it triggered.

    Help is shown to the student when any tier was triggered. Runs inside the
    caller's transaction. In signpost-only studies nobody is told and nothing
    is stored beyond the answers. ``resubmitted`` says whether the page had
    been saved before; only then can its alerts already exist.
    """
    checks = triggered_rules(rules, page, answers)
    if not checks:
        return frozenset()
    triggered = [(rule, value) for rule, value in checks if rule.triggered_by(value)]
    tiers = frozenset(rule.tier for rule, _ in triggered)
    if mode is Mode.SIGNPOST_ONLY:
        return tiers

    existing = {}
    if resubmitted:
        rows = connection.execute(
            _ALERTS_OF_RESPONSE,
            {"response_id": response.id, "rule_ids": [rule.id for rule, _ in checks]},
        )
        existing = {alert.rule_id: alert for alert in rows}
    now = utcnow()
    for rule, value in checks:
        alert = existing.get(rule.id)
        if alert is not None:
            # One alert per response and rule: a changed answer is added to
            # it, never erases it.
            if value != alert.value and f"-> {value}" not in alert.history[-40:]:
                shown = "skipped" if value is None else str(value)
                line = (
                    f"{now.isoformat(timespec='seconds')} answer changed -> {shown}\n"
                )
                connection.execute(
                    _ALERTS.update()
                    .where(_ALERTS.c.id == alert.id)
                    .values(history=alert.history + line)
                )
        elif rule.triggered_by(value):
            assert value is not None
            _new_alert(connection, response, rule, value, sign_in_url)
    return tiers


def _new_alert(
    connection: Connection,
    response: ResponseState,
    rule: AlertRule,
    value: int,
    sign_in_url: str,
) -> None:
    # Plain SQL statements, on the student's request's connection: in a room
    # of thirty, several students a lesson trigger an alert.
    raised = connection.execute(
        _ALERTS.insert().values(
            response_id=response.id,
            student_id=response.student_id,
            school_id=response.school_id,
            rule_id=rule.id,
            tier=rule.tier.value,
            item_id=rule.item_id,
            value=value,
        )
    )
    (alert_id,) = raised.inserted_primary_key
    addresses = alerted_addresses(connection, response.school_id)
    if addresses:
        connection.execute(
            _EMAILS.insert(),
            [
                _announcement(alert_id, rule.tier, address, sign_in_url)
                for address in addresses
            ],
        )
    logger.info("safeguarding.alert_raised alert=%s tier=%s", alert_id, rule.tier)


_ALERTS = SafeguardingAlert.__table__
_EMAILS = OutboxEmail.__table__
_ALERTS_OF_RESPONSE = select(
    _ALERTS.c.id, _ALERTS.c.rule_id, _ALERTS.c.value, _ALERTS.c.history
).where(
    _ALERTS.c.response_id == bindparam("response_id"),
    _ALERTS.c.rule_id.in_(bindparam("rule_ids", expanding=True)),
)
_ALERTED_ADDRESSES = (
    select(StaffMember.email)
    .join(RoleGrant, RoleGrant.staff_member_id == StaffMember.id)
    .where(
        RoleGrant.school_id == bindparam("school_id"),
        RoleGrant.role.in_(bindparam("roles", expanding=True)),
        RoleGrant.revoked_at.is_(None),
        StaffMember.disabled_at.is_(None),
    )
    .distinct()
    .order_by(StaffMember.email)
)


def alerted_addresses(
    connection: Connection, school_id: int, roles: tuple[Role, ...] = ALERTED_ROLES
) -> list[str]:
    """Return the email addresses of the school's staff holding ``roles``."""
    rows = connection.execute(
        _ALERTED_ADDRESSES, {"school_id": school_id, "roles": list(roles)}
    )
    return [email for (email,) in rows]


def _announcement(
    alert_id: int, tier: Tier, address: str, sign_in_url: str
) -> dict[str, object]:
    """Return the email announcing a new alert to one address, as table values."""
    return {
        "alert_id": alert_id,
        "to_address": address,
        "subject": "Urgent: a safeguarding alert is waiting"
        if tier is Tier.URGENT
        else "A student has asked for support",
        "body": (
            "A new safeguarding alert from the wellbeing survey is waiting for you.\n\n"
            f"Sign in to see who it is about and why: {sign_in_url}\n\n"
            "This email deliberately contains no names or answers.\n"
        ),
    }


# The DSL's queue --------------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    """An alert as the DSL sees it: who, why, when, and what has been done."""

    alert: SafeguardingAlert
    student: Student


def alerts_for_dsl(
    session: Session, user: StaffUser, school_id: int
) -> list[AlertView]:
    """Return the school's alerts, new ones first, then by time raised."""
    require(user, Action.SEE_ALERTS, school_id)
    order = {AlertState.NEW: 0, AlertState.ACKNOWLEDGED: 1, AlertState.CLOSED: 2}
    rows = session.execute(
        select(SafeguardingAlert, Student)
        .join(Student, Student.id == SafeguardingAlert.student_id)
        .where(SafeguardingAlert.school_id == school_id)
        .order_by(SafeguardingAlert.raised_at.desc())
    ).all()
    views = [AlertView(alert, student) for alert, student in rows]
    # New first, urgent before support within each state, newest first after.
    return sorted(views, key=lambda v: (order[v.alert.state], v.alert.tier != "urgent"))


def alert_for_dsl(session: Session, user: StaffUser, alert_id: int) -> AlertView:
    """Return one alert if ``user`` is a DSL of its school; audit the viewing."""
    alert = session.get(SafeguardingAlert, alert_id)
    if alert is None:
        require(user, Action.SEE_ALERTS, None)
        raise NotAllowed("no such alert")
    require(user, Action.SEE_ALERTS, alert.school_id)
    student = session.get(Student, alert.student_id)
    assert student is not None
    record(
        session,
        "alert.viewed",
        actor=user.email,
        actor_id=user.id,
        school_id=alert.school_id,
        subject=f"alert:{alert.id}",
    )
    session.commit()
    return AlertView(alert, student)


def other_alerts(session: Session, alert: SafeguardingAlert) -> list[SafeguardingAlert]:
    """Return the same student's other alerts."""
    query = (
        select(SafeguardingAlert)
        .where(
            SafeguardingAlert.student_id == alert.student_id,
            SafeguardingAlert.id != alert.id,
        )
        .order_by(SafeguardingAlert.raised_at.desc())
    )
    return list(session.scalars(query))


def acknowledge(session: Session, user: StaffUser, alert: SafeguardingAlert) -> None:
    """Record that a DSL has seen the alert and is dealing with it."""
    require(user, Action.SEE_ALERTS, alert.school_id)
    if alert.state is AlertState.NEW:
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = user.email
        _audit(session, user, alert, "alert.acknowledged")


def close(
    session: Session,
    user: StaffUser,
    alert: SafeguardingAlert,
    action_taken: str,
    outcome: str,
) -> None:
    """Record what was done and how it ended, and close the alert."""
    require(user, Action.SEE_ALERTS, alert.school_id)
    if not action_taken.strip() or not outcome.strip():
        raise ValueError("Record both the action taken and the outcome.")
    acknowledge(session, user, alert)
    alert.action_taken = action_taken.strip()
    alert.outcome = outcome.strip()
    alert.state = AlertState.CLOSED
    alert.closed_at = utcnow()
    alert.closed_by = user.email
    _audit(session, user, alert, "alert.closed")


def _audit(
    session: Session, user: StaffUser, alert: SafeguardingAlert, action: str
) -> None:
    record(
        session,
        action,
        actor=user.email,
        actor_id=user.id,
        school_id=alert.school_id,
        subject=f"alert:{alert.id}",
    )
    session.commit()


def emails_waiting(session: Session, school_id: int) -> int:
    """Return how many of the school's alert emails have not been sent yet."""
    query = (
        select(func.count())
        .select_from(OutboxEmail)
        .join(SafeguardingAlert, SafeguardingAlert.id == OutboxEmail.alert_id)
        .where(SafeguardingAlert.school_id == school_id, OutboxEmail.sent_at.is_(None))
    )
    return int(session.scalar(query) or 0)


def email_failing(session: Session, school_id: int) -> bool:
    """Return whether any of the school's alert emails is stuck retrying."""
    query = (
        select(func.count())
        .select_from(OutboxEmail)
        .join(SafeguardingAlert, SafeguardingAlert.id == OutboxEmail.alert_id)
        .where(
            SafeguardingAlert.school_id == school_id,
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.attempts > 0,
        )
    )
    return bool(session.scalar(query))


def school_help_contacts(session: Session, school_id: int) -> list[SchoolContact]:
    """Return the school's own help contacts, in the order students see them."""
    query = (
        select(SchoolContact)
        .where(SchoolContact.school_id == school_id)
        .order_by(SchoolContact.position, SchoolContact.id)
    )
    return list(session.scalars(query))


def replace_help_contacts(
    session: Session, user: StaffUser, school: School, contacts: list[tuple[str, str]]
) -> None:
    """Replace the school's help contacts with ``contacts`` (name, how to reach)."""
    require(user, Action.EDIT_HELP_CONTACTS, school.id)
    for contact in school_help_contacts(session, school.id):
        session.delete(contact)
    for position, (name, how) in enumerate(contacts):
        session.add(
            SchoolContact(school_id=school.id, name=name, how=how, position=position)
        )
    record(
        session,
        "help_contacts.changed",
        actor=user.email,
        actor_id=user.id,
        school_id=school.id,
        detail=f"{len(contacts)} contacts",
    )
    session.commit()
