"""The response stages the ``breach-response`` flow runs, each idempotent and resumable.

A stage reads the incident's state from the database, does its work and
moves the lifecycle in one transaction, and says ``done``, ``already_done``
or ``waiting`` (on people: containment tasks, counts, counsel). Running a
stage again after it finished changes nothing, so a killed flow, run again,
resumes at the first unfinished stage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, func, select

from breachclock import notices, outbox
from models import Approval, AuditEvent, Delivery, Evidence, Notice, Obligation, PlaybookTask
from models.audit import append_event, lock_incident, verify_chain
from models.base import utcnow
from models.db import get_engine, session_scope
from models.incident.lifecycle import IllegalTransition, fire, notices_lacking_approval
from models.incident.models import STATES
from models.incident.service import get_incident
from models.obligation.service import reevaluate
from models.settings import get_settings
from notifications.channels import Channel

FLOW_ACTOR = "breachclock (breach-response flow)"
STAGES = ("triage", "containment", "scoping", "assessment", "drafting", "approval", "notification", "documentation")
# The main line of the lifecycle, in order (holds and the no-notice close are off it).
ORDER = {s: i for i, s in enumerate(s for s in STATES if s not in ("law_enforcement_hold", "closed_no_notice"))}
# The state each stage leaves the incident in.
REACHES = {"triage": "triaged", "containment": "contained", "scoping": "scoped", "assessment": "assessed",
           "drafting": "awaiting_approval", "approval": "notifying", "notification": "notified"}


@dataclass(frozen=True)
class StageResult:
    stage: str
    outcome: Literal["done", "already_done", "waiting"]
    state: str
    message: str


def run_stage(stage: str, incident_id: str, *, engine: Engine | None = None,
              channels: dict[str, Channel] | None = None) -> StageResult:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    engine = engine or get_engine()
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        state = incident.status
    if state == "closed_no_notice":
        return StageResult(stage, "already_done", state, "closed with a documented no-notice decision")
    if state == "law_enforcement_hold":
        return StageResult(stage, "waiting", state, "law-enforcement hold in effect; release it to continue")
    if stage == "documentation":
        return _documentation(engine, incident_id)
    if ORDER[state] >= ORDER[REACHES[stage]]:
        return StageResult(stage, "already_done", state, f"already {state}")
    if stage == "notification":
        return _notification(engine, incident_id, channels)
    with session_scope(engine) as session:
        lock_incident(session, incident_id)  # another run of the same incident waits here, then sees our result
        incident = get_incident(session, incident_id)
        if incident.status not in ORDER or ORDER[incident.status] >= ORDER[REACHES[stage]]:
            return StageResult(stage, "already_done" if incident.status in ORDER else "waiting", incident.status,
                               f"already {incident.status}")
        try:
            message = _STEPS[stage](session, incident)
        except IllegalTransition as exc:
            session.rollback()
            return StageResult(stage, "waiting", state, str(exc))
        return StageResult(stage, "done", incident.status, message)


def _triage(session, incident) -> str:  # type: ignore[no-untyped-def]
    tasks = session.scalar(select(func.count()).select_from(PlaybookTask)
                           .where(PlaybookTask.incident_id == incident.id))
    fire(session, incident, "triage", actor=FLOW_ACTOR,
         reason=f"incident recorded, {tasks} playbook task(s) assigned, obligations evaluated")
    # Client notices run on the shortest clock: draft them now so counsel can approve and send them early.
    urgent = notices.draft_notices(session, incident, actor=FLOW_ACTOR, contracts_only=True)
    return f"triaged; {tasks} playbook task(s) assigned" + (
        f"; client notice(s) {', '.join(n.id for n in urgent.drafted)} drafted for counsel's review: approve, "
        "then `breachclock notice send`" if urgent.drafted else "") + _refusals(urgent)


def _refusals(report: notices.DraftReport) -> str:
    return "".join(f"; no notice for obligation(s) {', '.join(map(str, ids))}: {why}" for ids, why in report.refused)


def _containment(session, incident) -> str:  # type: ignore[no-untyped-def]
    fire(session, incident, "contain", actor=FLOW_ACTOR, reason="every containment task is complete")
    return "contained: every containment task is complete"


def _scoping(session, incident) -> str:  # type: ignore[no-untyped-def]
    fire(session, incident, "scope", actor=FLOW_ACTOR, reason="containment complete; scoping affected people")
    counts = incident.facts.get("affected") or {}
    return f"scoping: {sum(counts.values())} affected people recorded across {len(counts)} jurisdiction(s)"


def _assessment(session, incident) -> str:  # type: ignore[no-untyped-def]
    fire(session, incident, "assess", actor=FLOW_ACTOR, reason="affected counts recorded; law applied")
    reevaluate(session, incident, actor=FLOW_ACTOR, reason="assessment")
    required = session.scalar(select(func.count()).select_from(Obligation).where(
        Obligation.incident_id == incident.id, Obligation.required.is_(True)))
    return f"assessed: {required} obligation(s) apply"


def _drafting(session, incident) -> str:  # type: ignore[no-untyped-def]
    if incident.status == "assessed":
        fire(session, incident, "draft", actor=FLOW_ACTOR, reason="notice obligations apply")
    report = notices.draft_notices(session, incident, actor=FLOW_ACTOR)
    fire(session, incident, "submit_for_approval", actor=FLOW_ACTOR, reason="notices drafted for counsel's review")
    return f"{len(report.drafted)} notice(s) drafted for counsel's review" + _refusals(report)


def _approval(session, incident) -> str:  # type: ignore[no-untyped-def]
    pending = notices_lacking_approval(session, incident.id)
    if pending:
        raise IllegalTransition(f"waiting for counsel to approve {len(pending)} notice(s): "
                                + ", ".join(n.id for n in pending))
    fire(session, incident, "notify", actor=FLOW_ACTOR, reason="counsel approved every notice")
    return "counsel approved every notice"


_STEPS = {"triage": _triage, "containment": _containment, "scoping": _scoping, "assessment": _assessment,
          "drafting": _drafting, "approval": _approval}


def _notification(engine: Engine, incident_id: str, channels: dict[str, Channel] | None) -> StageResult:
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        if incident.status != "notifying":
            return StageResult("notification", "waiting", incident.status, "not yet approved for notification")
        # Duties that appeared since drafting (facts changed) get their notices now; counsel approves them.
        late = notices.draft_notices(session, incident, actor=FLOW_ACTOR)
    try:
        report = outbox.send(engine, incident_id, channels if channels is not None else _live_channels,
                             actor=FLOW_ACTOR)
    except outbox.SendRefused as exc:
        return StageResult("notification", "waiting", "notifying", str(exc))
    summary = report.summary() + (f"; {len(late.drafted)} new notice(s) drafted for counsel's review"
                                  if late.drafted else "") + _refusals(late)
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        try:
            fire(session, incident, "complete_notification", actor=FLOW_ACTOR,
                 reason=f"every notice delivered ({summary})")
        except IllegalTransition as exc:
            return StageResult("notification", "waiting", incident.status, f"{summary}; {exc}")
        return StageResult("notification", "done", incident.status, summary)


def _live_channels(names: list[str]) -> dict[str, Channel]:
    from notifications.config import ChannelConfigurationError, NotificationSettings, build_channels

    try:
        return build_channels(NotificationSettings(), channels=names)
    except ChannelConfigurationError as exc:
        raise outbox.SendRefused(str(exc)) from None


def dossier_dir(incident_id: str) -> Path:
    return get_settings().home_dir / "reports" / incident_id


def _documentation(engine: Engine, incident_id: str) -> StageResult:
    """Write the incident dossier (no personal data) and record it as evidence; fulfils record duties."""
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        if incident.status not in ("notified", "closed"):
            return StageResult("documentation", "waiting", incident.status, "documentation follows notification")
        existing = session.scalar(select(Evidence).where(Evidence.incident_id == incident_id,
                                                         Evidence.kind == "dossier"))
        if existing is not None:
            return StageResult("documentation", "already_done", incident.status, f"dossier at {existing.uri}")
        dossier = build_dossier(session, incident_id)
        out = dossier_dir(incident_id)
        out.mkdir(parents=True, exist_ok=True)
        data = json.dumps(dossier, indent=2, sort_keys=True, default=str).encode()
        path = out / "dossier.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        digest = hashlib.sha256(data).hexdigest()
        session.add(Evidence(incident_id=incident_id, kind="dossier", uri=str(path), sha256=digest,
                             description="incident dossier: decisions, notices, approvals, deliveries, audit check",
                             collected_by=FLOW_ACTOR))
        now = utcnow()
        for obligation in session.scalars(select(Obligation).where(
                Obligation.incident_id == incident_id, Obligation.required.is_(True),
                Obligation.recipient_kind == "record", Obligation.fulfilled_at.is_(None))):
            obligation.fulfilled_at, obligation.fulfillment = now, "documented"
        append_event(session, incident_id=incident_id, actor=FLOW_ACTOR, action="dossier_written",
                     reason="documentation stage", details={"path": str(path), "sha256": digest}, at=now)
        return StageResult("documentation", "done", incident.status, f"dossier written to {path}")


def build_dossier(session, incident_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """What the firm can show a regulator: every decision and why, every notice, approval and delivery."""
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
                           "content_hash": v.content_hash} for v in notices.variants_of(session, n.id).values()],
             "obligations": [o.id for o in notices.obligations_of(session, n.id)],
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
        "holds": [{"agency": h.agency, "started_at": h.started_at, "ended_at": h.ended_at} for h in incident.holds],
        "audit": {"events": chain.events, "chain_ok": chain.ok, "problem": chain.problem,
                  "head": session.scalar(select(AuditEvent.hash).where(AuditEvent.incident_id == incident_id)
                                         .order_by(AuditEvent.seq.desc()).limit(1))},
        "generated_at": utcnow(),
    }

