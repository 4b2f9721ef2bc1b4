"""What the faces show of an incident (the terminal, later the web): read-only views, no personal data.

Each view returns plain data (dicts and lists, JSON-ready) built by the services that own the rules, so every
face shows the same thing: the policy target the engine computed, the progress the outbox counts, the approval
the chain records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breachclock.models.audit import AuditEvent
from breachclock.models.errors import NotFound
from breachclock.models.incident.lifecycle import allowed_events
from breachclock.models.incident.models import Incident
from breachclock.models.incident.service import get_incident
from breachclock.models.notice.approval import notices_lacking_approval
from breachclock.models.notice.drafting import obligations_of, variants_of
from breachclock.models.notice.grouping import withdrawn_notices
from breachclock.models.notice.models import Notice
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.models.outbox.progress import obligation_state
from breachclock.models.task.models import PlaybookTask
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def incidents_overview(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every incident with its state and its nearest open deadline (legal, else the firm's policy target)."""
    out = []
    for inc in session.scalars(select(Incident).order_by(Incident.created_at.desc())):
        open_ = select(Obligation).where(Obligation.incident_id == inc.id, Obligation.required.is_(True),
                                         Obligation.fulfilled_at.is_(None))
        nearest = session.scalars(open_.where(Obligation.due.is_not(None)).order_by(Obligation.due).limit(1)).first()
        policy = session.scalars(open_.where(Obligation.due.is_(None), Obligation.policy_due.is_not(None))
                                 .order_by(Obligation.policy_due).limit(1)).first()
        undecided = session.scalar(select(func.count()).select_from(Obligation).where(
            Obligation.incident_id == inc.id, Obligation.required.is_(None)))
        out.append({"id": inc.id, "title": inc.title, "state": inc.status, "exercise": bool(inc.facts.get("exercise")),
                    "discovered_at": inc.discovered_at, "timezone": inc.entity.get("timezone"),
                    "next_due": nearest.due if nearest else None,
                    "next_due_duty": f"{nearest.regime} {nearest.rule_key}" if nearest else None,
                    "next_policy_due": policy.policy_due if policy else None, "undecided": undecided})
    return out


def incident_detail(session: Session, incident_id: str, now: datetime, *, all_rules: bool = False) -> dict[str, Any]:
    """One incident: state, the moves it allows, tasks, every duty with where it stands, hand-overs waiting."""
    inc = get_incident(session, incident_id)
    duties = [obligation_state(session, o, now) for o in session.scalars(
        select(Obligation).where(Obligation.incident_id == inc.id)
        .order_by(Obligation.required.desc(), Obligation.due.is_(None), Obligation.due, Obligation.regime))
        if o.required is not False or all_rules]
    tasks = [{"key": t.key, "phase": t.phase, "owner": t.owner_role, "status": t.status, "title": t.title}
             for t in session.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == inc.id)
                                      .order_by(PlaybookTask.id))]
    handovers = [{"delivery": d.id, "notice": d.notice_id, "channel": d.channel, "prepared_at": d.prepared_at,
                  "recipient": n.recipient if d.person_id is None else "a person (letter)"}
                 for d, n in session.execute(select(Delivery, Notice).join(Notice, Notice.id == Delivery.notice_id)
                                             .where(Notice.incident_id == inc.id, Delivery.status == "prepared")
                                             .order_by(Delivery.id))
                 if d.channel == "filing"]
    letters = session.scalar(select(func.count()).select_from(Delivery).join(Notice).where(
        Notice.incident_id == inc.id, Delivery.channel == "postal", Delivery.status == "prepared"))
    return {"incident": inc.id, "title": inc.title, "state": inc.status, "exercise": bool(inc.facts.get("exercise")),
            "entity": inc.entity.get("name"), "timezone": inc.entity.get("timezone"),
            "discovered_at": inc.discovered_at, "allowed_events": allowed_events(session, inc), "tasks": tasks,
            "obligations": duties, "filings_to_make": handovers, "letters_to_mail": letters}


_STATE_OF = {"sent": "delivered", "prepared": "to hand over", "simulated": "simulated", "pending": "queued",
             "sending": "sending", "failed": "failed", "uncertain": "in doubt"}


def notices_overview(session: Session, incident_id: str) -> list[dict[str, Any]]:
    """Every notice: recipient, channels, approval, where its deliveries stand and its nearest deadline."""
    get_incident(session, incident_id)
    pending = {n.id for n in notices_lacking_approval(session, incident_id)}
    gone = withdrawn_notices(session, incident_id)
    out = []
    for n in session.scalars(select(Notice).where(Notice.incident_id == incident_id).order_by(Notice.id)):
        counts = dict(session.execute(select(Delivery.status, func.count()).where(Delivery.notice_id == n.id)
                                      .group_by(Delivery.status)).all())
        duties = obligations_of(session, n.id)
        dues = [o.due for o in duties if o.due is not None]
        channels = list(variants_of(session, n.id))
        if n.id in gone:
            state = "withdrawn"
        elif not counts:
            state = "drafted" if n.id in pending else "approved"
        elif all(k in ("sent", "simulated") for k in counts):
            state = ("filed" if channels == ["filing"] else "delivered") if "sent" in counts else "simulated"
        else:
            state = "delivering"
        out.append({"notice": n.id, "audience": n.audience, "recipient": n.recipient, "jurisdiction": n.jurisdiction,
                    "language": (n.context or {}).get("translation") or (n.context or {}).get("language", "en"),
                    "data_set": n.data_set, "channels": channels, "approved": n.id not in pending, "state": state,
                    "due": min(dues) if dues else None,
                    "policy_due": min((o.policy_due for o in duties if o.policy_due), default=None),
                    "deliveries": {("filed" if channels == ["filing"] and k == "sent" else _STATE_OF[k]): v
                                   for k, v in sorted(counts.items())},
                    "duties": [f"{o.regime} {o.rule_key}" for o in duties]})
    return out


def deliveries_of(session: Session, notice_id: str) -> list[dict[str, Any]]:
    """A notice's deliveries: ids, channels and outcomes, never who (a person is a number)."""
    if session.get(Notice, notice_id) is None:
        raise NotFound(f"no notice {notice_id!r}")
    return [{"delivery": d.id, "channel": d.channel, "status": d.status,
             "recipient": d.recipient_ref or f"person {d.person_id}", "attempts": d.attempts,
             "provider": d.provider, "provider_message_id": d.provider_message_id, "sent_at": d.sent_at,
             "prepared_at": d.prepared_at, "receipt": d.receipt, "confirmed_by": d.confirmed_by,
             "last_error": d.last_error}
            for d in session.scalars(select(Delivery).where(Delivery.notice_id == notice_id).order_by(Delivery.id))]


def audit_log(session: Session, incident_id: str) -> list[dict[str, Any]]:
    get_incident(session, incident_id)
    return [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "from": e.from_state, "to": e.to_state,
             "reason": e.reason, "details": e.details}
            for e in session.scalars(select(AuditEvent).where(AuditEvent.incident_id == incident_id)
                                     .order_by(AuditEvent.seq))]
