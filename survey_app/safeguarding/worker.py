"""The background worker: sends queued alert emails and escalates ignored alerts.

Each round it also forgets class-list uploads that nobody confirmed in time,
so that a file full of names does not wait for a coordinator to come back.

It survives restarts because all its state is in the database: an email is
claimed for a short lease, sent, then marked sent in one transaction. Failed
sends are retried with growing pauses; every try is logged. Run it with
``survey-app mail worker`` (the demo runs it too).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from survey_app.config import Settings
from survey_app.db import utcnow
from survey_app.rosters.uploads import remove_expired_uploads
from survey_app.safeguarding.hours import school_time_between
from survey_app.safeguarding.models import (
    AlertState,
    DeliveryAttempt,
    EscalationRecord,
    OutboxEmail,
    SafeguardingAlert,
)
from survey_app.safeguarding.rules import Policy, Tier
from survey_app.safeguarding.service import alerted_addresses
from survey_app.staff.models import Role

logger = logging.getLogger(__name__)

#: How long a worker may hold an email it is sending.
CLAIM_LEASE = timedelta(minutes=2)
#: Pauses after the 1st, 2nd, ... failed try; the last repeats.
RETRY_PAUSES = [timedelta(seconds=s) for s in (10, 30, 60, 300, 900)]


def retry_pause(attempts: int) -> timedelta:
    """Return how long to wait after ``attempts`` failed tries."""
    return RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1]


def send_email(settings: Settings, email: OutboxEmail) -> None:
    """Hand one email to the configured SMTP server; raise on any failure."""
    message = EmailMessage()
    message["From"] = settings.mail_default_sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # A stable id lets mail systems drop a duplicate if a crash made us resend.
    message["Message-ID"] = make_msgid(
        idstring=f"outbox-{email.id}", domain="survey-app"
    )
    message.set_content(email.body)
    assert settings.mail_server is not None
    with smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=15) as smtp:
        if settings.mail_use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.mail_username:
            smtp.login(settings.mail_username, settings.mail_password or "")
        smtp.send_message(message)


def send_due_emails(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    sender: Callable[[Settings, OutboxEmail], None] = send_email,
) -> int:
    """Send every email that is due; return how many were sent."""
    if not settings.mail_server:
        return 0
    sent = 0
    while (email := _claim_next(session_factory, now or utcnow())) is not None:
        try:
            sender(settings, email)
        except (OSError, smtplib.SMTPException) as exc:
            _record_failure(session_factory, email, exc, now or utcnow())
            continue
        _record_success(session_factory, email, now or utcnow())
        sent += 1
    return sent


def _claim_next(
    session_factory: sessionmaker[Session], now: datetime
) -> OutboxEmail | None:
    with session_factory.begin() as session:
        candidate = session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.send_after <= now,
                or_(
                    OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now
                ),
            )
            .order_by(OutboxEmail.id)
            .limit(1)
        ).first()
        if candidate is None:
            return None
        # The conditional update is the claim: of two workers, one wins.
        claimed = session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == candidate.id,
                OutboxEmail.sent_at.is_(None),
                or_(
                    OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now
                ),
            )
            .values(claimed_until=now + CLAIM_LEASE)
        ).rowcount
        if claimed != 1:
            return _claim_next(session_factory, now)
        session.expunge(candidate)
        return candidate


def _record_success(
    session_factory: sessionmaker[Session], email: OutboxEmail, now: datetime
) -> None:
    with session_factory.begin() as session:
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id)
            .values(sent_at=now, claimed_until=None, attempts=OutboxEmail.attempts + 1)
        )
        session.add(
            DeliveryAttempt(email_id=email.id, attempted_at=now, succeeded=True)
        )
    logger.info("mail.sent email=%s", email.id)


def _record_failure(
    session_factory: sessionmaker[Session],
    email: OutboxEmail,
    error: Exception,
    now: datetime,
) -> None:
    # The error's class and text describe the server, never the message.
    reason = f"{type(error).__name__}: {error}"[:500]
    with session_factory.begin() as session:
        attempts = email.attempts + 1
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id)
            .values(
                attempts=attempts,
                last_error=reason,
                claimed_until=None,
                send_after=now + retry_pause(attempts),
            )
        )
        session.add(
            DeliveryAttempt(
                email_id=email.id, attempted_at=now, succeeded=False, error=reason
            )
        )
    logger.warning("mail.failed email=%s attempts=%d", email.id, attempts)


def escalate_ignored_alerts(
    session_factory: sessionmaker[Session],
    policy: Policy,
    sign_in_url: str,
    now: datetime | None = None,
) -> int:
    """Escalate alerts left unacknowledged too long; return how many were escalated.

    Level 1 reminds the school's deputy DSLs (and DSLs); level 2 tells the
    study's safeguarding contact. Only school time counts.
    """
    now = now or utcnow()
    escalated = 0
    with session_factory.begin() as session:
        waiting = session.scalars(
            select(SafeguardingAlert).where(
                SafeguardingAlert.state == AlertState.NEW,
                SafeguardingAlert.escalation_level < 2,
            )
        ).all()
        for alert in waiting:
            limit = timedelta(minutes=policy.escalate_after_minutes[Tier(alert.tier)])
            since = alert.last_escalated_at or alert.raised_at
            if school_time_between(since, now) < limit:
                continue
            told = _escalate(session, alert, policy, sign_in_url)
            alert.escalation_level += 1
            alert.last_escalated_at = now
            session.add(
                EscalationRecord(
                    alert_id=alert.id,
                    level=alert.escalation_level,
                    escalated_at=now,
                    told=", ".join(told) or "nobody: no address configured",
                )
            )
            logger.warning(
                "safeguarding.escalated alert=%s level=%d",
                alert.id,
                alert.escalation_level,
            )
            escalated += 1
    return escalated


def _escalate(
    session: Session, alert: SafeguardingAlert, policy: Policy, sign_in_url: str
) -> list[str]:
    if alert.escalation_level == 0:
        addresses = alerted_addresses(
            session.connection(), alert.school_id, (Role.DEPUTY_DSL, Role.DSL)
        )
        subject = "Reminder: a safeguarding alert has not been acknowledged"
    else:
        addresses = [policy.study_contact] if policy.study_contact else []
        subject = "Escalated: a school has not acknowledged a safeguarding alert"
    for address in addresses:
        session.add(
            OutboxEmail(
                alert_id=alert.id,
                to_address=address,
                subject=subject,
                body=(
                    "A safeguarding alert from the wellbeing survey has not been "
                    f"acknowledged in time. Sign in to act on it: {sign_in_url}\n\n"
                    "This email deliberately contains no names or answers.\n"
                ),
            )
        )
    return addresses


class Worker(threading.Thread):
    """Runs the worker's rounds every few seconds until stopped."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        policies: list[Policy],
        sign_in_url: str,
        interval: float = 1.0,
    ) -> None:
        super().__init__(name="safeguarding-worker", daemon=True)
        self.session_factory = session_factory
        self.settings = settings
        self.policies = policies
        self.sign_in_url = sign_in_url
        self.interval = interval
        self.stopping = threading.Event()

    def run_round(self) -> None:
        """Escalate what is overdue, send what is due, forget stale uploads."""
        for policy in self.policies:
            escalate_ignored_alerts(self.session_factory, policy, self.sign_in_url)
        send_due_emails(self.session_factory, self.settings)
        with self.session_factory.begin() as session:
            remove_expired_uploads(session)

    def run(self) -> None:
        """Run rounds until stop() is called; a failed round is tried again later."""
        while not self.stopping.is_set():
            try:
                self.run_round()
            except Exception:
                logger.exception("safeguarding.worker_round_failed")
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        """Ask the worker to finish its round and stop."""
        self.stopping.set()


def safeguarding_worker(app: Flask) -> Worker:
    """Return a worker for ``app``'s database, settings and studies."""
    from survey_app.db import db
    from survey_app.runtime import catalogue, settings

    assert db.session_factory is not None
    current = settings()
    return Worker(
        db.session_factory,
        current,
        [study.safeguarding for study in catalogue().studies.values()],
        current.public_url.rstrip("/") + "/staff/sign-in",
    )
