"""Notices, their channel variants and the obligations they discharge; deliveries (the outbox).

A notice is drafted for one recipient or audience and discharges one or more obligations (a client's
notice under several state laws is one notice). It has one *variant* per channel it will go out on
(postal letter, e-mail, SMS, a filing), each rendered from a snapshot of the template files taken when it
was drafted, so what is sent is exactly what counsel approved, whatever happens to the files later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

DELIVERY_STATUSES = ("pending", "sending", "sent", "prepared", "simulated", "failed", "uncertain")
_DELIVERY_STATUSES_SQL = ", ".join(f"'{s}'" for s in DELIVERY_STATUSES)


class Notice(Base):
    """A drafted notice to one recipient (a client, an office) or one audience (the people under a law)."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    audience: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(Text)
    """Who it is for, in words (a client's name, an office, 'Affected California residents')."""
    recipient_ref: Mapped[str | None] = mapped_column(String(100))
    """``client:<id>`` for a notice to a client; None for people and offices."""
    jurisdiction: Mapped[str] = mapped_column(String(20))
    data_set: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column()
    """Template context without any personal data (each person's details are merged in at send time)."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 over the content hashes of every variant: what counsel approves."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def deliveries_exist(cls):  # type: ignore[no-untyped-def]
        """SQL condition: at least one delivery row exists for the notice."""
        return exists().where(Delivery.notice_id == cls.id)


class NoticeVariant(Base):
    """The notice as it goes out on one channel, with the exact template sources it is rendered from."""

    __tablename__ = "notice_variants"
    __table_args__ = (UniqueConstraint("notice_id", "channel", name="one_variant_per_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    """The rendered draft as counsel reads it (for people: with a sample recipient)."""
    html: Mapped[str | None] = mapped_column(Text)
    template_name: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(64))
    """sha256 (12 hex) over the names and sources in ``templates``."""
    templates: Mapped[dict[str, Any]] = mapped_column()
    """Snapshot of every template file the variant is rendered from: name → source."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 over the template version, the channel and the notice's context."""


class NoticeObligation(Base):
    """Which obligations a notice discharges (each obligation is discharged by at most one notice)."""

    __tablename__ = "notice_obligations"

    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), primary_key=True, unique=True)


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
