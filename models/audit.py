"""The append-only, hash-chained audit log.

Each event carries the previous event's hash (per incident) and the hash of
its own canonical content, so removing, reordering or editing any event
breaks the chain at that event. The database refuses UPDATE and DELETE on
this table (triggers installed by the migrations).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

GENESIS = "0" * 64


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
        return hashlib.sha256(self.canonical()).hexdigest()


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

    Two concurrent writers compute the same ``seq``; the unique constraint makes
    one of them fail rather than fork the chain.
    """
    last = session.scalars(
        select(AuditEvent).where(AuditEvent.incident_id == incident_id).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    event = AuditEvent(
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
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    problem: str | None = None
    event_id: int | None = None
    seq: int | None = None


def verify_chain(session: Session, incident_id: str) -> ChainReport:
    """Recompute the incident's chain; name the first broken or missing link."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.incident_id == incident_id).order_by(AuditEvent.seq, AuditEvent.id)
    ).all()
    if not events:
        return ChainReport(False, 0, "no audit events recorded for this incident")
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainReport(False, len(events), f"event #{expected_seq} is missing (next found is #{event.seq})",
                               event.id, expected_seq)
        if event.prev_hash != prev:
            return ChainReport(False, len(events), f"event #{event.seq} does not link to the event before it",
                               event.id, event.seq)
        if event.compute_hash() != event.hash:
            return ChainReport(False, len(events), f"event #{event.seq} was altered after it was written",
                               event.id, event.seq)
        prev = event.hash
    return ChainReport(True, len(events))
