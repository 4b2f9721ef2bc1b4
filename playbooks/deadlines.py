"""A regime's clock applied to an incident: when it started (which event, or an anchor to another notice),
which law-enforcement holds toll it, and when it ends, in the entity's zone and the regime's calendar.
The arithmetic itself (hours, calendar and business days, holidays, holds) is :mod:`playbooks.clocks`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from breachclock.playbooks.clocks import (
    Deadline,
    Interval,
    compute_deadline,
    end_of_calendar_year,
    end_of_local_day,
)
from breachclock.playbooks.decision import Context
from breachclock.playbooks.schema import Clock, LawEnforcementDelay, Regime

START_WORDS = {
    "discovery": "discovery",
    "determination": "determination that a breach occurred",
    "awareness": "awareness of the breach",
    "materiality_determined": "materiality determination",
    "notifiability_assessed": "assessment that the breach is notifiable",
    "ransom_paid": "extortion payment",
    "vendor_notified_owner": "notice from the vendor",
    "individual_notice": "notice to individuals",
    "regulator_notice": "notice to the other regulator",
    "calendar_year_end": "end of the calendar year of discovery",
    "risk_assessed": "the risk-of-harm determination",
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
        if at is not None:
            return at, "awareness event"
        told = f.first_event("vendor_notified_owner")
        if told is not None and ctx.roles & {"data_owner", "controller"}:
            # A controller becomes aware when its processor tells it, not when the processor found the breach.
            return told, "aware when the processor notified the controller"
        return f.discovered_at, "awareness taken as discovery"
    if kind == "regulator_notice":
        anchor = clock.anchor_regime or ""
        sent = f.first_event("regulator_notice_sent", anchor)
        if sent is not None:
            return sent, f"notice under {anchor} sent"
        owed = [d for d in ctx.regulator_notices.get((anchor, ctx.data_set.id), []) if d.required]
        dues = [d.due for d in owed if d.due is not None]
        if dues:
            return min(dues), f"notice under {anchor} not yet sent: anchored to its legal deadline"
        if owed:
            return None, f"notice under {anchor} not yet sent and it has no fixed deadline"
        return None, f"no notice under {anchor} is owed for this data, so this clock has not started"
    if kind == "risk_assessed":
        at = f.risk.assessed_at
        return (at, "risk.assessed_at") if at else (None, "clock has not started: the risk assessment is not dated "
                                                          "(risk.assessed_at)")
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


def delays_that_count(holds: Sequence[Interval], rule: LawEnforcementDelay) -> tuple[list[Interval], list[str]]:
    """The holds that delay a clock under ``rule``, each cut to what the rule allows, and notes on those cut or
    ignored. An ongoing hold the rule caps ends at its cap (the latest the clock can stay stopped)."""
    if rule.effect == "none":
        return [], (["not delayed by the law-enforcement request(s) recorded: " + rule.text] if holds else [])
    out, notes = [], []
    for h in holds:
        who = h.agency or "an agency not recorded"
        if rule.agencies and not any(a.casefold() in (h.agency or "").casefold() for a in rule.agencies):
            notes.append(f"the delay requested by {who} does not count here: only {' or '.join(rule.agencies)} "
                         f"can delay this notice ({rule.text})")
            continue
        if rule.written_only and not h.written:
            notes.append(f"the delay requested by {who} does not count here: only a written determination does "
                         f"({rule.text})")
            continue
        end = h.end
        for limit, why in ((rule.oral_limit_days if not h.written else None, "an oral request"),
                           (rule.max_days, "the longest delay allowed")):
            if limit is not None and (end is None or end - h.start > timedelta(days=limit)):
                end = h.start + timedelta(days=limit)
                notes.append(f"the delay requested by {who} counts for at most {limit} days ({why}: {rule.text})")
        out.append(Interval(h.start, end, h.agency, h.written))
    return out, notes


def evaluate_clock(ctx: Context, regime: Regime, clock: Clock, delay: LawEnforcementDelay,
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
    holds, notes = delays_that_count(ctx.holds, delay)
    zone = clock.cutoff.timezone if clock.cutoff else ctx.tz  # a filing system counts its own days
    calendar = calendar_for(regime, clock)
    if delay.effect == "fresh_period":
        deadline = compute_deadline(start, clock.unit, clock.amount or 0, zone, calendar=calendar)
        # Only a delay that began before the original deadline delays it.
        holds = [h for h in holds if deadline.due is not None and h.start < deadline.due]
        if holds:
            deadline = _fresh_period(deadline, holds, delay, zone, calendar)
    else:
        deadline = compute_deadline(start, clock.unit, clock.amount or 0, zone, calendar=calendar, holds=holds)
    if deadline.suspended:
        return ClockResult(None, None, clock.start, start, f"{clock.text} — suspended: a law-enforcement delay is "
                           "in effect" + "".join(f"; {n}" for n in notes), suspended=True)
    text = f"{clock.text} — {clock.amount} {UNIT_WORDS[clock.unit]} from {words}"
    if delay.effect == "fresh_period" and holds:
        text += (f"; after the law-enforcement delay, {delay.amount} {UNIT_WORDS[delay.unit or 'days']} from its end"
                 + (" or the original deadline, whichever is later" if delay.keep_original else "")
                 + f" ({delay.text})")
    elif deadline.tolled_by:
        text += f", tolled {duration_words(deadline.tolled_by)} for law-enforcement delay"
    if how not in ("discovered_at", "determined_at"):
        text += f" ({how})"
    text += "".join(f"; {n}" for n in notes)
    due = deadline.due
    if clock.cutoff is not None and deadline.due_date is not None:
        hour, minute = map(int, clock.cutoff.time.split(":"))
        due = datetime.combine(deadline.due_date, time(hour, minute),
                               tzinfo=ZoneInfo(clock.cutoff.timezone)).astimezone(ZoneInfo(ctx.tz))
        text += f"; by {clock.cutoff.time} {clock.cutoff.timezone} that day ({clock.cutoff.text})"
    return ClockResult(due, deadline.due_date, clock.start, start, text)


def _fresh_period(original: Deadline, holds: Sequence[Interval], delay: LawEnforcementDelay, zone: str,
                  calendar: str) -> Deadline:
    """Notice due a fresh period after law enforcement releases it (and, with ``keep_original``, not before the
    original deadline); suspended while any counted delay is still in effect."""
    if any(h.end is None for h in holds):
        return Deadline(None, None, suspended=True)
    released = max(h.end for h in holds if h.end is not None)
    fresh = compute_deadline(released, delay.unit or "days", delay.amount or 0, zone, calendar=calendar)
    assert fresh.due is not None and original.due is not None
    if delay.keep_original and original.due >= fresh.due:
        return original
    return Deadline(fresh.due, fresh.due_date, fresh.due - original.due if fresh.due > original.due else
                    timedelta(0))


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
