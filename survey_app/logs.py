"""Operator logging: one key=value line per event.

Logs never hold an access code, an answer, a student's name or a raw IP
address; actions on personal data belong in the audit trail instead.
"""

from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    """Send the app's own loggers to standard error, once."""
    logger = logging.getLogger("survey_app")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(os.environ.get("SURVEY_APP_LOG_LEVEL", "INFO"))
