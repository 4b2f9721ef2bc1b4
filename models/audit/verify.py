"""Verifying the chain: every link and key, the last checkpoint, the record tables against their seals,
approvals and deliveries against their events, and the database's protective triggers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from breachclock.models.audit.chain import SEALED_TABLES, table_digest
from breachclock.models.audit.checkpoints import checkpoint_dir, latest_checkpoint
from breachclock.models.audit.models import APPEND_ONLY_TABLES, GENESIS, SCHEME, AuditEvent
from sqlalchemy import select, text
from sqlalchemy.orm import Session


@dataclass
class ChainReport:
    ok: bool
    events: int
    problem: str | None = None
    event_id: int | None = None
    seq: int | None = None
    problems: list[str] = field(default_factory=list)
    legacy_events: int = 0
    checkpoint_seq: int | None = None


def _fail(report: ChainReport, problem: str, event_id: int | None = None, seq: int | None = None) -> None:
    if report.ok:
        report.ok, report.problem, report.event_id, report.seq = False, problem, event_id, seq
    report.problems.append(problem)


def verify_chain(session: Session, incident_id: str, *, check_record: bool = True) -> ChainReport:
    """Recompute the incident's chain, check it against its last checkpoint and the record tables against it;
    name every broken link, missing event, altered row and missing protection."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.incident_id == incident_id).order_by(AuditEvent.seq, AuditEvent.id)
    ).all()
    report = ChainReport(True, len(events))
    checkpoint, bad_lines = latest_checkpoint(incident_id)
    for problem in bad_lines:
        _fail(report, problem)
    if checkpoint is not None:
        report.checkpoint_seq = checkpoint["seq"]
    if not events:
        _fail(report, "no audit events recorded for this incident"
              + (f" (the checkpoint of {checkpoint['at']} shows {checkpoint['seq']}: the chain was deleted)"
                 if checkpoint else ""))
        return report
    prev = GENESIS
    keyed = False
    links_before = len(report.problems)
    for expected_seq, e in enumerate(events, start=1):
        if e.seq != expected_seq:
            _fail(report, f"event #{expected_seq} is missing (next found is #{e.seq})", e.id, expected_seq)
            break
        if e.prev_hash != prev:
            _fail(report, f"event #{e.seq} does not link to the event before it", e.id, e.seq)
            break
        if e.scheme is None and keyed:
            _fail(report, f"event #{e.seq} is unkeyed after keyed events (a forged append)", e.id, e.seq)
            break
        keyed = keyed or e.scheme == SCHEME
        if e.compute_hash() != e.hash:
            _fail(report, f"event #{e.seq} was altered after it was written (or written without the key)", e.id,
                  e.seq)
            break
        report.legacy_events += e.scheme is None
        prev = e.hash
    chain_broken = len(report.problems) > links_before
    if checkpoint is None:
        if keyed:
            _fail(report, f"no checkpoint of this chain exists outside the database ({checkpoint_dir()}): its last "
                          "events could have been removed")
    else:
        by_seq = {e.seq: e for e in events}
        at = by_seq.get(checkpoint["seq"])
        if at is None:
            _fail(report, f"the chain ends at #{events[-1].seq} but was checkpointed at #{checkpoint['seq']} on "
                          f"{checkpoint['at']}: events were removed")
        elif at.hash != checkpoint["head"]:
            _fail(report, f"event #{checkpoint['seq']} differs from the one checkpointed on {checkpoint['at']}: the "
                          "chain was rewritten", at.id, at.seq)
    if report.ok or check_record:
        for problem in protection_problems(session):
            _fail(report, problem)
    if check_record and not chain_broken:  # a broken chain's record of the tables cannot be trusted to compare
        for problem in record_problems(session, incident_id, events):
            _fail(report, problem)
    return report


def record_problems(session: Session, incident_id: str, events: Iterable[AuditEvent]) -> list[str]:
    """Every way the record tables differ from what the chain recorded of them."""
    events = list(events)
    problems = []
    seals = [e for e in events if e.action == "record_sealed"]
    if seals:
        sealed = seals[-1].details.get("digests", {})
        for table in sorted(SEALED_TABLES):
            if table in sealed and table_digest(session, table, incident_id) != sealed[table]:
                problems.append(f"{table} changed outside breachclock after event #{seals[-1].seq} (the record no "
                                "longer matches the chain)")
    status = session.execute(text("SELECT status FROM incidents WHERE id = :i"), {"i": incident_id}).scalar()
    moves = [e for e in events if e.to_state is not None]
    if moves and status != moves[-1].to_state:
        problems.append(f"the incident's status is {status!r} but the chain's last move left it "
                        f"{moves[-1].to_state!r} (event #{moves[-1].seq})")
    problems += _approval_problems(session, incident_id, events)
    problems += _delivery_problems(session, incident_id, events)
    return problems


