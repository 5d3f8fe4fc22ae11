"""Class lists uploaded and waiting for their coordinator to confirm the preview."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.db import Base, utcnow


def new_upload_id() -> str:
    """Return an unguessable id for an upload's preview address."""
    return secrets.token_urlsafe(24)


class RosterUpload(Base):
    """A class-list file as read, kept between its preview and its confirmation.

    It holds names, so it is removed as soon as it is imported or cancelled,
    and an upload left unconfirmed expires (see survey_app.rosters.uploads).
    """

    __tablename__ = "roster_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_upload_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    #: Only the person who uploaded the file may see its preview or confirm it.
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    #: The file's rows as text cells (see survey_app.rosters.files.Table).
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The column each field is read from, as the coordinator last chose.
    columns: Mapped[dict[str, int]] = mapped_column(JSON)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
