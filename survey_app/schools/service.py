"""Adding schools. Class lists are loaded by survey_app.rosters, codes by codes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.schools.models import School


def add_school(session: Session, urn: str, name: str) -> School:
    """Add a school, or return the existing one with this URN."""
    school = session.scalars(select(School).where(School.urn == urn)).one_or_none()
    if school is None:
        school = School(urn=urn, name=name)
        session.add(school)
        session.flush()
    return school
