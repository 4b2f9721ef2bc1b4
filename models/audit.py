"""The audit chain: an append-only, keyed, checkpointed record of everything legally significant.

Each event carries the previous event's hash (per incident) and its own hash, an HMAC over its canonical
content with a key derived from the encryption key (held apart from the database): without the key nobody
can append, edit or rehash an event that verifies. After every commit that appended events, a checkpoint of
the chain's head (incident, seq, hash), signed with an Ed25519 key derived from the same key, is appended to a
file outside the database (``<home>/checkpoints``, or ``BREACHCLOCK_CHECKPOINT_DIR`` on storage the database's
administrators cannot write): deleting the last events, truncating the table or replacing the chain is caught
against the last checkpoint.

The chain also proves the rest of the record. Every transaction that changes the incident's record tables
(status, holds, obligations, notices and their variants, approvals, evidence, tasks, counsel's decisions, the
affected people) ends with a ``record_sealed`` event holding a digest of each table as it is now; every change
of a delivery's status is an event of its own. :func:`verify_chain` recomputes all of it and names every
difference: a row edited, inserted or deleted outside breachclock is found. The database also refuses UPDATE,
DELETE, REPLACE and TRUNCATE on the append-only tables (triggers the migrations install, enabled ALWAYS on
PostgreSQL), and verification names a missing or disabled trigger.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from breachclock.models.base import Base, utcnow
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
SCHEME = "hmac1"
APPEND_ONLY_TABLES = ("audit_events", "approvals", "evidence", "incident_events", "obligation_decisions",
                      "record_keys")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="one_seq_per_incident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    seq: Mapped[int] = mapped_column()
    """1, 2, 3... per incident: a gap reveals a deleted event."""
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[str | None] = mapped_column(String(10))
    """``hmac1``: keyed; None: an event written before the chain was keyed (plain sha256)."""

    def canonical(self) -> bytes:
        body = {
            "incident_id": self.incident_id,
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()

    def compute_hash(self) -> str:
        if self.scheme == SCHEME:
            from breachclock.models.person.crypto import get_sealer

            return get_sealer().chain_hash(self.canonical())
        return hashlib.sha256(self.canonical()).hexdigest()


class RecordKey(Base):
    """The fingerprint of the key the record is written with (append-only): a wrong key is named, never used."""

    __tablename__ = "record_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def append_event(
    session: Session,
    *,
    incident_id: str,
    actor: str,
    action: str,
    reason: str,
    from_state: str | None = None,
    to_state: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the incident's chain, in the caller's transaction.

    Writers of one incident's chain are serialised: SQLite transactions hold the write lock from their start;
    on PostgreSQL the incident's row is locked (FOR UPDATE) before the head is read. The unique (incident, seq)
    constraint is the last line: a fork fails rather than commits.
    """
    lock_incident(session, incident_id)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.incident_id == incident_id)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    e = AuditEvent(
        incident_id=incident_id,
        seq=(last.seq + 1) if last else 1,
        at=(at or utcnow()).astimezone(UTC),
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=json.loads(json.dumps(details or {}, sort_keys=True, default=str)),
        prev_hash=last.hash if last else GENESIS,
        scheme=SCHEME,
    )
    e.hash = e.compute_hash()
    session.add(e)
    session.flush()
    session.info.setdefault("bc_heads", {})[incident_id] = (e.seq, e.hash)
    return e


def lock_incident(session: Session, incident_id: str) -> None:
    """Hold the incident for this transaction (PostgreSQL: its row FOR UPDATE; SQLite: the write lock held since
    the transaction began). Other writers of the same incident wait."""
    locked = session.info.setdefault("bc_locked", set())
    if incident_id in locked:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT id FROM incidents WHERE id = :i FOR UPDATE"), {"i": incident_id})
    locked.add(incident_id)


# --- the record tables the chain seals --------------------------------------------------------------

