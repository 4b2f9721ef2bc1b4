"""Notices, their channel variants, the obligations they discharge, and counsel's approvals.

A notice is drafted for one recipient or audience and discharges one or more obligations (a client's
notice under several state laws is one notice). It has one *variant* per channel it will go out on
(postal letter, e-mail, SMS, a filing), each rendered from a snapshot of the template files taken when it
was drafted, so what is sent is exactly what counsel approved, whatever happens to the files later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breachclock.models.base import Base, utcnow
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class Notice(Base):
    """A drafted notice to one recipient (a client, an office) or one audience (the people under a law)."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    audience: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(Text)
    """Who it is for, in words (a client's name, an office, 'Affected California residents')."""
    recipient_ref: Mapped[str | None] = mapped_column(String(100))
    """``client:<id>`` for a notice to a client; None for people and offices."""
    jurisdiction: Mapped[str] = mapped_column(String(20))
    data_set: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column()
    """Template context without any personal data (each person's details are merged in at send time)."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 over the content hashes of every variant: what counsel approves."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



class NoticeVariant(Base):
    """The notice as it goes out on one channel, with the exact template sources it is rendered from."""

    __tablename__ = "notice_variants"
    __table_args__ = (UniqueConstraint("notice_id", "channel", name="one_variant_per_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    """The rendered draft as counsel reads it (for people: with a sample recipient)."""
    html: Mapped[str | None] = mapped_column(Text)
    template_name: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(64))
    """sha256 (12 hex) over the names and sources in ``templates``."""
    templates: Mapped[dict[str, Any]] = mapped_column()
    """Snapshot of every template file the variant is rendered from: name → source."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 over the template version, the channel and the notice's context."""


class NoticeObligation(Base):
    """Which obligations a notice discharges. A duty to people may be discharged by several notices, each person
    receiving exactly one of them (see :mod:`models.notice.grouping`); any other duty by one."""

    __tablename__ = "notice_obligations"

    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), primary_key=True)


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
