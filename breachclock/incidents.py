"""Incident services: open an incident from a validated file, record facts and events, re-evaluate the law.

Every function takes a session and works inside the caller's transaction, so
an operation and its audit records commit together or not at all.
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Client, Incident, IncidentEvent, Matter, Obligation, ObligationDecision, PlaybookTask
from models.audit import append_event
from models.base import utcnow
from models.lifecycle import fire
from models.settings import get_settings
from playbooks import catalog
from playbooks.clocks import Interval
from playbooks.engine import Decision, evaluate
from playbooks.facts import ClientTerms, Event, IncidentFacts


class NotFound(LookupError):
    pass


class InvalidRequest(ValueError):
    """A request that the record cannot accept (unknown client, unknown playbook...)."""


def current_actor() -> str:
    return get_settings().actor or f"{getpass.getuser()} (local)"


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def get_incident(session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id!r}")
    return incident


def load_facts(incident: Incident) -> IncidentFacts:
    return IncidentFacts.model_validate(incident.facts)


def resolve_clients(session: Session, refs: list[str | ClientTerms], *, register: bool = False) -> list[ClientTerms]:
    """The contract terms for an incident's clients: inline terms, ``client-id`` or ``client-id/matter-id``."""
    out = []
    for ref in refs:
        if isinstance(ref, ClientTerms):
            if register:
                upsert_client(session, ref)
            out.append(ref)
            continue
        client_id, _, matter_id = ref.partition("/")
        client = session.get(Client, client_id)
        if client is None:
            raise InvalidRequest(f"clients: unknown client {client_id!r} (register it with `breachclock clients load`)")
        terms = client_terms(client)
        if matter_id:
            matter = session.get(Matter, matter_id)
            if matter is None or matter.client_id != client_id:
                raise InvalidRequest(f"clients: client {client_id!r} has no matter {matter_id!r}")
            if matter.notice_hours is not None:
                terms = terms.model_copy(update={
                    "notice_hours": matter.notice_hours,
                    "contract_reference": f"{terms.contract_reference or 'client terms'}; matter {matter.name}"})
        out.append(terms)
    return out


def client_terms(client: Client) -> ClientTerms:
    return ClientTerms(
        id=client.id,
        name=client.name,
        firm_role=client.firm_role,  # type: ignore[arg-type]
        notice_hours=client.notice_hours,
        notice_contact=client.notice_contact,
        notice_channel=client.notice_channel,  # type: ignore[arg-type]
        notice_attention=client.notice_attention,
        contract_reference=client.contract_reference,
    )


def upsert_client(session: Session, terms: ClientTerms) -> Client:
    client = session.get(Client, terms.id)
    if client is None:
        client = Client(id=terms.id)
        session.add(client)
    client.name = terms.name
    client.firm_role = terms.firm_role
    client.notice_hours = terms.notice_hours
    client.notice_contact = terms.notice_contact
    client.notice_channel = terms.notice_channel
    client.notice_attention = terms.notice_attention
    client.contract_reference = terms.contract_reference
    session.flush()
    for m in terms.matters:
        matter = session.get(Matter, m.id)
        if matter is not None and matter.client_id != terms.id:
            raise InvalidRequest(f"matter {m.id!r} already belongs to client {matter.client_id!r}")
        if matter is None:
            matter = Matter(id=m.id, client_id=terms.id)
            session.add(matter)
        matter.name, matter.notice_hours = m.name, m.notice_hours
    session.flush()
    return client