# Table → SQL selecting an incident's rows in a stable order (:i is the incident id).
_SEALED: dict[str, str] = {
    "incidents": "SELECT id, title, status, held_from, entity, discovered_at, determined_at, facts, playbook, "
                 "source_sha256 FROM incidents WHERE id = :i",
    "holds": "SELECT id, started_at, ended_at, agency, reason FROM holds WHERE incident_id = :i ORDER BY id",
    "obligations": "SELECT id, regime, rule_key, recipient_kind, recipient, recipient_ref, jurisdiction, data_set, "
                   "required, due, due_date, due_text, policy_due, timezone, clock_start, threshold, counts, reason, "
                   "citation, rule_version, confidence, source_url, fulfilled_at, fulfillment FROM obligations "
                   "WHERE incident_id = :i ORDER BY id",
    "obligation_decisions": "SELECT id, regime, rule_key, jurisdiction, data_set, required, counsel, reason, "
                            "decided_at FROM obligation_decisions WHERE incident_id = :i ORDER BY id",
    "notices": "SELECT id, audience, recipient, recipient_ref, jurisdiction, data_set, context, content_hash "
               "FROM notices WHERE incident_id = :i ORDER BY id",
    "notice_variants": "SELECT v.notice_id, v.channel, v.subject, v.text, v.html, v.template_name, "
                       "v.template_version, v.templates, v.content_hash FROM notice_variants v JOIN notices n "
                       "ON n.id = v.notice_id WHERE n.incident_id = :i ORDER BY v.notice_id, v.channel",
    "notice_obligations": "SELECT l.notice_id, l.obligation_id FROM notice_obligations l JOIN notices n "
                          "ON n.id = l.notice_id WHERE n.incident_id = :i ORDER BY l.notice_id, l.obligation_id",
    "approvals": "SELECT a.id, a.notice_id, a.content_hash, a.decision, a.counsel, a.comment, a.decided_at "
                 "FROM approvals a JOIN notices n ON n.id = a.notice_id WHERE n.incident_id = :i ORDER BY a.id",
    "evidence": "SELECT id, task_id, kind, description, uri, sha256, collected_by, collected_at FROM evidence "
                "WHERE incident_id = :i ORDER BY id",
    "playbook_tasks": "SELECT id, key, status, completed_by, completed_at, outcome FROM playbook_tasks "
                      "WHERE incident_id = :i ORDER BY id",
    "incident_events": "SELECT id, type, at, details, recorded_by FROM incident_events WHERE incident_id = :i "
                       "ORDER BY id",
    "affected_people": "SELECT id, data_set, identity_key, jurisdiction, elements, channels, sealed "
                       "FROM affected_people WHERE incident_id = :i ORDER BY id",
    "person_keys": "SELECT data_set, identity_key, person_id FROM person_keys WHERE incident_id = :i "
                   "ORDER BY data_set, identity_key",
}
# ORM classes whose rows belong to an incident's sealed tables, by table name.
_TABLE_OF = {"incidents", "holds", "obligations", "obligation_decisions", "notices", "notice_variants",
             "notice_obligations", "approvals", "evidence", "playbook_tasks", "incident_events", "affected_people",
             "person_keys"}


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        v = v if v.tzinfo else v.replace(tzinfo=UTC)
        return v.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bytes | memoryview):
        return hashlib.sha256(bytes(v)).hexdigest()
    if isinstance(v, str) and v[:1] in "{[":
        try:  # JSON columns come back as text on some drivers: compare their content, not their spelling
            return json.loads(v)
        except ValueError:
            return v
    return v


