"""The incident dossier: what the firm can show a regulator (no personal data), written at documentation and kept
as evidence; it discharges the record-keeping duties."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from breachclock.models.audit import AuditEvent, verify_chain
from breachclock.models.base import utcnow
from breachclock.models.incident.service import get_incident
from breachclock.models.notice.drafting import obligations_of, variants_of
from breachclock.models.notice.models import Approval, Notice
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.models.risk.service import assessment_of
from breachclock.models.settings import get_settings
from breachclock.models.task.models import Evidence, PlaybookTask
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def dossier_dir(incident_id: str) -> Path:
    return get_settings().home_dir / "reports" / incident_id


def write_dossier(session: Session, incident_id: str, name: str = "dossier.json") -> tuple[Path, str]:
    """Write the dossier atomically (owner-only); returns its path and sha256. ``name``: a later edition's own
    file, so the one an earlier evidence row names stays as it was."""
    dossier = build_dossier(session, incident_id)
    out = dossier_dir(incident_id)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(dossier, indent=2, sort_keys=True, default=str).encode()
    path = out / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path, hashlib.sha256(data).hexdigest()


def build_dossier(session, incident_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """What the firm can show a regulator: every decision and why, the risk assessment (who, when, conclusion,
    factors, counsel's sign-off, and under which laws it excuses notice), every notice, approval and delivery."""
    incident = get_incident(session, incident_id)
    chain = verify_chain(session, incident_id)
    return {
        "incident": {"id": incident.id, "title": incident.title, "status": incident.status,
                     "entity": incident.entity, "discovered_at": incident.discovered_at,
                     "determined_at": incident.determined_at, "source_sha256": incident.source_sha256,
                     "affected": incident.facts.get("affected"), "data_elements": incident.facts.get("data_elements")},
        "decisions": [
            {"regime": o.regime, "rule": o.rule_key, "recipient": o.recipient, "jurisdiction": o.jurisdiction,
             "required": o.required, "due": o.due, "due_text": o.due_text, "reason": o.reason,
             "citation": o.citation, "rule_version": o.rule_version, "confidence": o.confidence,
             "data_set": o.data_set, "counts": o.counts, "policy_due": o.policy_due,
             "fulfilled_at": o.fulfilled_at, "fulfillment": o.fulfillment}
            for o in session.scalars(select(Obligation).where(Obligation.incident_id == incident_id)
                                     .order_by(Obligation.regime, Obligation.rule_key))],
        "notices": [
            {"id": n.id, "audience": n.audience, "recipient": n.recipient, "jurisdiction": n.jurisdiction,
             "data_set": n.data_set, "content_hash": n.content_hash,
             "variants": [{"channel": v.channel, "template": v.template_name, "template_version": v.template_version,
                           "content_hash": v.content_hash} for v in variants_of(session, n.id).values()],
             "obligations": [o.id for o in obligations_of(session, n.id)],
             "approvals": [{"counsel": a.counsel, "decision": a.decision, "at": a.decided_at,
                            "content_hash": a.content_hash} for a in session.scalars(
                                select(Approval).where(Approval.notice_id == n.id).order_by(Approval.id))],
             "deliveries": dict(session.execute(select(Delivery.status, func.count()).where(
                 Delivery.notice_id == n.id).group_by(Delivery.status)).all())}
            for n in session.scalars(select(Notice).where(Notice.incident_id == incident_id).order_by(Notice.id))],
        "tasks": [{"key": t.key, "status": t.status, "completed_by": t.completed_by, "completed_at": t.completed_at,
                   "outcome": t.outcome} for t in session.scalars(
                       select(PlaybookTask).where(PlaybookTask.incident_id == incident_id).order_by(PlaybookTask.id))],
        "evidence": [{"kind": e.kind, "description": e.description, "uri": e.uri, "sha256": e.sha256,
                      "collected_by": e.collected_by, "at": e.collected_at} for e in session.scalars(
                          select(Evidence).where(Evidence.incident_id == incident_id).order_by(Evidence.id))],
        "risk_assessment": assessment_of(session, incident),
        "holds": [{"agency": h.agency, "started_at": h.started_at, "ended_at": h.ended_at} for h in incident.holds],
        "audit": {"events": chain.events, "chain_ok": chain.ok, "problem": chain.problem,
                  "head": session.scalar(select(AuditEvent.hash).where(AuditEvent.incident_id == incident_id)
                                         .order_by(AuditEvent.seq.desc()).limit(1))},
        "generated_at": utcnow(),
    }
