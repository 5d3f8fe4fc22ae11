"""Scores stored with each completed response, one row per scoring version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.db import Base, utcnow


class ResponseScore(Base):
    """One score of one instrument for one response, under one scoring version.

    When an instrument's scoring changes, scores are recomputed under the new
    version beside the old ones, so earlier analyses can still be reproduced.
    """

    __tablename__ = "response_scores"
    __table_args__ = (
        UniqueConstraint("response_id", "instrument_id", "score_id", "scoring_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    instrument_id: Mapped[str] = mapped_column(String(40))
    score_id: Mapped[str] = mapped_column(String(40))
    scoring_version: Mapped[str] = mapped_column(String(20))
    #: None when the instrument's missing-data rule forbids a score.
    value: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(100))
    #: Why there is no value, in the rule's words.
    reason: Mapped[str | None] = mapped_column(String(500))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