def table_digest(session: Session, table: str, incident_id: str) -> str:
    digest = hashlib.sha256()
    for row in session.execute(text(_SEALED[table]), {"i": incident_id}):
        digest.update(json.dumps([_value(v) for v in row], sort_keys=True, default=str,
                                 separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


class RecordTampered(RuntimeError):
    """A sealed table no longer matches the chain: it was changed outside breachclock. Nothing more is written
    on top of it (that would seal the change) until a person has looked (``breachclock audit verify``)."""


def touch(session: Session, incident_id: str, *tables: str) -> None:
    """Say that this transaction is about to change an incident's sealed tables (call it before the change).

    The first time a transaction touches a table, the table must still match its last seal: a change made
    outside breachclock is refused here, never sealed over.
    """
    touched = session.info.setdefault("bc_touched", {})
    mine = touched.setdefault(incident_id, set())
    checked = session.info.setdefault("bc_checked", set())
    for table in tables:
        if (incident_id, table) not in checked and not session.info.get("bc_sealing"):
            checked.add((incident_id, table))
            with session.no_autoflush:
                previous = _last_seal(session, incident_id)
                sealed = previous.details.get("digests", {}).get(table) if previous else None
                if sealed is not None and table_digest(session, table, incident_id) != sealed:
                    raise RecordTampered(f"{incident_id}: {table} was changed outside breachclock after event "
                                         f"#{previous.seq}; nothing is written on top of it. Run `breachclock audit "  # type: ignore[union-attr]
                                         f"verify {incident_id}` and restore the record from a backup")
        mine.add(table)


def _incident_of(session: Session, obj: Any) -> str | None:
    from breachclock.models.notice.models import Notice
    from breachclock.models.obligation.models import Obligation

    if hasattr(obj, "incident_id"):
        return obj.incident_id
    if getattr(obj, "__tablename__", "") == "incidents":
        return obj.id
    with session.no_autoflush:
        if (notice_id := getattr(obj, "notice_id", None)) is not None:
            notice = session.get(Notice, notice_id)
            return notice.incident_id if notice else None
        if (obligation_id := getattr(obj, "obligation_id", None)) is not None:
            obligation = session.get(Obligation, obligation_id)
            return obligation.incident_id if obligation else None
    return None


@event.listens_for(Session, "before_flush")
def _track(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in _TABLE_OF and (incident_id := _incident_of(session, obj)) is not None:
            touch(session, incident_id, table)


def note_delivery(session: Session, incident_id: str, delivery: Any, reason: str) -> None:
    """A delivery's status changed in this transaction: its new state goes into the chain when it commits (one
    ``delivery_recorded`` event per incident and transaction, listing every delivery moved)."""
    session.info.setdefault("bc_deliveries", {}).setdefault(incident_id, {})[delivery.id] = (delivery, reason)


def _record_deliveries(session: Session) -> None:
    moved: dict[str, dict[int, tuple[Any, str]]] = session.info.pop("bc_deliveries", {})
    if not moved:
        return
    session.flush()
    for incident_id, deliveries in sorted(moved.items()):
        items = [{"id": d.id, "status": d.status, "provider_message_id": d.provider_message_id,
                  "content_hash": d.content_hash, "why": why} for d, why in deliveries.values()]
        reasons = sorted({why for _, why in deliveries.values()})
        append_event(session, incident_id=incident_id, actor="breachclock", action="delivery_recorded",
                     reason="; ".join(reasons)[:2000], details={"deliveries": items})


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    if session.info.get("bc_sealing"):
        return
    _record_deliveries(session)
    session.flush()  # objects changed since the last flush count too (and are checked as they are tracked)
    touched: dict[str, set[str]] = session.info.pop("bc_touched", {})
    if not touched:
        return
    session.info["bc_sealing"] = True
    try:
        for incident_id, tables in sorted(touched.items()):
            exists = session.execute(text("SELECT 1 FROM incidents WHERE id = :i"), {"i": incident_id}).first()
            if exists is None:
                continue
            previous = _last_seal(session, incident_id)
            digests = dict(previous.details.get("digests", {})) if previous else {}
            for table in sorted(_SEALED):
                if table in tables or table not in digests:
                    digests[table] = table_digest(session, table, incident_id)
            append_event(session, incident_id=incident_id, actor="breachclock", action="record_sealed",
                         reason=f"record after changes to {', '.join(sorted(tables))}", details={"digests": digests})
        session.flush()
    finally:
        for key in ("bc_sealing", "bc_touched", "bc_checked"):
            session.info.pop(key, None)


def _last_seal(session: Session, incident_id: str) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).where(AuditEvent.incident_id == incident_id,
                                                    AuditEvent.action == "record_sealed")
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()


@event.listens_for(Session, "after_commit")
def _checkpoint(session: Session) -> None:
    session.info.pop("bc_locked", None)
    heads: dict[str, tuple[int, str]] = session.info.pop("bc_heads", {})
    for incident_id, (seq, head) in heads.items():
        try:
            write_checkpoint(incident_id, seq, head)
        except OSError:
            # The commit stands; verification will find the checkpoint behind and say so.
            logger.error("could not write the chain checkpoint of %s at seq %s", incident_id, seq)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in ("bc_heads", "bc_touched", "bc_checked", "bc_locked", "bc_deliveries"):
        session.info.pop(key, None)


# --- checkpoints ---------------------------------------------------------------------------------------


def checkpoint_dir() -> Path:
    from breachclock.models.settings import get_settings

    settings = get_settings()
    return settings.checkpoint_dir.expanduser() if settings.checkpoint_dir else settings.home_dir / "checkpoints"


def _checkpoint_body(incident_id: str, seq: int, head: str, at: str, key_id: str) -> bytes:
    return json.dumps({"incident": incident_id, "seq": seq, "head": head, "at": at, "key_id": key_id},
                      sort_keys=True, separators=(",", ":")).encode()


def write_checkpoint(incident_id: str, seq: int, head: str) -> dict[str, Any]:
    """Append a signed checkpoint of the chain head to the incident's checkpoint file (owner-only)."""
    from breachclock.models.person.crypto import get_sealer

    sealer = get_sealer()
    at = utcnow().isoformat(timespec="seconds")
    line = {"incident": incident_id, "seq": seq, "head": head, "at": at, "key_id": sealer.key_id,
            "sig": sealer.sign(_checkpoint_body(incident_id, seq, head, at, sealer.key_id))}
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / f"{incident_id}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


def latest_checkpoint(incident_id: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The verified checkpoint with the highest seq, and the problems found in the file."""
    from breachclock.models.person.crypto import get_sealer, verify_signature

    path = checkpoint_dir() / f"{incident_id}.jsonl"
    if not path.exists():
        return None, []
    public = get_sealer().public_key()
    best: dict[str, Any] | None = None
    problems = []
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = json.loads(raw)
                body = _checkpoint_body(line["incident"], int(line["seq"]), line["head"], line["at"], line["key_id"])
                good = line["incident"] == incident_id and verify_signature(public, line["sig"], body)
            except (ValueError, KeyError, TypeError):
                good = False
            if not good:
                problems.append(f"checkpoint line {number} of {path} is not signed by this record's key "
                                "(forged or altered)")
                continue
            if best is None or line["seq"] > best["seq"]:
                best = line
    return best, problems


# --- verification -------------------------------------------------------------------------------------


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
        for table in sorted(_SEALED):
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