def open_incident(
    session: Session,
    facts: IncidentFacts,
    *,
    source: bytes,
    playbook: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Incident:
    """Persist a validated incident, its playbook tasks, its audit trail and its first obligations."""
    actor = actor or current_actor()
    now = now or utcnow()
    playbook = playbook or facts.playbook
    if playbook is not None and playbook not in catalog.response_playbooks():
        known = ", ".join(catalog.response_playbooks())
        raise InvalidRequest(f"playbook: unknown playbook {playbook!r} (known: {known})")
    clients = resolve_clients(session, facts.clients, register=True)
    incident = Incident(
        id=new_id("INC"),
        title=facts.title,
        entity=facts.entity.model_dump(mode="json"),
        discovered_at=facts.discovered_at,
        determined_at=facts.determined_at,
        facts=facts.model_dump(mode="json"),
        playbook=playbook,
        source_sha256=hashlib.sha256(source).hexdigest(),
        created_at=now,
    )
    session.add(incident)
    session.flush()
    append_event(
        session,
        incident_id=incident.id,
        actor=actor,
        action="incident_opened",
        reason="incident file validated and recorded",
        to_state=incident.status,
        details={"source_sha256": incident.source_sha256, "playbook": playbook,
                 "clients": [c.id for c in clients]},
        at=now,
    )
    if playbook is not None:
        for step in catalog.response_playbooks()[playbook].steps:
            session.add(PlaybookTask(incident_id=incident.id, key=step.key, title=step.title, phase=step.phase,
                                     owner_role=step.owner_role, evidence_expected=step.evidence, created_at=now))
    reevaluate(session, incident, actor=actor, reason="initial evaluation", now=now)
    return incident


def recorded_holds(incident: Incident) -> list[Interval]:
    return [Interval(h.started_at, h.ended_at) for h in incident.holds]


def decisions_for(session: Session, incident: Incident, as_of: datetime) -> list[Decision]:
    facts = load_facts(incident)
    return evaluate(
        facts,
        as_of=as_of,
        clients=resolve_clients(session, facts.clients),
        holds=recorded_holds(incident),
        policy_target_days=get_settings().policy_target_days,
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
        required, reason = d.required, d.reason
        if required is None and key in decided:
            ruling = decided[key]
            required = ruling.required
            reason = (f"{reason}. Counsel ({ruling.counsel}) decided it is {'owed' if required else 'not owed'}: "
                      f"{ruling.reason}")
        values = dict(
            recipient_kind=d.recipient_kind, recipient=d.recipient, recipient_ref=d.recipient_ref, required=required,
            due=d.due, due_date=d.due_date, due_text=d.due_text, policy_due=d.policy_due, timezone=d.timezone,
            clock_start=d.to_json()["clock_start"], threshold=d.threshold, counts=d.counts, reason=reason,
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
        raise InvalidRequest(f"obligation {obligation_id} was decided by the rules ({obligation.reason}); "
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


def update_facts(session: Session, incident: Incident, changes: dict[str, Any], *, actor: str, reason: str) -> None:
    """Change facts (counts, elements...), validated as a whole; re-evaluates and audits the differences."""
    merged = {**incident.facts, **changes}
    facts = IncidentFacts.model_validate(merged)
    before = {k: incident.facts.get(k) for k in changes}
    incident.facts = facts.model_dump(mode="json")
    incident.determined_at = facts.determined_at
    append_event(session, incident_id=incident.id, actor=actor, action="facts_changed", reason=reason,
                 details={"before": before, "after": {k: incident.facts.get(k) for k in changes}})
    reevaluate(session, incident, actor=actor, reason=f"facts changed: {reason}")


def record_event(session: Session, incident: Incident, event: Event, *, actor: str, reason: str) -> None:
    """Record a clock-moving event (append-only) and re-evaluate the obligations it moves."""
    session.add(IncidentEvent(incident_id=incident.id, type=event.type, at=event.at,
                              details=event.model_dump(mode="json", exclude={"type", "at"}), recorded_by=actor))
    facts = load_facts(incident)
    update_facts(session, incident, {"events": [*[e.model_dump(mode="json") for e in facts.events],
                                                event.model_dump(mode="json")]},
                 actor=actor, reason=f"{event.type} recorded: {reason}")


def hold(session: Session, incident: Incident, *, agency: str, actor: str, reason: str,
         at: datetime | None = None) -> None:
    if not agency.strip():
        raise InvalidRequest("a law-enforcement hold needs the requesting agency")
    fire(session, incident, "hold", actor=actor, reason=reason, at=at or utcnow(), agency=agency)
    reevaluate(session, incident, actor=actor, reason="law-enforcement hold started")


def release(session: Session, incident: Incident, *, actor: str, reason: str, at: datetime | None = None) -> None:
    fire(session, incident, "release", actor=actor, reason=reason, at=at or utcnow())
    reevaluate(session, incident, actor=actor, reason="law-enforcement hold released")


def complete_task(session: Session, incident: Incident, key: str, *, actor: str, outcome: str,
                  evidence: list[tuple[str, str | None, str | None]] = ()) -> PlaybookTask:
    """Mark a playbook task done with who, when, what was found, and the evidence collected."""
    from models import Evidence

    task = session.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == incident.id,
                                                      PlaybookTask.key == key)).first()
    if task is None:
        raise NotFound(f"incident {incident.id} has no task {key!r}")
    if task.status == "done":
        raise InvalidRequest(f"task {key!r} was already completed by {task.completed_by}")
    if not outcome.strip():
        raise InvalidRequest("completing a task needs an outcome")
    now = utcnow()
    task.status, task.completed_by, task.completed_at, task.outcome = "done", actor, now, outcome
    for description, uri, sha256 in evidence:
        session.add(Evidence(incident_id=incident.id, task_id=task.id, kind="task", description=description,
                             uri=uri, sha256=sha256, collected_by=actor, collected_at=now))
    session.flush()
    append_event(session, incident_id=incident.id, actor=actor, action="task_completed", reason=outcome,
                 details={"task": key, "evidence": len(evidence)}, at=now)
    return task
