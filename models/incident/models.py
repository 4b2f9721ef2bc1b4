"""The incident aggregate: facts, recorded events and law-enforcement holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breachclock.models.base import Base, utcnow
from breachclock.playbooks.clocks import Interval
from breachclock.playbooks.facts import IncidentFacts
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

STATES = (
    "detected",
    "triaged",
    "contained",
    "scoped",
    "assessed",
    "drafting",
    "awaiting_approval",
    "notifying",
    "notified",
    "closed",
    "law_enforcement_hold",
    "closed_no_notice",
)
_STATES_SQL = ", ".join(f"'{s}'" for s in STATES)


class Incident(Base):
    """A suspected or confirmed breach, from detection to the last filing.

    ``status`` is changed only by :mod:`models.incident.lifecycle`; ``version`` is an
    optimistic lock so two writers cannot both move the same incident.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATES_SQL})", name="status_valid"),
        CheckConstraint(
            f"held_from IS NULL OR held_from IN ({_STATES_SQL})", name="held_from_valid"
        ),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(30), default="detected")
    held_from: Mapped[str | None] = mapped_column(String(30))
    """The state a law-enforcement hold was entered from; release returns to it."""
    entity: Mapped[dict[str, Any]] = mapped_column()
    """The notifying entity: name, timezone, roles, sectors, contact."""
    discovered_at: Mapped[datetime] = mapped_column()
    """When the firm discovered (or was notified of) the breach; anchors most statutory clocks."""
    determined_at: Mapped[datetime | None] = mapped_column()
    """When the firm determined a breach occurred; anchors determination-based clocks (e.g. Texas)."""
    facts: Mapped[dict[str, Any]] = mapped_column()
    """The validated incident file (data elements, encryption, counts, risk, events), as evaluated."""
    playbook: Mapped[str | None] = mapped_column(String(64))
    source_sha256: Mapped[str] = mapped_column(String(64))
    """Hash of the incident file as submitted: proves what the record was built from."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    holds: Mapped[list[Hold]] = relationship(back_populates="incident", order_by="Hold.id")

    __mapper_args__ = {"version_id_col": version}


class Hold(Base):
    """A law-enforcement hold interval; clocks whose law allows it are tolled for its length."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    agency: Mapped[str] = mapped_column(String(300))
    """The law-enforcement agency that requested the delay (statutes require a documented request)."""
    reason: Mapped[str] = mapped_column(Text)
    incident: Mapped[Incident] = relationship(back_populates="holds")


class IncidentEvent(Base):
    """A fact that moves clocks (append-only): determination, materiality, notice sent, ransom paid..."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


def load_facts(incident: Incident) -> IncidentFacts:
    return IncidentFacts.model_validate(incident.facts)


def recorded_holds(incident: Incident) -> list[Interval]:
    return [Interval(h.started_at, h.ended_at, h.agency) for h in incident.holds]
