"""The outbox's record: one delivery per notice and recipient, and the lease of the one sender per incident."""

from __future__ import annotations

from datetime import datetime

from breachclock.models.base import Base, utcnow
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

DELIVERY_STATUSES = ("pending", "sending", "sent", "prepared", "simulated", "failed", "uncertain")
_DELIVERY_STATUSES_SQL = ", ".join(f"'{s}'" for s in DELIVERY_STATUSES)


class Delivery(Base):
    """One notice to one recipient: the exactly-once outbox.

    pending → sending → sent (a provider accepted it) | prepared (a letter or filing written, waiting for a
    person to mail or file it; then sent) | simulated (an exercise's in-memory channel) | failed; a row found
    in ``sending`` after a crash is reconciled with the provider or becomes ``uncertain`` for a person, never
    blindly resent. One row per notice and recipient, whatever the channel: a changed contact before sending
    changes the row's channel, after sending nothing is sent again.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN ({_DELIVERY_STATUSES_SQL})", name="status_valid"),
        Index("ix_deliveries_notice_status", "notice_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("affected_people.id"))
    recipient_ref: Mapped[str | None] = mapped_column(String(100))
    """``client:<id>`` or ``office:<regime>/<rule>`` for deliveries not addressed to a person."""
    channel: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    """The variant's content hash + the recipient's fields → hash: the exact content sent, without storing it."""
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    """When it left our hands: the provider accepted it, or the person mailed or filed it."""
    prepared_at: Mapped[datetime | None] = mapped_column()
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    """Who mailed the letter or filed the notice (hand-over deliveries)."""
    receipt: Mapped[str | None] = mapped_column(Text)
    """The proof of a hand-over: a portal confirmation number, a certificate of mailing."""


class SendLease(Base):
    """Who is sending an incident's notices right now: one sender per incident, so a second run never reconciles
    the first one's messages in flight as if they had been interrupted."""

    __tablename__ = "send_leases"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    """host:pid:token of the process holding it."""
    acquired_at: Mapped[datetime] = mapped_column()
    renewed_at: Mapped[datetime] = mapped_column()
