"""The response stages the ``breach-response`` flow runs, each idempotent and resumable.

A stage reads the incident's state from the database, does its work and
moves the lifecycle in one transaction, and says ``done``, ``already_done``
or ``waiting`` (on people: containment tasks, counts, counsel). Running a
stage again after it finished changes nothing, so a killed flow, run again,
resumes at the first unfinished stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from breachclock.models.audit import AuditEvent, append_event, lock_incident
from breachclock.models.base import utcnow
from breachclock.models.db import get_engine, session_scope
from breachclock.models.incident.dossier import write_dossier
from breachclock.models.incident.lifecycle import IllegalTransition, fire, main_line
from breachclock.models.incident.models import load_facts
from breachclock.models.incident.service import get_incident
from breachclock.models.notice.approval import notices_lacking_approval
from breachclock.models.notice.drafting import DraftReport, draft_notices
from breachclock.models.obligation.models import Obligation
from breachclock.models.obligation.service import reevaluate
from breachclock.models.outbox.service import SendRefused, live_channels, send
from breachclock.models.outbox.substitute import draft_substitutes
from breachclock.models.report.decision_record import write_decision_record
from breachclock.models.task.models import Evidence, PlaybookTask
from breachclock.notifications.channels import Channel
from sqlalchemy import Engine, func, select

FLOW_ACTOR = "breachclock (breach-response flow)"


# Which stage of the response makes each move of the lifecycle's main line (drafting makes two).
STAGE_OF = {"triage": "triage", "contain": "containment", "scope": "scoping", "assess": "assessment",
            "draft": "drafting", "submit_for_approval": "drafting", "notify": "approval",
            "complete_notification": "notification"}
# The plan, in the lifecycle's order, then the dossier; the state each stage leaves the incident in.
STAGES = (*dict.fromkeys(STAGE_OF[event] for event, _ in main_line()), "documentation")
REACHES = {STAGE_OF[event]: state for event, state in main_line()}
# Main-line states in order (holds and the no-notice close are off it).
ORDER = {state: i for i, state in enumerate(["detected", *(state for _, state in main_line()), "closed"])}


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
            waiting, message = _STEPS[stage](session, incident)
        except IllegalTransition as exc:  # a guard of the lifecycle: the move waits on people
            session.rollback()
            return StageResult(stage, "waiting", state, str(exc))
        return StageResult(stage, "waiting" if waiting else "done", incident.status, message)


def _triage(session, incident) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    tasks = session.scalar(select(func.count()).select_from(PlaybookTask)
                           .where(PlaybookTask.incident_id == incident.id))
    fire(session, incident, "triage", actor=FLOW_ACTOR,
         reason=f"incident recorded, {tasks} playbook task(s) assigned, obligations evaluated")
    # Client notices run on the shortest clock: draft them now so counsel can approve and send them early.
    urgent = draft_notices(session, incident, actor=FLOW_ACTOR, contracts_only=True)
    return False, f"triaged; {tasks} playbook task(s) assigned" + (
        f"; client notice(s) {', '.join(n.id for n in urgent.drafted)} drafted for counsel's review: approve, "
        "then `breachclock notice send`" if urgent.drafted else "") + _refusals(urgent)


def _refusals(report: DraftReport) -> str:
    return "".join(f"; no notice for obligation(s) {', '.join(map(str, ids))}: {why}" for ids, why in report.refused)


def _containment(session, incident) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    fire(session, incident, "contain", actor=FLOW_ACTOR, reason="every containment task is complete")
    return False, "contained: every containment task is complete"


def _scoping(session, incident) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    fire(session, incident, "scope", actor=FLOW_ACTOR, reason="containment complete; scoping affected people")
    counts = incident.facts.get("affected") or {}
    if not counts and not load_facts(incident).involves_personal_data():
        return False, "scoping: the incident exposed no personal data; its duties are about the incident itself"
    return False, f"scoping: {sum(counts.values())} affected people recorded across {len(counts)} jurisdiction(s)"


def _assessment(session, incident) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    fire(session, incident, "assess", actor=FLOW_ACTOR, reason="affected counts recorded; law applied")
    reevaluate(session, incident, actor=FLOW_ACTOR, reason="assessment")
    required = session.scalar(select(func.count()).select_from(Obligation).where(
        Obligation.incident_id == incident.id, Obligation.required.is_(True)))
    return False, f"assessed: {required} obligation(s) apply"


def _drafting(session, incident) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    if incident.status == "assessed":
        fire(session, incident, "draft", actor=FLOW_ACTOR, reason="notice obligations apply")
    report = draft_notices(session, incident, actor=FLOW_ACTOR)
    report.drafted += draft_substitutes(session, incident, actor=FLOW_ACTOR)
    fire(session, incident, "submit_for_approval", actor=FLOW_ACTOR, reason="notices drafted for counsel's review")
    return False, f"{len(report.drafted)} notice(s) drafted for counsel's review" + _refusals(report)


def _approval(session, incident) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    pending = notices_lacking_approval(session, incident.id)
    if pending:
        return True, f"waiting for counsel to approve {len(pending)} notice(s): " + ", ".join(n.id for n in pending)
    fire(session, incident, "notify", actor=FLOW_ACTOR, reason="counsel approved every notice")
    return False, "counsel approved every notice"


def approvals_let_it_continue(session, incident_id: str) -> bool:  # type: ignore[no-untyped-def]
    """After counsel's decision: whether the response can go on now (every notice's current content approved, and
    the incident neither held nor closed), so the flow is worth resuming."""
    incident = get_incident(session, incident_id)
    if incident.status == "law_enforcement_hold" or incident.status in ("closed", "closed_no_notice"):
        return False
    return not notices_lacking_approval(session, incident_id)


_STEPS = {"triage": _triage, "containment": _containment, "scoping": _scoping, "assessment": _assessment,
          "drafting": _drafting, "approval": _approval}


def _notification(engine: Engine, incident_id: str, channels: dict[str, Channel] | None) -> StageResult:
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        if incident.status != "notifying":
            return StageResult("notification", "waiting", incident.status, "not yet approved for notification")
        # Duties that appeared since drafting (facts changed) get their notices now; counsel approves them.
        late = draft_notices(session, incident, actor=FLOW_ACTOR)
        late.drafted += draft_substitutes(session, incident, actor=FLOW_ACTOR)
    try:
        report = send(engine, incident_id, channels if channels is not None else live_channels,
                             actor=FLOW_ACTOR)
    except SendRefused as exc:
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


def _documentation(engine: Engine, incident_id: str) -> StageResult:
    """Write the incident dossier and the decision record (no personal data) and record both as evidence; fulfils
    record duties."""
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        if incident.status not in ("notified", "closed"):
            return StageResult("documentation", "waiting", incident.status, "documentation follows notification")
        existing = session.scalar(select(Evidence).where(Evidence.incident_id == incident_id,
                                                         Evidence.kind == "dossier")
                                  .order_by(Evidence.collected_at.desc()).limit(1))
        # Notification completed again since (people recorded later were told): the record is written anew.
        notified_at = session.scalar(select(func.max(AuditEvent.at)).where(
            AuditEvent.incident_id == incident_id, AuditEvent.action == "transition:complete_notification"))
        if existing is not None and (notified_at is None or existing.collected_at >= notified_at):
            return StageResult("documentation", "already_done", incident.status, f"dossier at {existing.uri}")
        now = utcnow()
        edition = f"-{now:%Y%m%dT%H%M%SZ}" if existing is not None else ""
        path, digest = write_dossier(session, incident_id, f"dossier{edition}.json")
        record_path, record_digest = write_decision_record(session, incident_id, now, f"decision-record{edition}.pdf")
        session.add(Evidence(incident_id=incident_id, kind="dossier", uri=str(path), sha256=digest,
                             description="incident dossier: decisions, notices, approvals, deliveries, audit check",
                             collected_by=FLOW_ACTOR))
        session.add(Evidence(incident_id=incident_id, kind="decision_record", uri=str(record_path),
                             sha256=record_digest, collected_by=FLOW_ACTOR,
                             description="decision record (PDF): clocks, facts at each decision, every rule "
                                         "considered, risk assessment, approvals"))
        for obligation in session.scalars(select(Obligation).where(
                Obligation.incident_id == incident_id, Obligation.required.is_(True),
                Obligation.recipient_kind == "record", Obligation.fulfilled_at.is_(None))):
            obligation.fulfilled_at, obligation.fulfillment = now, "documented"
        append_event(session, incident_id=incident_id, actor=FLOW_ACTOR, action="dossier_written",
                     reason="documentation stage", details={"path": str(path), "sha256": digest,
                                                            "decision_record": str(record_path),
                                                            "decision_record_sha256": record_digest}, at=now)
        return StageResult("documentation", "done", incident.status, f"dossier written to {path}")