def _approval_problems(session: Session, incident_id: str, events: list[AuditEvent]) -> list[str]:
    recorded = {e.details.get("approval"): e for e in events
                if e.action in ("notice_approved", "notice_rejected") and e.details.get("approval") is not None}
    problems = []
    rows = session.execute(text("SELECT a.id, a.notice_id, a.content_hash, a.decision, a.counsel FROM approvals a "
                                "JOIN notices n ON n.id = a.notice_id WHERE n.incident_id = :i"), {"i": incident_id})
    for approval_id, notice_id, content_hash, decision, counsel in rows:
        e = recorded.pop(approval_id, None)
        if e is None:
            problems.append(f"approval {approval_id} of {notice_id} has no event in the chain (inserted outside "
                            "breachclock: it does not count)")
        elif (e.details.get("notice"), e.details.get("content_hash"), e.action, e.actor) != (
                notice_id, content_hash, f"notice_{decision}", counsel):
            problems.append(f"approval {approval_id} of {notice_id} differs from its event #{e.seq}")
    for approval_id, e in recorded.items():
        problems.append(f"approval {approval_id} recorded by event #{e.seq} is missing from the approvals table")
    return problems


# Delivery statuses the chain records; a row may be pending or in flight (sending) without a record.
_RECORDED = ("sent", "prepared", "simulated", "failed", "uncertain", "pending")


def _delivery_problems(session: Session, incident_id: str, events: list[AuditEvent]) -> list[str]:
    last: dict[int, dict[str, Any]] = {}
    queued: set[int] = set()
    for e in events:
        if e.action == "delivery_recorded":
            for item in e.details.get("deliveries", []):
                last[int(item["id"])] = item
        elif e.action == "deliveries_queued":
            for a, b in e.details.get("id_ranges", []):
                queued.update(range(int(a), int(b) + 1))
    problems = []
    rows = session.execute(text("SELECT d.id, d.status, d.provider_message_id, d.content_hash FROM deliveries d "
                                "JOIN notices n ON n.id = d.notice_id WHERE n.incident_id = :i ORDER BY d.id"),
                           {"i": incident_id}).all()
    seen = set()
    for delivery_id, status, provider_id, content in rows:
        seen.add(delivery_id)
        if delivery_id not in queued:
            problems.append(f"delivery {delivery_id} was not queued by breachclock (inserted outside it)")
            continue
        record = last.get(delivery_id)
        if record is None:
            if status not in ("pending", "sending"):
                problems.append(f"delivery {delivery_id} is {status!r} but the chain has no record of it")
            continue
        if status == "sending" and record["status"] in ("pending", "failed"):
            continue  # claimed again after a retry: in flight
        if (status, provider_id, content) != (record["status"], record.get("provider_message_id"),
                                              record.get("content_hash")):
            problems.append(f"delivery {delivery_id} is {status!r} but the chain recorded it "
                            f"{record['status']!r} (altered outside breachclock)")
    for delivery_id in sorted(set(last) - seen):
        problems.append(f"delivery {delivery_id} recorded in the chain is missing from the deliveries table")
    return problems


# --- protections the database itself enforces ---------------------------------------------------------


def expected_triggers() -> list[tuple[str, str]]:
    """(table, trigger) pairs the migrations install."""
    out = []
    for table in APPEND_ONLY_TABLES:
        out += [(table, f"{table}_no_update"), (table, f"{table}_no_delete"), (table, f"{table}_no_replace")]
    return out


def protection_problems(session: Session) -> list[str]:
    """Every protective trigger that is missing or disabled."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        present = {name for (name,) in session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        wanted = [(t, n) for t, n in expected_triggers() if not n.endswith("_no_truncate")]
        return [f"protective trigger {n} on {t} is missing (dropped?)" for t, n in wanted if n not in present]
    rows = dict(session.execute(text("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal")).all())
    problems = []
    wanted = [(t, n) for t, n in expected_triggers() if not n.endswith("_no_replace")]
    wanted += [(t, f"{t}_no_truncate") for t in APPEND_ONLY_TABLES]
    for table, name in wanted:
        state = rows.get(name)
        if state is None:
            problems.append(f"protective trigger {name} on {table} is missing (dropped?)")
        elif state != "A":
            problems.append(f"protective trigger {name} on {table} is not enabled ALWAYS (state {state!r}): "
                            "replication-role tricks could bypass it")
    return problems
