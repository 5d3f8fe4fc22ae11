"""School hours, for escalation clocks and for telling when an alert will be seen.

An hour to acknowledge an urgent alert means an hour of the school day:
alerts raised on a Saturday are not escalated before Monday morning.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
OPENS, CLOSES = time(8, 30), time(16, 0)
SCHOOL_DAYS = range(0, 5)  # Monday to Friday


def is_school_time(moment: datetime) -> bool:
    """Return whether ``moment`` falls in school hours, London time."""
    local = moment.astimezone(LONDON)
    return local.weekday() in SCHOOL_DAYS and OPENS <= local.time() < CLOSES


def next_opening(moment: datetime) -> datetime:
    """Return when school next opens after ``moment`` (``moment`` itself if open)."""
    if is_school_time(moment):
        return moment
    local = moment.astimezone(LONDON)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    while day.weekday() not in SCHOOL_DAYS:
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, tzinfo=LONDON)


def school_time_between(start: datetime, end: datetime) -> timedelta:
    """Return how much school time passed between ``start`` and ``end``."""
    total = timedelta()
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() in SCHOOL_DAYS:
            opens = datetime.combine(day, OPENS, tzinfo=LONDON)
            closes = datetime.combine(day, CLOSES, tzinfo=LONDON)
            overlap = min(closes, local_end) - max(opens, local_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total
