"""Scores computed from answers, driven entirely by the instrument files."""

from survey_app.scoring.engine import (
    AnswerError,
    Answers,
    ScoreResult,
    answers_for,
    check_answers,
    item_score,
    reverse_code,
    score_instrument,
    score_wave,
)

__all__ = [
    "AnswerError",
    "Answers",
    "ScoreResult",
    "answers_for",
    "check_answers",
    "item_score",
    "reverse_code",
    "score_instrument",
    "score_wave",
]
