"""Who is signed in on this request, for staff views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, redirect, request, session, url_for

from survey_app.db import db
from survey_app.staff.permissions import StaffUser
from survey_app.staff.service import signed_in_member, staff_user

SESSION_KEY = "staff"


def current_staff() -> StaffUser | None:
    """Return the signed-in staff member, or None."""
    if "staff_user" not in g:
        token = session.get(SESSION_KEY)
        member = signed_in_member(db.session(), token) if token else None
        g.staff_user = staff_user(member) if member else None
    return g.staff_user


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send people who are not signed in to the sign-in page first."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return redirect(url_for("staff.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def signed_in_user() -> StaffUser:
    """Return the signed-in staff member in a view guarded by staff_required."""
    user = current_staff()
    assert user is not None, "staff_required missing on this view"
    return user
