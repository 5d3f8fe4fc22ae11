"""Inviting staff, signing them in and out, and keeping their sessions."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey_app.audit.service import record
from survey_app.db import utcnow
from survey_app.schools.models import School
from survey_app.staff import credentials
from survey_app.staff.models import (
    Invitation,
    Role,
    RoleGrant,
    StaffMember,
    StaffSession,
)
from survey_app.staff.permissions import Grant, StaffUser

logger = logging.getLogger(__name__)

#: A signed-in browser left alone this long is signed out.
IDLE_TIMEOUT = timedelta(minutes=30)
#: However busy, a session ends after a working day.
LONGEST_SESSION = timedelta(hours=12)
# Writing last_seen_at on every request would make each page a write; a
# minute's precision is plenty for a 30-minute idle limit.
_SEEN_PRECISION = timedelta(minutes=1)


class SignInFailed(Exception):
    """The email and password did not match an active account."""


class InvitationProblem(Exception):
    """An invitation link cannot be used; ``reason`` says why, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WeakPassword(ValueError):
    """The chosen password is too short or does not match its confirmation."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_user(member: StaffMember) -> StaffUser:
    """Return what permission checks need to know about a staff member."""
    return StaffUser(
        id=member.id,
        email=member.email,
        name=member.name,
        grants=tuple(Grant(g.role, g.school_id) for g in member.grants),
    )


def needs_second_factor(member: StaffMember) -> bool:
    """Return whether this person must use a second factor to sign in."""
    research = any(g.role is Role.RESEARCH_ADMIN for g in member.grants)
    return research or member.totp_secret is not None


# Invitations ------------------------------------------------------------------


def invite(
    session: Session,
    *,
    email: str,
    role: Role,
    school: School | None,
    invited_by: str,
    secret_key: str,
) -> str:
    """Record an invitation and return the token for its link."""
    if (role is Role.RESEARCH_ADMIN) != (school is None):
        raise ValueError("research administrators have no school; others need one")
    invitation = Invitation(
        email=email.strip().lower(),
        role=role,
        school_id=school.id if school else None,
        invited_by=invited_by,
    )
    session.add(invitation)
    session.flush()
    record(
        session,
        "invitation.sent",
        actor=invited_by,
        school_id=invitation.school_id,
        subject=f"invitation:{invitation.id}",
        detail=f"{role.title} for {invitation.email}",
    )
    return credentials.INVITATION_LINK.make(secret_key, invitation.id)


def member_by_email(session: Session, email: str) -> StaffMember | None:
    """Return the account with this email address, if there is one."""
    query = select(StaffMember).where(StaffMember.email == email.strip().lower())
    return session.scalars(query).one_or_none()


def open_invitation(session: Session, token: str, secret_key: str) -> Invitation:
    """Return the invitation a link names, or raise InvitationProblem."""
    try:
        invitation_id = credentials.INVITATION_LINK.read(secret_key, token)
    except credentials.LinkExpired as exc:
        raise InvitationProblem("expired") from exc
    except credentials.LinkInvalid as exc:
        raise InvitationProblem("invalid") from exc
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise InvitationProblem("invalid")
    if invitation.accepted_at is not None:
        raise InvitationProblem("used")
    return invitation


def accept_invitation(
    session: Session, invitation: Invitation, *, name: str, password: str, confirm: str
) -> StaffMember:
    """Create the account (or add the role to an existing one) and use up the link."""
    existing = session.scalars(
        select(StaffMember).where(StaffMember.email == invitation.email)
    ).one_or_none()
    if existing is None:
        _check_password(password, confirm)
        member = StaffMember(
            email=invitation.email,
            name=name.strip(),
            password_hash=credentials.hash_password(password),
        )
        session.add(member)
        session.flush()
    else:
        # One person, several roles: the second invitation adds a role, and
        # their password is checked rather than replaced.
        if not credentials.password_matches(existing.password_hash, password):
            raise SignInFailed()
        member = existing
    # Claimed in one conditional update, so a link clicked twice at the same
    # moment still grants its role once.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise InvitationProblem("used")
    session.add(
        RoleGrant(
            staff_member_id=member.id,
            role=invitation.role,
            school_id=invitation.school_id,
            granted_by=invitation.invited_by,
        )
    )
    record(
        session,
        "invitation.accepted",
        actor=member.email,
        actor_id=member.id,
        school_id=invitation.school_id,
        subject=f"invitation:{invitation.id}",
        detail=f"became {invitation.role.title}",
    )
    session.flush()
    session.expire(member, ["grants"])
    return member


def _check_password(password: str, confirm: str) -> None:
    if len(password) < credentials.MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"Choose a password of at least {credentials.MIN_PASSWORD_LENGTH} "
            "characters; a few unrelated words make a good one."
        )
    if password != confirm:
        raise WeakPassword("The two passwords are different.")


# Signing in and out -----------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The result of a correct password: a session token and what is still needed."""

    token: str
    member: StaffMember
    needs_second_factor: bool


