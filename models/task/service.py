"""Playbook tasks: completed by a person, with the outcome and the hashed evidence collected."""

from __future__ import annotations

from breachclock.models.audit import append_event
from breachclock.models.base import utcnow
from breachclock.models.errors import InvalidRequest, NotFound, Refused
from breachclock.models.incident.models import Incident
from breachclock.models.task.models import Evidence, PlaybookTask
from sqlalchemy import select
from sqlalchemy.orm import Session


def complete_task(session: Session, incident: Incident, key: str, *, actor: str, outcome: str,
                  evidence: list[tuple[str, str | None, str | None]] = ()) -> PlaybookTask:
    """Mark a playbook task done with who, when, what was found, and the evidence collected."""
    task = session.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == incident.id,
                                                      PlaybookTask.key == key)).first()
    if task is None:
        raise NotFound(f"incident {incident.id} has no task {key!r}")
    if task.status == "done":
        raise Refused(f"task {key!r} was already completed by {task.completed_by}")
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
