"""Writing the chain: appending events, sealing the record tables a transaction changed, recording delivery
moves, and checkpointing the head after each commit (SQLAlchemy session hooks)."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from breachclock.models.audit.checkpoints import write_checkpoint
from breachclock.models.audit.models import GENESIS, SCHEME, AuditEvent
from breachclock.models.base import utcnow
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)


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


# Table → SQL selecting an incident's rows in a stable order (:i is the incident id).
SEALED_TABLES: dict[str, str] = {
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
    # A column added after records were first sealed is sealed under its own key, so older seals stay valid.
    "affected_people.language": "SELECT id, language FROM affected_people WHERE incident_id = :i "
                                "AND language IS NOT NULL ORDER BY id",
    "person_keys": "SELECT data_set, identity_key, person_id FROM person_keys WHERE incident_id = :i "
                   "ORDER BY data_set, identity_key",
    "risk_signoffs": "SELECT id, assessment_sha256, counsel, note, signed_at FROM risk_signoffs WHERE incident_id = :i "
                     "ORDER BY id",
}
# The digests each table's rows are sealed under (a table's own, and those of columns added later).
DIGESTS_OF = {table: tuple(key for key in SEALED_TABLES if key.split(".")[0] == table)
              for table in {key.split(".")[0] for key in SEALED_TABLES}}
PEOPLE_TABLES = DIGESTS_OF["affected_people"]
# ORM classes whose rows belong to an incident's sealed tables, by table name.
_TABLE_OF = {"incidents", "holds", "obligations", "obligation_decisions", "notices", "notice_variants",
             "notice_obligations", "approvals", "evidence", "playbook_tasks", "incident_events", "affected_people",
             "person_keys", "risk_signoffs"}


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
    for row in session.execute(text(SEALED_TABLES[table]), {"i": incident_id}):
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
            touch(session, incident_id, *DIGESTS_OF[table])


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
            for table in sorted(SEALED_TABLES):
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
