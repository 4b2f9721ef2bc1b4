"""The story of one breach-response run, as markdown for the Prefect UI (an artifact on the run).

It says what the run did, stage by stage, then where every duty stands (deadline, time left or how it was met,
law against the firm's policy) and every notice (approval, content checks, delivery), and where the files
are. Prefect stores artifacts in clear, so the story names regimes, jurisdictions, notice ids and counts, never
a person and never a client's name (a recipient is shown by its kind). The record stays the truth: the story is
written from it, after the run, and a later run writes a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from breachclock.models.incident.dossier import dossier_dir
from breachclock.models.incident.service import get_incident
from breachclock.models.incident.views import notices_overview
from breachclock.models.notice.models import Notice
from breachclock.models.notice.validation import validate_notice
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.progress import obligation_state
from breachclock.playbooks.clocks import humanize_delta
from sqlalchemy import select
from sqlalchemy.orm import Session


def _cell(value: object) -> str:
    # A table cell: pipes and line breaks would break the markdown table.
    return str(value).replace("|", "\\|").replace("\n", " ") if value not in (None, "") else "—"


def _standing(duty: dict[str, Any], now: datetime) -> str:
    target, label = (duty["due"], "") if duty["due"] else (duty["policy_due"], "policy ")
    if duty["required"] is None:
        return "counsel must decide"
    if duty["fulfilled_at"] is not None:
        if not duty["met"]:
            return "simulated (exercise): not met"
        if duty["on_time"] is False:
            return f"met {humanize_delta(duty['fulfilled_at'] - target).removesuffix(' left')} late ({label}target)"
        return f"met in time ({label}target)" if target else "met"
    if target is None:
        return "suspended" if duty["deadline_is"] == "suspended" else "no fixed deadline"
    return f"{label}{humanize_delta(target - now)}"


def run_story(session: Session, incident_id: str, stages: Sequence[dict[str, str]], now: datetime) -> str:
    """The markdown story of a run that went through ``stages`` (the flow's results)."""
    incident = get_incident(session, incident_id)
    tz = ZoneInfo(incident.entity.get("timezone") or "UTC")
    lines = [f"# {incident.id}: {incident.status}", "",
             f"Discovered {incident.discovered_at.astimezone(tz):%Y-%m-%d %H:%M %Z}; story written "
             f"{now.astimezone(tz):%Y-%m-%d %H:%M %Z}." + (" **Exercise**: nothing counts." if
                                                           incident.facts.get("exercise") else ""), "",
             "## This run", "", "| stage | outcome | state | message |", "|---|---|---|---|"]
    lines += [f"| {s['stage']} | {s['outcome']} | {s['state']} | {_cell(s['message'])} |" for s in stages]

    duties = [obligation_state(session, o, now) for o in session.scalars(
        select(Obligation).where(Obligation.incident_id == incident_id, Obligation.required.is_not(False))
        .order_by(Obligation.due.is_(None), Obligation.due, Obligation.regime, Obligation.rule_key))]
    lines += ["", f"## Duties ({len(duties)})", "",
              "| regime | rule | to | jurisdiction | deadline (entity zone) | deadline is | where it stands | notice |",
              "|---|---|---|---|---|---|---|---|"]
    for d in duties:
        target = d["due"] or d["policy_due"]
        # A contract's duty is named by its client's id: the story says only that it is a client's contract.
        regime = "a client's contract" if d["regime"].startswith("CONTRACT:") else d["regime"]
        lines.append(f"| {regime} | {d['rule']} | {d['recipient_kind']} | {d['jurisdiction']} | "
                     f"{f'{target.astimezone(tz):%Y-%m-%d %H:%M %Z}' if target else '—'} | {_cell(d['deadline_is'])} | "
                     f"{_standing(d, now)} | {_cell(', '.join(d.get('notices') or []))} |")

    notices = notices_overview(session, incident_id)
    lines += ["", f"## Notices ({len(notices)})", "",
              "| notice | audience | jurisdiction | channels | approval | content checks | state | deliveries |",
              "|---|---|---|---|---|---|---|---|"]
    for n in notices:
        findings = validate_notice(session, session.get(Notice, n["notice"]))  # type: ignore[arg-type]
        checks = (f"{sum(f.passed is True for f in findings)} pass, {sum(f.passed is False for f in findings)} fail, "
                  f"{sum(f.passed is None for f in findings)} to confirm") if findings else "no rules encoded"
        lines.append(f"| {n['notice']} | {n['audience']} | {n['jurisdiction']} | {', '.join(n['channels'])} | "
                     f"{'approved' if n['approved'] else 'pending'} | {checks} | {n['state']} | "
                     f"{_cell(', '.join(f'{k}: {v}' for k, v in n['deliveries'].items()))} |")
    folder = dossier_dir(incident_id)
    lines += ["", "## Files", "", f"Reports, previews and the dossier: `{folder}`", ""]
    for name, what in (("notices", "each notice's previews (text, HTML, PDF) and content checks"),
                       ("decision-record.pdf", "the decision record, with the clocks' timeline"),
                       ("dossier.json", "the dossier (machine-readable)"),
                       ("filings", "the regulator filing packages (PDF and JSON)")):
        if (folder / name).exists():
            lines.append(f"- `{folder / name}`: {what}")
    lines.append("")
    return "\n".join(lines)
