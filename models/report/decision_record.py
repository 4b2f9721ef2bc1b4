"""The decision record: one PDF that shows a regulator, an insurer or a court what the firm knew, decided and did.

It holds, from the legal record alone: the incident and the audit chain's state; a timeline chart of every clock
(start, tolling holds, deadline, when it was met); the facts as they stood at each evaluation of the law and the
decisions each evaluation changed; every regime and rule considered, required or not, with its reason, citation,
rule version and confidence; counsel's decisions; the risk assessment and its sign-off; every notice with the
approvals it received and who gave them, and how its delivery stands. Counts and facts about the incident only:
no affected person is named. ``breachclock decision-record`` writes it; the documentation stage keeps it as
evidence beside the dossier.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from breachclock.models.audit import AuditEvent, verify_chain
from breachclock.models.base import utcnow
from breachclock.models.incident.dossier import dossier_dir
from breachclock.models.incident.models import Incident
from breachclock.models.incident.service import get_incident
from breachclock.models.notice.drafting import obligations_of
from breachclock.models.notice.models import Approval, Notice
from breachclock.models.obligation.models import Obligation, ObligationDecision
from breachclock.models.outbox.models import Delivery
from breachclock.models.report.pdf import Block, Columns, Fields, Heading, Para, Picture, render_pdf, write_file
from breachclock.models.report.timeline import Clock, timeline_png
from breachclock.models.risk.service import assessment_of
from sqlalchemy import func, select
from sqlalchemy.orm import Session

_FACT_KEYS = ("affected", "data_elements", "determined_at", "encrypted", "encryption_key_compromised", "events",
              "clients", "risk")


def _at(t: datetime | str | None, tz: ZoneInfo) -> str:
    if t is None:
        return "—"
    if isinstance(t, str):
        t = datetime.fromisoformat(t.replace("Z", "+00:00"))
    return f"{t.astimezone(tz):%Y-%m-%d %H:%M %Z}"


def _facts_line(facts: dict[str, Any]) -> str:
    affected = facts.get("affected") or {}
    parts = [f"affected: {sum(affected.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(affected.items()))
             + ")" if affected else "affected: none recorded",
             "elements: " + (", ".join(facts.get("data_elements") or []) or "none")]
    if facts.get("determined_at"):
        parts.append(f"determined {facts['determined_at']}")
    if facts.get("encrypted"):
        parts.append("encrypted" + (", key compromised" if facts.get("encryption_key_compromised") else ""))
    if events := facts.get("events"):
        parts.append("events: " + ", ".join(f"{e.get('type')}" + (f" ({e['regime']})" if e.get("regime") else "")
                                            for e in events))
    if (risk := facts.get("risk")) and isinstance(risk, dict) and "harm_likely" in risk:
        parts.append(f"risk assessed: harm likely {risk.get('harm_likely')}")
    return "; ".join(parts)


def facts_at_each_evaluation(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Every evaluation of the law, with the facts as they stood then and the decisions it changed.

    The facts then are rebuilt from the audit chain: today's facts with each later ``facts_changed`` undone.
    """
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.incident_id == incident.id,
        AuditEvent.action.in_(("facts_changed", "obligations_evaluated", "obligation_decided")))
        .order_by(AuditEvent.seq)))
    facts = {k: incident.facts.get(k) for k in _FACT_KEYS}
    for e in reversed(events):
        if e.action == "facts_changed":
            facts.update({k: v for k, v in (e.details.get("before") or {}).items() if k in _FACT_KEYS})
    out = []
    for e in events:
        if e.action == "facts_changed":
            facts.update({k: v for k, v in (e.details.get("after") or {}).items() if k in _FACT_KEYS})
            continue
        if e.action == "obligation_decided":
            out.append({"at": e.at, "actor": e.actor, "why": e.reason, "facts": _facts_line(facts),
                        "changes": f"counsel decided obligation {e.details.get('obligation')}: "
                                   f"{'owed' if e.details.get('required') else 'not owed'}"})
            continue
        out.append({"at": e.at, "actor": e.actor, "why": e.reason, "facts": _facts_line(facts),
                    "changes": _changes_line(e.details.get("changes") or [])})
    return out


