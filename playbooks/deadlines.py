"""A regime's clock applied to an incident: when it started (which event, or an anchor to another notice),
which law-enforcement holds toll it, and when it ends, in the entity's zone and the regime's calendar.
The arithmetic itself (hours, calendar and business days, holidays, holds) is :mod:`playbooks.clocks`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from breachclock.playbooks.clocks import compute_deadline, end_of_calendar_year, end_of_local_day
from breachclock.playbooks.decision import Context
from breachclock.playbooks.schema import Clock, Regime

START_WORDS = {
    "discovery": "discovery",
    "determination": "determination that a breach occurred",
    "awareness": "awareness of the breach",
    "materiality_determined": "materiality determination",
    "notifiability_assessed": "assessment that the breach is notifiable",
    "ransom_paid": "extortion payment",
    "vendor_notified_owner": "notice from the vendor",
    "individual_notice": "notice to individuals",
    "calendar_year_end": "end of the calendar year of discovery",
}
UNIT_WORDS = {"hours": "hours", "days": "calendar days", "business_days": "business days"}


@dataclass(frozen=True)
class ClockResult:
    due: datetime | None
    due_date: date | None
    start_event: str
    start_at: datetime | None
    text: str
    suspended: bool = False


def start_instant(ctx: Context, clock: Clock, regime: Regime, individual: ClockResult | None) -> tuple[
        datetime | None, str]:
    """When the clock started, and a note on how that was established."""
    f = ctx.facts
    kind = clock.start
    if kind == "discovery":
        return f.discovered_at, "discovered_at"
    if kind == "determination":
        at = f.determined_at or f.first_event("determined")
        if at is not None:
            return at, "determined_at"
        return f.discovered_at, "determination not recorded: counted from discovery (conservative)"
    if kind == "awareness":
        at = f.first_event("awareness")
        return (at, "awareness event") if at else (f.discovered_at, "awareness taken as discovery")
    if kind == "calendar_year_end":
        return end_of_calendar_year(f.discovered_at, ctx.tz), "end of the calendar year of discovery"
    if kind == "individual_notice":
        sent = f.first_event("individual_notice_sent", regime.id)
        if sent is not None:
            return sent, "individual notice sent"
        if individual is not None and individual.due is not None:
            return individual.due, "individual notice not yet sent: anchored to its legal deadline"
        if individual is not None and individual.suspended:
            return None, "individual notice not yet sent; its deadline is suspended by a law-enforcement delay"
        return None, "individual notice not yet sent and it has no fixed deadline"
    at = f.first_event(kind)
    return (at, f"{kind} event") if at else (None, f"clock has not started: no {kind} event recorded")


def calendar_for(regime: Regime, clock: Clock) -> str:
    if clock.holidays:
        return clock.holidays
    return "US" if regime.jurisdiction == "US" else regime.jurisdiction


def evaluate_clock(ctx: Context, regime: Regime, clock: Clock, tolling: bool,
                   individual: ClockResult | None) -> ClockResult:
    """The deadline of one clock; ``individual`` is this regime's individual-notice clock, if owed."""
    start, how = start_instant(ctx, clock, regime, individual)
    words = START_WORDS[clock.start]
    if start is None:
        return ClockResult(None, None, clock.start, None, f"{clock.text} ({how})")
    local_date = start.astimezone(ZoneInfo(ctx.tz)).date()
    if clock.start == "individual_notice" and clock.relation == "before":
        # Owed before the people are told: due at the instant they are (the outbox holds their notice until then).
        return ClockResult(start, local_date, clock.start, start, f"{clock.text} — before the individual notice ({how})")
    if clock.start == "individual_notice" and clock.relation == "same_time":
        # A filing made the day the people are told is made "at the same time"; read no tighter than that.
        due = end_of_local_day(local_date, ZoneInfo(ctx.tz))
        return ClockResult(due, local_date, clock.start, start,
                           f"{clock.text} — at the same time as the individual notice, read as the same day ({how})")
    if clock.unit == "none":
        return ClockResult(None, None, clock.start, start, f"no fixed deadline: {clock.text} (from {words})")
    holds = ctx.holds if tolling else ()
    deadline = compute_deadline(start, clock.unit, clock.amount or 0, ctx.tz,
                                calendar=calendar_for(regime, clock), holds=holds)
    if deadline.suspended:
        return ClockResult(None, None, clock.start, start,
                           f"{clock.text} — suspended: a law-enforcement delay is in effect", suspended=True)
    text = f"{clock.text} — {clock.amount} {UNIT_WORDS[clock.unit]} from {words}"
    if deadline.tolled_by:
        text += f", tolled {duration_words(deadline.tolled_by)} for law-enforcement delay"
    if how not in ("discovered_at", "determined_at"):
        text += f" ({how})"
    return ClockResult(deadline.due, deadline.due_date, clock.start, start, text)


def duration_words(delta: timedelta) -> str:
    """'9 days 23 hours', '36 hours', '1.5 hours' (elapsed time, so holds across a clock change are exact)."""
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{hours:g} hours"
    days, rest = divmod(hours, 24)
    return f"{days:g} days" + (f" {rest:g} hours" if rest else "")


def earliest(results: Sequence[ClockResult]) -> ClockResult:
    fixed = [r for r in results if r.due is not None]
    if fixed:
        return min(fixed, key=lambda r: r.due)  # type: ignore[arg-type, return-value]
    return results[0]


def policy_target(start: datetime, tz: str, days: int) -> datetime:
    """The firm's own target where the law sets no fixed period: end of the local day ``days`` after the start."""
    zone = ZoneInfo(tz)
    return end_of_local_day(start.astimezone(zone).date() + timedelta(days=days), zone)
