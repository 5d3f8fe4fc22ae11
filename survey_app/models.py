"""Every table, imported in one place so that migrations see them all."""

from survey_app.audit.models import AuditEvent
from survey_app.codes.models import AccessCode
from survey_app.db import Base
from survey_app.rosters.models import RosterUpload
from survey_app.safeguarding.models import (
    DeliveryAttempt,
    EscalationRecord,
    OutboxEmail,
    SafeguardingAlert,
    SchoolContact,
)
from survey_app.schools.models import OptOut, School, Student
from survey_app.scoring.models import ResponseScore
from survey_app.sittings.models import Sitting, SittingGroup
from survey_app.staff.models import Invitation, RoleGrant, StaffMember, StaffSession
from survey_app.survey.models import Answer, PageSubmission, Response, ResponseStatus

__all__ = [
    "AccessCode",
    "Answer",
    "AuditEvent",
    "DeliveryAttempt",
    "EscalationRecord",
    "OutboxEmail",
    "ResponseScore",
    "RosterUpload",
    "SafeguardingAlert",
    "SchoolContact",
    "Invitation",
    "RoleGrant",
    "Sitting",
    "SittingGroup",
    "StaffMember",
    "StaffSession",
    "Base",
    "OptOut",
    "PageSubmission",
    "Response",
    "ResponseStatus",
    "School",
    "Student",
]
