"""Evidence items (append-only): what was collected, by whom, when, and its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


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
