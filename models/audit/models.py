"""The audit chain's tables: its events (each keyed to the one before) and the fingerprint of the record's key."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from breachclock.models.base import Base, utcnow
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

GENESIS = "0" * 64
SCHEME = "hmac1"
APPEND_ONLY_TABLES = ("audit_events", "approvals", "evidence", "incident_events", "obligation_decisions",
                      "record_keys", "risk_signoffs")


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
