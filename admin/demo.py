"""The demo: a made-up school, its class list, staff accounts and fresh codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.codes.service import (
    IssuedCode,
    issue_codes,
    reissue_codes_of_unstarted,
)
from survey_app.questionnaires.definitions import Wave
from survey_app.rosters.service import import_file
from survey_app.schools.models import School
from survey_app.schools.roster import decode_roster, read_roster
from survey_app.schools.service import add_school
from survey_app.staff.credentials import hash_password, new_totp_secret
from survey_app.staff.models import Role, RoleGrant, StaffMember

DEMO_ROSTER = Path(__file__).resolve().parent / "demo_roster.csv"
DEMO_SCHOOL_URN = "900001"
DEMO_SCHOOL_NAME = "Demo Academy"
#: How many codes the demo prints for trying the survey.
DEMO_CODES_SHOWN = 8

#: Made-up demo accounts: (email, name, role). The research administrator
#: works across schools; the others hold their role at the demo school.
DEMO_STAFF = [
    ("research@demo.invalid", "Demo Researcher", Role.RESEARCH_ADMIN),
    ("coordinator@demo-academy.invalid", "Demo Coordinator", Role.COORDINATOR),
    ("teacher@demo-academy.invalid", "Demo Teacher", Role.TEACHER),
    ("dsl@demo-academy.invalid", "Demo Safeguarding Lead", Role.DSL),
]


@dataclass(frozen=True)
class DemoAccount:
    """A demo account's sign-in details, printed for the person trying the demo."""

    email: str
    role: Role
    password: str
    totp_secret: str | None


def set_up_demo_school(
    session: Session, wave: Wave, code_hash_key: str
) -> tuple[School, list[IssuedCode]]:
    """Create or reuse the demo school, load its class list and return fresh codes."""
    school = add_school(session, DEMO_SCHOOL_URN, DEMO_SCHOOL_NAME)
    roster = read_roster(decode_roster(DEMO_ROSTER.read_bytes()))
    import_file(
        session,
        school,
        roster,
        dry_run=False,
        mark_missing_as_left=False,
        actor="survey-app demo",
    )
    issued = issue_codes(session, school, wave, code_hash_key)
    if len(issued) < DEMO_CODES_SHOWN:
        # Codes are stored only as hashes, so a restarted demo can show codes
        # only by replacing a few of those not yet used.
        issued = reissue_codes_of_unstarted(
            session, school, wave, code_hash_key, limit=DEMO_CODES_SHOWN
        )
    return school, issued


def set_up_demo_staff(session: Session, school: School) -> list[DemoAccount]:
    """Create or refresh the demo accounts; passwords are new at every start."""
    accounts = []
    for email, name, role in DEMO_STAFF:
        member = session.scalars(
            select(StaffMember).where(StaffMember.email == email)
        ).one_or_none()
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        if member is None:
            member = StaffMember(email=email, name=name, password_hash="")
            session.add(member)
            session.flush()
            session.add(
                RoleGrant(
                    staff_member_id=member.id,
                    role=role,
                    school_id=None if role is Role.RESEARCH_ADMIN else school.id,
                    granted_by="survey-app demo",
                )
            )
        member.password_hash = hash_password(password)
        if role is Role.RESEARCH_ADMIN and member.totp_secret is None:
            # Research administrators must use a second factor; the demo sets
            # one up so that it can print the key.
            member.totp_secret = new_totp_secret()
        accounts.append(DemoAccount(email, role, password, member.totp_secret))
    session.flush()
    return accounts
