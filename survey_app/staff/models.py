"""Staff members, the roles they hold, invitations and signed-in sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base, utcnow


class Role(enum.StrEnum):
    """What a staff member is to the study."""

    RESEARCH_ADMIN = "research_admin"
    COORDINATOR = "coordinator"
    TEACHER = "teacher"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"

    @property
    def title(self) -> str:
        """Return the role's name as staff say it."""
        return {
            Role.RESEARCH_ADMIN: "research administrator",
            Role.COORDINATOR: "school coordinator",
            Role.TEACHER: "teacher",
            Role.DSL: "designated safeguarding lead",
            Role.DEPUTY_DSL: "deputy designated safeguarding lead",
        }[self]


def _role_column() -> Enum:
    return Enum(
        Role,
        native_enum=False,
        length=20,
        values_callable=lambda roles: [r.value for r in roles],
    )


class StaffMember(Base):
    """A person who signs in: school staff or the research team."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; never the password itself.
    password_hash: Mapped[str] = mapped_column(String(200))
    #: Base32 secret of the authenticator app, once the person has set one up.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last time step whose code was accepted, so a code works only once.
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="staff_member",
        primaryjoin="and_(StaffMember.id == RoleGrant.staff_member_id, "
        "RoleGrant.revoked_at.is_(None))",
        viewonly=True,
        lazy="selectin",
    )


class RoleGrant(Base):
    """One role held by one staff member, at one school or (research) at all."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id"), index=True
    )
    role: Mapped[Role] = mapped_column(_role_column())
    #: None only for research administrators, who work across all schools.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(254))
    revoked_at: Mapped[datetime | None]

    staff_member: Mapped[StaffMember] = relationship(back_populates="grants")


class Invitation(Base):
    """An invitation to take a role; the emailed link carries only its signed id."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(_role_column())
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    invited_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in browser. Ending the row signs that browser out."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the browser's cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set once the second factor was checked (or is not needed).
    fully_signed_in: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None]
