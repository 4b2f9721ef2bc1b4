"""Legal time: the one module that turns a clock rule and a start instant into a deadline.

Conventions (they are the law's, not ours, and they are tested):

* **Hours** are elapsed time, computed in UTC: they run through nights,
  weekends, holidays and daylight-saving changes (72 hours is 72 real hours).
* **Calendar days**: the start day (in the entity's or regime's time zone) is
  day 0; "within N days" ends at the end of local calendar day start+N.
  No weekend or holiday roll-forward.
* **Business days**: counted forward from the start day, skipping Saturdays,
  Sundays and the public holidays of the named calendar (``US`` = US federal,
  ``US-NY`` = New York, ``BR`` = Brazil...); the deadline is the end of the
  Nth business day after the start day.
* **Tolling**: a law-enforcement hold stops a tolling clock for as long as it
  overlaps the running clock; an open-ended hold suspends the deadline.

All instants returned are aware; ``end of day`` is 23:59:59.999999 local time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class Interval:
    """A hold: [start, end); ``end`` None while the hold is still in effect."""

    start: datetime
    end: datetime | None
    agency: str | None = None
    """Who asked for the delay, where a law distinguishes (the SEC: only the U.S. Attorney General)."""
    written: bool | None = None
    """Whether the request was in writing (HIPAA: an oral one delays at most 30 days); None: not recorded."""


@dataclass(frozen=True)
class Deadline:
    due: datetime | None
    """The instant the period ends (aware, in the deadline's time zone); None if suspended."""
    due_date: date | None
    """The local calendar date of ``due``."""
    tolled_by: timedelta = timedelta(0)
    suspended: bool = False


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")


@cache
def holiday_calendar(code: str) -> holidays_lib.HolidayBase:
    """Public holidays for ``US``, ``US-NY``, ``BR``, ``GB``, ``CA-QC``... (country[-subdivision])."""
    country, _, subdiv = code.partition("-")
    if country == "US" and subdiv in ("", "FED"):
        return holidays_lib.country_holidays("US")
    if country == "EU":
        return holidays_lib.financial_holidays("ECB")
    try:
        return holidays_lib.country_holidays(country, subdiv=subdiv or None)
    except NotImplementedError:
        # A subdivision the package does not know: fall back to the national calendar.
        return holidays_lib.country_holidays(country)


def is_business_day(day: date, calendar: str) -> bool:
    return day.weekday() < 5 and day not in holiday_calendar(calendar)


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def add_business_days(start_day: date, amount: int, calendar: str) -> date:
    """The Nth business day after ``start_day`` (``start_day`` itself is day 0)."""
    day = start_day
    counted = 0
    while counted < amount:
        day += timedelta(days=1)
        if is_business_day(day, calendar):
            counted += 1
    return day


def _raw_deadline(start: datetime, unit: str, amount: int, tz: ZoneInfo, calendar: str | None) -> datetime:
    if unit == "hours":
        return (start.astimezone(UTC) + timedelta(hours=amount)).astimezone(tz)
    local_day = start.astimezone(tz).date()
    if unit == "days":
        return end_of_local_day(local_day + timedelta(days=amount), tz)
    if unit == "business_days":
        if calendar is None:
            raise ValueError("business days need a holiday calendar")
        return end_of_local_day(add_business_days(local_day, amount, calendar), tz)
    raise ValueError(f"unknown clock unit {unit!r}")


def compute_deadline(
    start: datetime,
    unit: str,
    amount: int,
    timezone: str,
    *,
    calendar: str | None = None,
    holds: Sequence[Interval] = (),
) -> Deadline:
    """The end of a period of ``amount`` ``unit`` starting at ``start``, tolled by ``holds``.

    A hold that overlaps the running clock moves the clock's start later by
    the overlap (the clock stops while the hold lasts); overlapping holds are
    merged first (the same days toll once), then applied in order, each
    against the deadline as extended so far.
    """
    _require_aware(start, "clock start")
    for hold in holds:
        _require_aware(hold.start, "hold start")
    # Elapsed-time arithmetic in UTC: Python subtracts same-zone datetimes by wall clock.
    start = start.astimezone(UTC)
    holds = [Interval(h.start.astimezone(UTC), h.end and h.end.astimezone(UTC)) for h in holds]
    tz = ZoneInfo(timezone)
    tolled = timedelta(0)
    due = _raw_deadline(start, unit, amount, tz, calendar)
    for hold in merge_intervals(holds):
        if hold.start >= due or (hold.end is not None and hold.end <= start):
            continue
        if hold.end is None:
            return Deadline(None, None, tolled, suspended=True)
        overlap = hold.end - max(hold.start, start)
        tolled += overlap
        due = _raw_deadline(start + tolled, unit, amount, tz, calendar)
    return Deadline(due, due.astimezone(tz).date(), tolled)


def end_of_calendar_year(moment: datetime, timezone: str) -> datetime:
    tz = ZoneInfo(timezone)
    return end_of_local_day(date(moment.astimezone(tz).year, 12, 31), tz)


def time_left(due: datetime, now: datetime) -> timedelta:
    _require_aware(now, "now")
    return due - now


def humanize_delta(delta: timedelta) -> str:
    """'2d 3h 5m left' / '4h 10m overdue' — for people, never stored."""
    overdue = delta < timedelta(0)
    seconds = int(abs(delta).total_seconds())
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    parts = [f"{days}d"] if days else []
    if days or hours:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts) + (" overdue" if overdue else " left")


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping holds count once (two agencies asking for the same days toll them once)."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: i.start):
        if out and (out[-1].end is None or iv.start <= out[-1].end):
            last = out[-1]
            end = None if last.end is None or iv.end is None else max(last.end, iv.end)
            out[-1] = Interval(last.start, end)
        else:
            out.append(iv)
    return out
