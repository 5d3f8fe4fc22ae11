"""Every table, imported in one place so that migrations see them all."""

from survey_app.codes.models import AccessCode
from survey_app.db import Base
from survey_app.schools.models import OptOut, School, Student
from survey_app.survey.models import Answer, PageSubmission, Response, ResponseStatus

__all__ = [
    "AccessCode",
    "Answer",
    "Base",
    "OptOut",
    "PageSubmission",
    "Response",
    "ResponseStatus",
    "School",
    "Student",
]
