"""Storing scores with responses, and recomputing them when scoring changes."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from survey_app.questionnaires.definitions import Wave
from survey_app.scoring.engine import score_wave
from survey_app.scoring.models import ResponseScore
from survey_app.survey.models import Answer, Response, ResponseState, ResponseStatus
from survey_app.survey.upsert import insert_ignoring_duplicates

logger = logging.getLogger(__name__)

# Prebuilt: it runs as each student finishes, and for every page shown again.
_ANSWERS = select(Answer.__table__.c.item_id, Answer.__table__.c.value).where(
    Answer.__table__.c.response_id == bindparam("response_id")
)


def answers_of(connection: Connection, response_id: int) -> dict[str, int | None]:
    """Return every answer of a response, by item id (None where skipped)."""
    rows = connection.execute(_ANSWERS, {"response_id": response_id})
    return {item_id: value for item_id, value in rows}


def store_scores(
    connection: Connection, response: Response | ResponseState, wave: Wave
) -> int:
    """Compute and store every score of a response under the current scoring.

    Scores already stored under the same scoring version are left alone, so
    this is safe to run twice. Returns how many scores were computed.
    """
    results = score_wave(wave, answers_of(connection, response.id))
    insert_ignoring_duplicates(
        connection,
        ResponseScore,
        [
            {
                "response_id": response.id,
                "instrument_id": result.instrument_id,
                "score_id": result.id,
                "scoring_version": result.scoring_version,
                "value": None if result.value is None else float(result.value),
                "band": result.band,
                "reason": result.reason,
            }
            for result in results
        ],
    )
    return len(results)


def recompute_wave(session: Session, wave: Wave) -> int:
    """Score every completed response of a wave under the current scoring versions.

    Earlier versions' scores stay. Returns how many responses were scored.
    """
    responses = session.scalars(
        select(Response).where(
            Response.wave_key == wave.key, Response.status == ResponseStatus.COMPLETED
        )
    ).all()
    for response in responses:
        store_scores(session.connection(), response, wave)
    logger.info("scores.recomputed wave=%s responses=%d", wave.key, len(responses))
    return len(responses)
