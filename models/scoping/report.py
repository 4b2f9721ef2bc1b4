"""The scoping report: what was imported, who lives where, and what still needs a person."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from breachclock.models.incident.models import load_facts
from breachclock.models.incident.service import get_incident
from breachclock.playbooks import catalog
from breachclock.playbooks.coverage import coverage
from breachclock.playbooks.jurisdictions import UNKNOWN
from sqlalchemy.orm import Session

# --- report ------------------------------------------------------------------------------------

def scoping_report(session: Session, incident_id: str) -> dict[str, Any]:
    """Counts per jurisdiction, per element combination, and per regime (version in force) the people covered.

    Structure::

        {"incident_id", "total", "unknown",
         "by_jurisdiction": {"US-TX": 12, "unknown": 1},
         "by_elements": {"name+ssn": 10, ...},
         "groups": [{"jurisdiction", "elements", "count"}...],
         "regimes": {"US-TX": {"version", "covered", "not_covered", "by_jurisdiction": {...}}, ...}}

    ``regimes`` lists the regimes whose residents are among the people (covered or not).
    """
    incident = get_incident(session, incident_id)
    facts = load_facts(incident)
    groups = facts.groups()
    by_jurisdiction: dict[str, int] = {}
    by_elements: dict[str, int] = {}
    for g in groups:
        by_jurisdiction[g.jurisdiction] = by_jurisdiction.get(g.jurisdiction, 0) + g.count
        combo = "+".join(sorted(g.elements))
        by_elements[combo] = by_elements.get(combo, 0) + g.count
    day = facts.discovered_at.astimezone(ZoneInfo(facts.entity.timezone)).date()
    regimes: dict[str, Any] = {}
    for rid, regime in catalog.regimes().items():
        version = regime.version_on(day)
        if version is None:
            continue
        cov = coverage(version, groups)
        if not cov.residents and not cov.uncovered:
            continue
        regimes[rid] = {"version": version.version, "covered": cov.total,
                        "not_covered": sum(cov.uncovered.values()), "by_jurisdiction": dict(sorted(cov.residents.items()))}
    return {"incident_id": incident_id, "total": sum(by_jurisdiction.values()),
            "unknown": by_jurisdiction.get(UNKNOWN, 0), "by_jurisdiction": dict(sorted(by_jurisdiction.items())),
            "by_elements": dict(sorted(by_elements.items(), key=lambda kv: -kv[1])),
            "groups": [g.model_dump(mode="json") for g in groups], "regimes": regimes}
