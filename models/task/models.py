"""Response-playbook tasks of an incident, and the evidence collected (append-only: what, by whom, when, its hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breachclock.models.base import Base, utcnow
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class PlaybookTask(Base):
    __tablename__ = "playbook_tasks"
    __table_args__ = (
        UniqueConstraint("incident_id", "key", name="one_task_per_key"),
        CheckConstraint("phase IN ('containment', 'investigation')", name="phase_valid"),
        CheckConstraint("status IN ('open', 'done')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text)
    phase: Mapped[str] = mapped_column(String(20))
    owner_role: Mapped[str] = mapped_column(String(60))
    evidence_expected: Mapped[list[Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="open")
    completed_by: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_tasks.id"))
    kind: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    """Where the item is kept (file path, ticket, evidence locker reference)."""
    sha256: Mapped[str | None] = mapped_column(String(64))
    """Hash of the file's bytes when collected: proves it was not altered later."""
    collected_by: Mapped[str] = mapped_column(String(200))
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
