"""Counsel's sign-off of an incident's risk assessment (append-only)."""

from __future__ import annotations

from datetime import datetime

from breachclock.models.base import Base, utcnow
from breachclock.playbooks.risk import SignOff
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column


class RiskSignoff(Base):
    """Counsel signed off the incident's risk assessment as it stood: its digest binds the sign-off to that content,
    so an assessment changed afterwards is no longer signed off. The latest row counts; none is ever edited."""

    __tablename__ = "risk_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    assessment_sha256: Mapped[str] = mapped_column(String(64))
    """sha256 of the incident file's ``risk`` as counsel read it (:func:`playbooks.risk.assessment_digest`)."""
    counsel: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


def latest_signoff(session: Session, incident_id: str) -> SignOff | None:
    """Counsel's latest sign-off of the incident's risk assessment, whatever assessment it was of."""
    row = session.scalars(select(RiskSignoff).where(RiskSignoff.incident_id == incident_id)
                          .order_by(RiskSignoff.id.desc()).limit(1)).first()
    return None if row is None else SignOff(row.counsel, row.signed_at, row.assessment_sha256)
