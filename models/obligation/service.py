"""Obligations: the engine's decisions kept as the record, re-evaluated when facts change (every difference
audited), and counsel's decisions on the duties the rules could not settle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breachclock.models.audit import append_event
from breachclock.models.base import utcnow
from breachclock.models.client.service import resolve_clients
from breachclock.models.errors import InvalidRequest, NotFound, Refused
from breachclock.models.incident.models import Incident, load_facts, recorded_holds
from breachclock.models.notice.drafting import refresh_notices
from breachclock.models.obligation.models import Obligation, ObligationDecision
from breachclock.models.risk.models import latest_signoff
from breachclock.models.settings import get_settings
from breachclock.playbooks.engine import Decision, evaluate
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def decisions_for(session: Session, incident: Incident, as_of: datetime) -> list[Decision]:
    facts = load_facts(incident)
    return evaluate(
        facts,
        as_of=as_of,
        clients=resolve_clients(session, facts.clients),
        holds=recorded_holds(incident),
        policy_target_days=get_settings().policy_target_days,
        risk_signoff=latest_signoff(session, incident.id),
    )


_COMPARED = ("required", "due", "due_text", "reason", "rule_version", "citation", "recipient", "counts")


def reevaluate(session: Session, incident: Incident, *, actor: str, reason: str,
               now: datetime | None = None) -> list[Obligation]:
    """Re-run the engine and bring the Obligation rows up to date, auditing every difference."""
    now = now or utcnow()
    existing = {(o.regime, o.rule_key, o.jurisdiction, o.data_set): o for o in
                session.scalars(select(Obligation).where(Obligation.incident_id == incident.id))}
    decided = counsel_decisions(session, incident.id)
    changes: list[dict[str, Any]] = []
    for d in decisions_for(session, incident, now):
        key = (d.regime, d.rule_key, d.jurisdiction, d.data_set)
        row = existing.pop(key, None)
        # ``why``, not ``reason``: the event below records why the evaluation ran, not the last rule's reason.
        required, why = d.required, d.reason
        if required is None and key in decided:
            ruling = decided[key]
            required = ruling.required
            why = (f"{why}. Counsel ({ruling.counsel}) decided it is {'owed' if required else 'not owed'}: "
                      f"{ruling.reason}")
        values = dict(
            recipient_kind=d.recipient_kind, recipient=d.recipient, recipient_ref=d.recipient_ref, required=required,
            due=d.due, due_date=d.due_date, due_text=d.due_text, policy_due=d.policy_due, timezone=d.timezone,
            clock_start=d.to_json()["clock_start"], threshold=d.threshold, counts=d.counts, reason=why,
            citation=d.citation, rule_version=d.rule_version, confidence=d.confidence, source_url=d.source_url,
        )
        if row is None:
            session.add(Obligation(incident_id=incident.id, regime=d.regime, rule_key=d.rule_key,
                                   jurisdiction=d.jurisdiction, data_set=d.data_set, created_at=now,
                                   evaluated_at=now, **values))
            if d.required:
                changes.append({"obligation": "/".join(key), "change": "added", "due": _iso(d.due)})
            continue
        diff = {f: [_iso(getattr(row, f)), _iso(values[f])] for f in _COMPARED if getattr(row, f) != values[f]}
        for field, value in values.items():
            setattr(row, field, value)
        row.evaluated_at = now
        if diff:
            changes.append({"obligation": "/".join(key), "change": "updated", "fields": diff})
    for key, row in existing.items():
        # A decision the engine no longer makes (e.g. a per-state media duty after a count fell):
        # keep the row for the record, mark it not required, and say so.
        if row.required is not False:
            row.required = False
            row.reason = "no longer produced by the rules after the facts changed"
            changes.append({"obligation": "/".join(key), "change": "withdrawn"})
    session.flush()
    append_event(session, incident_id=incident.id, actor=actor, action="obligations_evaluated", reason=reason,
                 details={"changes": changes, "as_of": now.isoformat()}, at=now)
    # Notices follow the facts: a drafted notice whose content changed needs counsel's approval again.
    session.info.setdefault("bc_redrafted", []).extend(refresh_notices(session, incident, actor=actor))
    return list(session.scalars(select(Obligation).where(Obligation.incident_id == incident.id)))


def counsel_decisions(session: Session, incident_id: str) -> dict[tuple[str, str, str, str], ObligationDecision]:
    """Counsel's latest decision on each duty the rules could not settle, by obligation key."""
    out: dict[tuple[str, str, str, str], ObligationDecision] = {}
    for ruling in session.scalars(select(ObligationDecision).where(ObligationDecision.incident_id == incident_id)
                                  .order_by(ObligationDecision.id)):
        out[(ruling.regime, ruling.rule_key, ruling.jurisdiction, ruling.data_set)] = ruling
    return out


def decide_obligation(session: Session, incident: Incident, obligation_id: int, *, required: bool, counsel: str,
                      reason: str) -> Obligation:
    """Counsel decides a duty the rules left open (``required`` None): recorded, audited, re-evaluated."""
    obligation = session.get(Obligation, obligation_id)
    if obligation is None or obligation.incident_id != incident.id:
        raise NotFound(f"incident {incident.id} has no obligation {obligation_id}")
    if not counsel.strip() or not reason.strip():
        raise InvalidRequest("a decision on a duty needs the deciding counsel and the reason")
    undecided = session.scalar(select(func.count()).select_from(Obligation).where(
        Obligation.id == obligation_id, Obligation.required.is_(None)))
    if not undecided and (obligation.regime, obligation.rule_key, obligation.jurisdiction,
                          obligation.data_set) not in counsel_decisions(session, incident.id):
        raise Refused(f"obligation {obligation_id} was decided by the rules ({obligation.reason}); "
                             "only duties the rules could not settle are decided by counsel")
    session.add(ObligationDecision(incident_id=incident.id, regime=obligation.regime, rule_key=obligation.rule_key,
                                   jurisdiction=obligation.jurisdiction, data_set=obligation.data_set,
                                   required=required, counsel=counsel, reason=reason))
    session.flush()
    append_event(session, incident_id=incident.id, actor=counsel, action="obligation_decided", reason=reason,
                 details={"obligation": obligation_id, "required": required})
    reevaluate(session, incident, actor=counsel, reason=f"counsel decided obligation {obligation_id}")
    return obligation


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
