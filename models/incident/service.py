"""Incident services: open an incident from a validated file, record facts, events and holds.

Every function takes a session and works inside the caller's transaction, so an operation and its audit
records commit together or not at all.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from breachclock.models.audit import append_event
from breachclock.models.base import new_id, utcnow
from breachclock.models.client.service import resolve_clients
from breachclock.models.errors import InvalidRequest, NotFound, Refused
from breachclock.models.incident.lifecycle import fire, reopen_notification
from breachclock.models.incident.models import Incident, IncidentEvent, load_facts
from breachclock.models.obligation.service import reevaluate
from breachclock.models.settings import current_actor
from breachclock.models.task.models import PlaybookTask
from breachclock.playbooks import catalog
from breachclock.playbooks.facts import Event, IncidentFacts
from sqlalchemy.orm import Session


def get_incident(session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id!r}")
    return incident


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


def ensure_open(incident: Incident) -> None:
    """A closed incident's record no longer changes (its facts, people and events are what it was closed on)."""
    if incident.status in ("closed", "closed_no_notice"):
        raise Refused(f"{incident.id} is {incident.status}: its record no longer changes")


def update_facts(session: Session, incident: Incident, changes: dict[str, Any], *, actor: str, reason: str) -> None:
    """Change facts (counts, elements...), validated as a whole; re-evaluates and audits the differences."""
    ensure_open(incident)
    merged = {**incident.facts, **changes}
    facts = IncidentFacts.model_validate(merged)
    before = {k: incident.facts.get(k) for k in changes}
    incident.facts = facts.model_dump(mode="json")
    incident.determined_at = facts.determined_at
    append_event(session, incident_id=incident.id, actor=actor, action="facts_changed", reason=reason,
                 details={"before": before, "after": {k: incident.facts.get(k) for k in changes}})
    reevaluate(session, incident, actor=actor, reason=f"facts changed: {reason}")
    reopen_notification(session, incident, actor=actor, reason=f"facts changed after notification: {reason}")


def record_event(session: Session, incident: Incident, event: Event, *, actor: str, reason: str) -> None:
    """Record a clock-moving event (append-only) and re-evaluate the obligations it moves."""
    ensure_open(incident)
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
