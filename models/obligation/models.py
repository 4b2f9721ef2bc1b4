"""Obligations: who must be told, by when and why, per incident × regime × rule × jurisdiction × data set."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from breachclock.models.base import Base, utcnow
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class Obligation(Base):
    """One decision of the rule engine, kept for every regime considered (required or not).

    The rule's citation and version are snapshotted when the row is created and
    refreshed only by a re-evaluation, which audits every difference.
    """

    __tablename__ = "obligations"
    __table_args__ = (
        UniqueConstraint("incident_id", "regime", "rule_key", "jurisdiction", "data_set", name="one_per_rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    regime: Mapped[str] = mapped_column(String(40))
    rule_key: Mapped[str] = mapped_column(String(60))
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(300))
    recipient_ref: Mapped[str | None] = mapped_column(String(100))
    """``client:<id>``: the client a data-owner notice goes to (the owner of the data set)."""
    jurisdiction: Mapped[str] = mapped_column(String(20))
    data_set: Mapped[str] = mapped_column(String(64), default="entity")
    """The data set the duty arises from (``entity`` when the incident declares none)."""
    required: Mapped[bool | None] = mapped_column()
    """True owed, False not owed (see ``reason``), None unknown: counsel must decide."""
    due: Mapped[datetime | None] = mapped_column()
    """The legal deadline in UTC; null when the law sets no fixed period."""
    due_date: Mapped[date | None] = mapped_column()
    due_text: Mapped[str] = mapped_column(Text)
    policy_due: Mapped[datetime | None] = mapped_column()
    """The firm's own target where the law sets no fixed period (policy, never law)."""
    timezone: Mapped[str] = mapped_column(String(64))
    clock_start: Mapped[dict[str, Any]] = mapped_column()
    threshold: Mapped[dict[str, Any] | None] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Covered people per jurisdiction this duty concerns (what a notice under it states)."""
    reason: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(Text)
    rule_version: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[str] = mapped_column(String(10))
    source_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column()
    """When the duty was discharged: the last delivery sent, the filing made, the record written."""
    fulfillment: Mapped[str | None] = mapped_column(String(20))
    """How: ``delivered``, ``filed``, ``documented``; ``simulated`` in an exercise (never met)."""


class ObligationDecision(Base):
    """Counsel's decision on a duty the rules could not settle (``required`` None), append-only."""

    __tablename__ = "obligation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    regime: Mapped[str] = mapped_column(String(40))
    rule_key: Mapped[str] = mapped_column(String(60))
    jurisdiction: Mapped[str] = mapped_column(String(20))
    data_set: Mapped[str] = mapped_column(String(64))
    required: Mapped[bool] = mapped_column()
    counsel: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
