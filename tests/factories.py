"""Made-up schools, students and codes for tests. No real person is described."""

from __future__ import annotations

from itertools import count

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.codes.access_codes import format_code
from survey_app.codes.service import issue_codes as issue_codes_service
from survey_app.config import Settings
from survey_app.db import db
from survey_app.runtime import catalogue
from survey_app.schools.models import School, Student  # noqa: F401 (used by tests)
from survey_app.staff.credentials import hash_password
from survey_app.staff.models import Role, RoleGrant, StaffMember

BASELINE = "demo/baseline"

# Valid UPNs (check letter included) for made-up students.
_SERIALS = count(100)


def made_up_upn() -> str:
    """Return a fresh valid UPN with a made-up local authority and school.

    The counter runs through the establishment number too, so a long test
    session never outgrows the 13 characters.
    """
    from stdnum.gb.upn import calc_check_digit

    serial = next(_SERIALS)
    body = f"999{serial // 1000 % 10000:04d}26{serial % 1000:03d}"
    return calc_check_digit(body) + body


def school(session: Session, urn: str = "999001", name: str = "Test School") -> School:
    """Add a made-up school."""
    school = School(urn=urn, name=name)
    session.add(school)
    session.flush()
    return school


def student(
    session: Session,
    school: School,
    forename: str,
    surname: str,
    *,
    form_group: str = "7A",
    year_group: int = 7,
) -> Student:
    """Add a made-up student to a school."""
    student = Student(
        school_id=school.id,
        upn=made_up_upn(),
        legal_forename=forename,
        legal_surname=surname,
        year_group=year_group,
        form_group=form_group,
    )
    session.add(student)
    session.flush()
    return student


def issue_codes(app: Flask, school: School, settings: Settings) -> dict[str, str]:
    """Issue baseline codes and return them, as printed on slips, by surname."""
    with app.app_context(), db.begin() as session:
        wave = catalogue().wave(BASELINE)
        issued = issue_codes_service(session, school, wave, settings.code_hash_key)
        return {
            entry.student.legal_surname: format_code(entry.code) for entry in issued
        }


STAFF_PASSWORD = "made-up staff passphrase"


def staff_member(
    session: Session,
    email: str,
    role: Role,
    school: School | None,
    *,
    name: str = "Test Staff",
    totp_secret: str | None = None,
) -> StaffMember:
    """Add a made-up staff member holding ``role`` (at ``school``)."""
    member = session.scalars(select(StaffMember).filter_by(email=email)).one_or_none()
    if member is None:
        member = StaffMember(
            email=email,
            name=name,
            password_hash=hash_password(STAFF_PASSWORD),
            totp_secret=totp_secret,
        )
        session.add(member)
        session.flush()
    session.add(
        RoleGrant(
            staff_member_id=member.id,
            role=role,
            school_id=school.id if school else None,
            granted_by="tests",
        )
    )
    session.flush()
    return member