def _changes_line(changes: list[dict[str, Any]], shown: int = 6) -> str:
    """What an evaluation changed: counts by kind, then the first few (the dossier lists them all)."""
    if not changes:
        return "no decision changed"
    kinds: dict[str, int] = {}
    for c in changes:
        kinds[str(c.get("change"))] = kinds.get(str(c.get("change")), 0) + 1
    listed = [f"{c.get('change')} {str(c.get('obligation')).replace('/entity', '')}"
              + (f" ({', '.join(sorted(c['fields']))})" if c.get("fields") else "") for c in changes[:shown]]
    more = f"; and {len(changes) - shown} more (the dossier lists every change)" if len(changes) > shown else ""
    return ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) + ": " + "; ".join(listed) + more


def _clocks(session: Session, incident: Incident) -> list[Clock]:
    out = []
    for o in session.scalars(select(Obligation).where(Obligation.incident_id == incident.id,
                                                      Obligation.required.is_(True))
                             .order_by(Obligation.due.is_(None), Obligation.due, Obligation.regime)):
        started = o.clock_start.get("at")
        start = datetime.fromisoformat(started) if isinstance(started, str) else incident.discovered_at
        deadline = o.due or o.policy_due
        if deadline is None and o.fulfilled_at is None:
            continue  # nothing to draw: no deadline and not met
        label = f"{o.regime} {o.rule_key}" + (f" [{o.jurisdiction}]" if o.jurisdiction not in (o.regime, "contract")
                                              else "")
        out.append(Clock(label=label + (" (policy)" if o.due is None and o.policy_due else ""), start=start,
                         deadline=deadline, policy=o.due is None, met_at=o.fulfilled_at,
                         counted=o.fulfillment != "simulated"))
    return out


