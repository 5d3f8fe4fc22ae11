"""Keeping an uploaded class list between its preview and its confirmation.

The file is read once and its rows kept in the database under a random id,
tied to the school and to the person who uploaded it: the preview can then
be shown again with other columns chosen, and a confirmation imports exactly
the rows that were previewed, without the browser sending them back. Kept
rows hold names, so they go as soon as the list is imported or cancelled.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.rosters.files import Table, read_table
from survey_app.rosters.models import RosterUpload
from survey_app.rosters.service import (
    ImportPlan,
    ImportResult,
    NothingImported,
    apply_import,
    lock_roster,
    plan_import,
)
from survey_app.schools.models import School
from survey_app.schools.roster import (
    Columns,
    RosterFile,
    check_roster,
    detect_columns,
    file_header,
)
from survey_app.staff.permissions import StaffUser

#: How long an unconfirmed upload can still be confirmed.
UPLOAD_LIFETIME = timedelta(hours=3)


class UploadNotFound(LookupError):
    """No upload with this id waits for this person: used, expired or not theirs."""


class PreviewOutdated(Exception):
    """The school's students changed since the preview was shown."""


def keep_upload(
    session: Session, school: School, user: StaffUser, file_name: str, data: bytes
) -> RosterUpload:
    """Read an uploaded file and keep it for its preview.

    Raises RosterUnreadable when the file cannot be read as a class list.
    """
    remove_expired_uploads(session)
    table = read_table(data)
    upload = RosterUpload(
        school_id=school.id,
        staff_member_id=user.id,
        file_name=file_name[-200:],
        content=table.as_json(),
        columns=detect_columns(file_header(table)),
    )
    session.add(upload)
    session.flush()
    return upload


def upload_for(
    session: Session, user: StaffUser, school: School, upload_id: str
) -> RosterUpload:
    """Return the upload waiting for ``user`` at ``school``, or raise UploadNotFound."""
    upload = session.get(RosterUpload, upload_id[:32])
    if (
        upload is None
        or upload.school_id != school.id
        or upload.staff_member_id != user.id
        or upload.uploaded_at < utcnow() - UPLOAD_LIFETIME
    ):
        raise UploadNotFound(upload_id)
    return upload


def table_of(upload: RosterUpload) -> Table:
    """Return the rows of an upload's file."""
    return Table.from_json(upload.content)


def roster_of(upload: RosterUpload) -> RosterFile:
    """Check an upload's rows with the columns last chosen for it."""
    return check_roster(table_of(upload), upload.columns)


def plan_upload(session: Session, school: School, upload: RosterUpload) -> ImportPlan:
    """Return what importing the upload would change now."""
    return plan_import(session, school, roster_of(upload))


def choose_columns(upload: RosterUpload, chosen: dict[str, int | None]) -> None:
    """Read each field from the column the coordinator chose (None: from none)."""
    columns: Columns = {
        name: index for name, index in chosen.items() if index is not None
    }
    upload.columns = columns


def confirm_upload(
    session: Session,
    school: School,
    user: StaffUser,
    upload_id: str,
    *,
    fingerprint: str,
    mark_missing_as_left: bool,
) -> ImportResult:
    """Import the upload exactly as previewed, in the caller's transaction.

    Raises PreviewOutdated, with nothing changed, when the import would now
    differ from the preview that ``fingerprint`` describes.
    """
    lock_roster(session, school)
    upload = upload_for(session, user, school, upload_id)
    # Removing the upload is the first write: SQLite then lets nobody else
    # write until this import ends, and a second press of the button finds
    # nothing left to import.
    removed = session.execute(delete(RosterUpload).where(RosterUpload.id == upload.id))
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise UploadNotFound(upload_id)
    plan = plan_import(session, school, roster_of(upload))
    if plan.problems:
        raise NothingImported(plan.problems)
    if plan.fingerprint != fingerprint:
        raise PreviewOutdated()
    return apply_import(
        session,
        school,
        plan,
        mark_missing_as_left=mark_missing_as_left,
        actor=user.email,
        actor_id=user.id,
    )


def discard_upload(session: Session, upload: RosterUpload) -> None:
    """Forget an upload the coordinator cancelled."""
    session.delete(upload)


def remove_expired_uploads(session: Session) -> None:
    """Forget every upload left unconfirmed for longer than UPLOAD_LIFETIME.

    Called whenever a class-list page is opened or a file uploaded, and by
    the background worker (``survey-app mail worker``) every round.
    """
    session.execute(
        delete(RosterUpload).where(
            RosterUpload.uploaded_at < utcnow() - UPLOAD_LIFETIME
        )
    )
