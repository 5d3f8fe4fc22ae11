"""A health check for load balancers and the operator."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from survey_app.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Answer 200 when the app can reach its database, 503 when it cannot."""
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200
