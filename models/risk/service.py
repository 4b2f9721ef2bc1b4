"""The risk assessment's record: counsel's sign-off (append-only, audited), the latest one the engine relies on,
and the assessment as the decision record shows it."""

from __future__ import annotations

from typing import Any

from breachclock.models.audit import append_event
from breachclock.models.base import utcnow
from breachclock.models.errors import InvalidRequest, Refused
from breachclock.models.incident.models import Incident, load_facts
from breachclock.models.incident.service import ensure_open
from breachclock.models.obligation.models import Obligation
from breachclock.models.obligation.service import reevaluate
from breachclock.models.risk.models import RiskSignoff, latest_signoff
from breachclock.playbooks import catalog
from breachclock.playbooks.risk import SignOff, assessment_digest, assessment_record
from sqlalchemy import select
from sqlalchemy.orm import Session


def approve_assessment(session: Session, incident: Incident, *, counsel: str, note: str | None = None) -> RiskSignoff:
    """Counsel signs off the risk assessment as it now stands: recorded, audited, and the obligations re-evaluated
    (a risk-of-harm exception is relied on only from here)."""
    ensure_open(incident)
    if not counsel.strip():
        raise InvalidRequest("--counsel: name the counsel signing off the assessment")
    risk = load_facts(incident).risk
    if risk.harm_likely and risk.high_risk:
        raise Refused(f"{incident.id}: the risk assessment concludes harm is likely (the conservative default); "
                      "there is no no-harm determination to sign off")
    digest = assessment_digest(risk)
    current = latest_signoff(session, incident.id)
    if current is not None and current.assessment_sha256 == digest:
        raise Refused(f"{incident.id}: {current.counsel} already signed off this assessment on "
                      f"{current.at:%Y-%m-%d %H:%M} UTC")
    row = RiskSignoff(incident_id=incident.id, assessment_sha256=digest, counsel=counsel.strip(),
                      note=note, signed_at=utcnow())
    session.add(row)
    session.flush()
    # No personal data here: the assessment's conclusion, who made it and when, and the factors addressed.
    append_event(session, incident_id=incident.id, actor=counsel, action="risk_assessment_signed_off",
                 reason=note or "counsel signed off the risk assessment",
                 details={"assessment_sha256": digest, "harm_likely": risk.harm_likely, "high_risk": risk.high_risk,
                          "assessed_by": risk.assessed_by,
                          "assessed_at": risk.assessed_at.isoformat() if risk.assessed_at else None,
                          "factors": sorted(risk.factors)})
    reevaluate(session, incident, actor=counsel, reason="counsel signed off the risk assessment")
    return row


def assessment_of(session: Session, incident: Incident, regime_ids: list[str] | None = None) -> dict[str, Any]:
    """The assessment, counsel's sign-off and, for each regime considered (default: those the incident has
    obligations under), whether it excuses notice there."""
    facts = load_facts(incident)
    if regime_ids is None:
        regime_ids = sorted(set(session.scalars(select(Obligation.regime).where(Obligation.incident_id == incident.id))))
    return record_for(facts, latest_signoff(session, incident.id), regime_ids)


def record_for(facts: Any, signoff: SignOff | None, regime_ids: list[str]) -> dict[str, Any]:
    """:func:`playbooks.risk.assessment_record` over the regime versions in force at discovery."""
    from zoneinfo import ZoneInfo

    day = facts.discovered_at.astimezone(ZoneInfo(facts.entity.timezone)).date()
    regimes = catalog.regimes()
    versions = [(rid, v) for rid in regime_ids if rid in regimes and (v := regimes[rid].version_on(day)) is not None]
    return assessment_record(facts.risk, signoff, versions)
