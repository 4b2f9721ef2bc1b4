"""Affected people. Identifying details are sealed (encrypted) before they reach this table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breachclock.models.base import Base, utcnow
from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class AffectedPerson(Base):
    """A person whose data was exposed.

    ``sealed`` holds the encrypted identifying fields (name, contact details,
    address, identifiers); ``identity_key`` is a keyed hash used to merge the
    same person exported from two systems, unreadable without the key.
    Jurisdiction and exposed elements stay in clear: they drive the law.
    """

    __tablename__ = "affected_people"
    __table_args__ = (
        UniqueConstraint("incident_id", "data_set", "identity_key", name="one_person_per_data_set"),
        # Individual notices select the people of one data set and jurisdiction (or a country's) at a time.
        Index("ix_affected_people_incident_data_set_jurisdiction", "incident_id", "data_set", "jurisdiction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    data_set: Mapped[str] = mapped_column(String(64), default="entity")
    """The data set the person's record came from (whose data it is decides who notifies them)."""
    identity_key: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(20))
    """Residency (ISO 3166-2 / 3166-1 code) or ``unknown``."""
    elements: Mapped[list[Any]] = mapped_column()
    channels: Mapped[list[Any]] = mapped_column()
    """Channels this person can be reached by (email, sms, postal), derived at import."""
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    """The language the extract says the person reads (ISO 639-1: ``es``), or None: the letter of where they live.
    In clear like residency, since it chooses which approved letter they get (sealed by its own digest)."""
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonKey(Base):
    """Every identity key a person of a data set is known by (record id, name with each contact detail), so a
    later import recognises them by any of these, and one person is never notified twice."""

    __tablename__ = "person_keys"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    data_set: Mapped[str] = mapped_column(String(64), primary_key=True)
    identity_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("affected_people.id"), index=True)

