"""Clients and matters, and the contractual notice terms they carry."""

from __future__ import annotations

from datetime import datetime

from breachclock.models.base import Base, utcnow
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column


class Client(Base):
    """A client whose data the firm holds, with the notice terms of its contract."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("notice_hours > 0", name="notice_hours_positive"),
        CheckConstraint("firm_role IN ('service_provider', 'data_owner')", name="firm_role_valid"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Short stable identifier used in incident files (e.g. ``acme-corp``)."""
    name: Mapped[str] = mapped_column(String(200))
    firm_role: Mapped[str] = mapped_column(String(20), default="service_provider")
    """``service_provider`` when the firm holds the client's data on its behalf: the contract
    clock to notify the client applies. ``data_owner`` when the firm owns the data itself."""
    notice_hours: Mapped[int] = mapped_column(default=24)
    """Hours from discovery within which the contract requires the firm to notify the client."""
    notice_contact: Mapped[str] = mapped_column(String(300))
    """Where the contractual notice goes (the client's designated security or legal contact)."""
    notice_channel: Mapped[str] = mapped_column(String(20), default="email")
    notice_attention: Mapped[str | None] = mapped_column(String(200))
    """Who notices are addressed to at the client (e.g. 'General Counsel'); default: the client's name."""
    contract_reference: Mapped[str | None] = mapped_column(String(300))
    """Clause of the engagement letter or DPA that sets the terms (cited in the obligation)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Matter(Base):
    """A client matter; may override the client's notice hours."""

    __tablename__ = "matters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))
    name: Mapped[str] = mapped_column(String(200))
    notice_hours: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