def sign_in(session: Session, email: str, password: str) -> SignIn:
    """Check an email and password and start a session; raise SignInFailed if wrong."""
    email = email.strip().lower()
    member = session.scalars(
        select(StaffMember).where(StaffMember.email == email)
    ).one_or_none()
    if member is None:
        credentials.spend_time_like_a_password_check(password)
        record(session, "sign_in.failed", actor=email[:200], detail="unknown email")
        session.commit()
        raise SignInFailed()
    if member.disabled_at is not None or not credentials.password_matches(
        member.password_hash, password
    ):
        record(session, "sign_in.failed", actor=member.email, actor_id=member.id)
        session.commit()
        raise SignInFailed()

    token = secrets.token_urlsafe(32)
    second_factor = needs_second_factor(member)
    session.add(
        StaffSession(
            token_hash=_token_hash(token),
            staff_member_id=member.id,
            fully_signed_in=not second_factor,
        )
    )
    record(
        session,
        "sign_in.password_ok" if second_factor else "sign_in",
        actor=member.email,
        actor_id=member.id,
    )
    session.commit()
    return SignIn(token, member, second_factor)


def check_second_factor(
    session: Session, token: str, code: str, now: float | None = None
) -> bool:
    """Complete a sign-in with an authenticator code; return whether it worked."""
    staff_session, member = _session_and_member(session, token)
    if staff_session is None or member is None or member.totp_secret is None:
        return False
    step = credentials.totp_step_accepted(
        member.totp_secret, code, member.totp_last_step, now
    )
    if step is None:
        record(session, "second_factor.failed", actor=member.email, actor_id=member.id)
        session.commit()
        return False
    member.totp_last_step = step
    staff_session.fully_signed_in = True
    record(session, "sign_in", actor=member.email, actor_id=member.id)
    session.commit()
    return True


def set_up_second_factor(
    session: Session, token: str, secret: str, code: str, now: float | None = None
) -> bool:
    """Save a new authenticator secret once the person proves their app shows codes."""
    staff_session, member = _session_and_member(session, token)
    if staff_session is None or member is None:
        return False
    step = credentials.totp_step_accepted(secret, code, None, now)
    if step is None:
        return False
    member.totp_secret = secret
    member.totp_last_step = step
    staff_session.fully_signed_in = True
    record(session, "second_factor.set_up", actor=member.email, actor_id=member.id)
    record(session, "sign_in", actor=member.email, actor_id=member.id)
    session.commit()
    return True


def _session_and_member(
    session: Session, token: str
) -> tuple[StaffSession | None, StaffMember | None]:
    staff_session = session.scalars(
        select(StaffSession).where(
            StaffSession.token_hash == _token_hash(token),
            StaffSession.ended_at.is_(None),
        )
    ).one_or_none()
    if staff_session is None:
        return None, None
    return staff_session, session.get(StaffMember, staff_session.staff_member_id)


def signed_in_member(
    session: Session, token: str, *, partly: bool = False
) -> StaffMember | None:
    """Return who a session token belongs to, if it is still live.

    Ends the session when it has been idle too long or has lasted too long.
    With ``partly``, a session still waiting for its second factor counts.
    """
    staff_session, member = _session_and_member(session, token)
    if staff_session is None or member is None or member.disabled_at is not None:
        return None
    now = utcnow()
    if (
        now - staff_session.last_seen_at > IDLE_TIMEOUT
        or now - staff_session.created_at > LONGEST_SESSION
    ):
        staff_session.ended_at = now
        session.commit()
        return None
    if not (staff_session.fully_signed_in or partly):
        return None
    if now - staff_session.last_seen_at > _SEEN_PRECISION:
        staff_session.last_seen_at = now
        session.commit()
    return member


def sign_out(session: Session, token: str) -> None:
    """End the session behind ``token``."""
    staff_session, member = _session_and_member(session, token)
    if staff_session is None or member is None:
        return
    staff_session.ended_at = utcnow()
    record(session, "sign_out", actor=member.email, actor_id=member.id)
    session.commit()


def end_all_sessions(session: Session, member: StaffMember, by: str) -> int:
    """Sign a person out everywhere (a lost laptop); return how many sessions ended."""
    ended = session.execute(
        update(StaffSession)
        .where(
            StaffSession.staff_member_id == member.id, StaffSession.ended_at.is_(None)
        )
        .values(ended_at=utcnow())
    ).rowcount
    record(
        session,
        "sessions.ended",
        actor=by,
        subject=f"staff:{member.id}",
        detail=f"{ended} sessions",
    )
    session.commit()
    return ended
