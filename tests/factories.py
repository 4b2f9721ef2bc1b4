"""Builders the tests share: sample facts, a responder finishing containment, an incident with people."""

from __future__ import annotations

from pathlib import Path


def sample_facts(**overrides):  # type: ignore[no-untyped-def]
    """A valid incident file's facts; tests override what they exercise."""
    from breachclock.playbooks.facts import IncidentFacts

    data = {
        "title": "Ransomware on the document management server",
        "entity": {"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"]},
        "discovered_at": "2026-03-02T10:00:00-05:00",
        "data_elements": ["name", "ssn"],
        "affected": {"US-CA": 501, "US-TX": 250},
    }
    data.update(overrides)
    return IncidentFacts.model_validate(data)


def finish_containment(engine, incident_id: str) -> None:  # type: ignore[no-untyped-def]
    """A responder completes every containment task of the incident."""
    from breachclock.models import Incident, PlaybookTask
    from breachclock.models.db import session_scope
    from breachclock.models.task.service import complete_task
    from sqlalchemy import select

    with session_scope(engine) as s:
        inc = s.get(Incident, incident_id)
        for t in s.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == incident_id,
                                                      PlaybookTask.phase == "containment")):
            complete_task(s, inc, t.key, actor="responder", outcome="isolated and verified")


def contained_incident_with_people(engine, tmp_path: Path, people: int,  # type: ignore[no-untyped-def]
                                   **facts) -> str:
    """An incident past containment whose extract names ``people`` Californians reachable by e-mail."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import open_incident as _open
    from breachclock.models.scoping.store import import_records

    with session_scope(engine) as s:
        iid = _open(s, sample_facts(affected={}, **facts), source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "people.csv"
    extract.write_text("first_name,last_name,email,state,exposed\n"
                       + "".join(f"P{i},Example,p{i}@example.test,CA,ssn\n" for i in range(people)))
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    return iid
