"""Notices (drafted per obligation) and their deliveries (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, exists
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Notice(Base):
    """A drafted notice discharging one obligation; counsel approves its content hash."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), unique=True)
    audience: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    """The rendered draft as counsel reads it (for individuals: the template with a sample recipient)."""
    template_name: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column()
    """Template context without any personal data (people are merged in at send time)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def deliveries_exist(cls):  # type: ignore[no-untyped-def]
        """SQL condition: at least one delivery row exists for the notice."""
        return exists().where(Delivery.notice_id == cls.id)


class Delivery(Base):
    """One message to one recipient over one channel: the exactly-once outbox.

    pending → sending → sent | failed. A row found in ``sending`` after a crash
    is reconciled with the provider, never blindly resent.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'uncertain')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("affected_people.id"))
    channel: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    """Template version + the recipient's fields → hash: the exact content sent, without storing it."""
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
