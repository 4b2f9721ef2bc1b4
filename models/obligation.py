"""Obligations: who must be told, by when and why, per incident × regime × recipient."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Obligation(Base):
    """One decision of the rule engine, kept for every regime considered (required or not).

    The rule's citation and version are snapshotted when the row is created and
    refreshed only by a re-evaluation, which audits every difference.
    """

    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("incident_id", "regime", "rule_key", "jurisdiction", name="one_per_rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    regime: Mapped[str] = mapped_column(String(40))
    rule_key: Mapped[str] = mapped_column(String(60))
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(300))
    jurisdiction: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column()
    due: Mapped[datetime | None] = mapped_column()
    """The legal deadline in UTC; null when the law sets no fixed period."""
    due_date: Mapped[date | None] = mapped_column()
    due_text: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    clock_start: Mapped[dict[str, Any]] = mapped_column()
    threshold: Mapped[dict[str, Any] | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(Text)
    rule_version: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[str] = mapped_column(String(10))
    source_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column()
    """When the notice discharging this obligation was delivered."""
