"""Counsel's approvals of notices (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Approval(Base):
    """Counsel's decision on one notice's exact content (its hash at the time)."""

    __tablename__ = "approvals"
    __table_args__ = (CheckConstraint("decision IN ('approved', 'rejected')", name="decision_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))
    counsel: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
