"""A sitting and the form groups expected at it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base, utcnow


class Sitting(Base):
    """One lesson in which a teacher supervises form groups taking the survey."""

    __tablename__ = "sittings"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    wave_key: Mapped[str] = mapped_column(String(80))
    room: Mapped[str] = mapped_column(String(100))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    groups: Mapped[list[SittingGroup]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="SittingGroup.form_group",
    )

    @property
    def form_groups(self) -> list[str]:
        """Return the form groups expected at this sitting."""
        return [group.form_group for group in self.groups]


class SittingGroup(Base):
    """A form group expected at a sitting."""

    __tablename__ = "sitting_groups"

    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("sittings.id", ondelete="CASCADE"), primary_key=True
    )
    form_group: Mapped[str] = mapped_column(String(40), primary_key=True)