def build_decision_record(session: Session, incident_id: str, now: datetime) -> bytes:
    incident = get_incident(session, incident_id)
    tz = ZoneInfo(incident.entity.get("timezone") or "UTC")
    chain = verify_chain(session, incident_id)
    head = session.scalar(select(AuditEvent.hash).where(AuditEvent.incident_id == incident_id)
                          .order_by(AuditEvent.seq.desc()).limit(1))
    blocks: list[Block] = [Fields([
        ("incident", f"{incident.id}: {incident.title}"), ("entity", str(incident.entity.get("name"))),
        ("roles and sectors", ", ".join([*incident.entity.get("roles", []), *incident.entity.get("sectors", [])])
         or "—"),
        ("state", incident.status + (" (an exercise: nothing in it counts)" if incident.facts.get("exercise") else "")),
        ("discovered", _at(incident.discovered_at, tz)), ("determined", _at(incident.determined_at, tz)),
        ("incident file sha256", incident.source_sha256 or "—"),
        ("audit chain", f"{'intact' if chain.ok else 'BROKEN: ' + str(chain.problem)}, {chain.events} events, "
                        f"head {head or '—'}"),
        ("written", _at(now, tz))])]

    clocks = _clocks(session, incident)
    blocks += [Heading("Clocks"), Para("Each bar runs from the event that starts a duty's clock to its deadline "
                                       "(hatched: the firm's policy target where the law sets none). Grey spans "
                                       "are law-enforcement holds; a diamond is when the duty was met.", small=True)]
    holds = [(h.started_at, h.ended_at) for h in incident.holds]
    blocks.append(Picture(timeline_png(clocks, holds, now, str(tz))) if clocks else
                  Para("No duty has a clock yet."))

    blocks += [Heading("Facts at each decision"), Columns(
        ("when", "who", "why", "facts as then recorded", "decisions changed"),
        [(_at(r["at"], tz), r["actor"], r["why"], r["facts"], r["changes"])
         for r in facts_at_each_evaluation(session, incident)], widths=(0.13, 0.14, 0.2, 0.28, 0.25))]

    obligations = list(session.scalars(select(Obligation).where(Obligation.incident_id == incident_id)
                                       .order_by(Obligation.required.desc(), Obligation.regime, Obligation.rule_key)))
    blocks += [Heading("Every rule considered"), Para(
        f"{sum(o.required is True for o in obligations)} owed, {sum(o.required is None for o in obligations)} for "
        f"counsel to decide, {sum(o.required is False for o in obligations)} not owed, each with its reason.",
        small=True), Columns(
        ("rule", "decision", "deadline", "met", "reason", "citation, version, confidence"),
        [(f"{o.regime} {o.rule_key} [{o.jurisdiction}]", {True: "owed", False: "not owed", None: "undecided"}[
            o.required], _at(o.due, tz) if o.due else (f"policy {_at(o.policy_due, tz)}" if o.policy_due else
                                                     o.due_text or "—"),
          (_at(o.fulfilled_at, tz) + (f" ({o.fulfillment})" if o.fulfillment else "")) if o.fulfilled_at else "—",
          o.reason, f"{o.citation}; {o.rule_version}; {o.confidence}") for o in obligations],
        widths=(0.16, 0.08, 0.13, 0.13, 0.3, 0.2))]

    decided = list(session.scalars(select(ObligationDecision).where(ObligationDecision.incident_id == incident_id)
                                   .order_by(ObligationDecision.id)))
    if decided:
        blocks += [Heading("Counsel's decisions on the law"), Columns(
            ("rule", "owed", "counsel", "when", "reason"),
            [(f"{d.regime} {d.rule_key} [{d.jurisdiction}]", "yes" if d.required else "no", d.counsel,
              _at(d.decided_at, tz), d.reason) for d in decided], widths=(0.2, 0.06, 0.2, 0.14, 0.4))]

    risk = assessment_of(session, incident)
    blocks += [Heading("Risk assessment"), Fields([
        ("conclusion", ", ".join(f"{k}: {v}" for k, v in (risk.get("conclusion") or {}).items()) or "—"),
        ("assessed by", risk.get("assessed_by") or "—"), ("assessed at", _at(risk.get("assessed_at"), tz)),
        ("basis", risk.get("basis") or "—"),
        ("factors", "\n".join(f"{k}: {v}" for k, v in (risk.get("factors") or {}).items()) or "—"),
        ("counsel's sign-off", ", ".join(f"{k}: {v}" for k, v in (risk.get("sign_off") or {}).items()) or "none"),
        ("relied on to excuse notice under", ", ".join(r for r, v in (risk.get("regimes") or {}).items()
                                                       if v.get("relied_on")) or "none")])]

    rows = []
    for n in session.scalars(select(Notice).where(Notice.incident_id == incident_id).order_by(Notice.id)):
        approvals = session.scalars(select(Approval).where(Approval.notice_id == n.id).order_by(Approval.id))
        deliveries = dict(session.execute(select(Delivery.status, func.count()).where(Delivery.notice_id == n.id)
                                          .group_by(Delivery.status)).all())
        rows.append((n.id, f"{n.audience} [{n.jurisdiction}]",
                     ", ".join(f"{o.regime} {o.rule_key}" for o in obligations_of(session, n.id)),
                     "\n".join(f"{a.decision} by {a.counsel}, {_at(a.decided_at, tz)} (content {a.content_hash[:12]})"
                               + (f": {a.comment}" if a.comment else "") for a in approvals) or "not decided",
                     ", ".join(f"{k} {v}" for k, v in sorted(deliveries.items())) or "none"))
    blocks += [Heading("Notices, approvals and deliveries"), Columns(
        ("notice", "to", "duties", "counsel's decisions", "deliveries"), rows, widths=(0.13, 0.14, 0.2, 0.35, 0.18))]
    if incident.holds:
        blocks += [Heading("Law-enforcement holds"), Columns(
            ("agency", "from", "until", "reason"),
            [(h.agency, _at(h.started_at, tz), _at(h.ended_at, tz), h.reason) for h in incident.holds])]
    return render_pdf(f"Decision record: {incident.id}", blocks,
                      subtitle=f"Written from the legal record by breachclock on {_at(now, tz)}. Deadlines are in "
                               f"the entity's time zone ({tz}); no affected person is named.")


def write_decision_record(session: Session, incident_id: str, now: datetime | None = None,
                          name: str = "decision-record.pdf") -> tuple[Path, str]:
    """Write ``decision-record.pdf`` (or ``name``) in the incident's report folder; returns its path and sha256."""
    path = dossier_dir(incident_id) / name
    return path, write_file(path, build_decision_record(session, incident_id, now or utcnow()))
