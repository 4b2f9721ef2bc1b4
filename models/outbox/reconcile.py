"""Settling deliveries an interruption left in doubt: ask the provider, else leave them for a person."""

from __future__ import annotations

from typing import Any

from breachclock.models.db import session_scope
from breachclock.models.notice.models import Notice
from breachclock.models.outbox.machine import move, record_receipt
from breachclock.models.outbox.messages import message_for
from breachclock.models.outbox.models import Delivery
from breachclock.notifications.channels import Channel, Lookup
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session


def reconcile(engine: Engine, incident_id: str, channels: dict[str, Channel]) -> int:
    """Settle deliveries an interruption left in doubt (``sending`` after a crash, ``uncertain``) by asking the
    provider: found there, it was sent; certainly not there, it goes back to be sent; otherwise it waits for a
    person (``breachclock notice uncertain``). Returns how many were settled."""
    settled = 0
    with session_scope(engine) as session:
        doubtful = session.scalars(select(Delivery).join(Notice, Notice.id == Delivery.notice_id).where(
            Notice.incident_id == incident_id, Delivery.status.in_(("sending", "uncertain")))).all()
        for delivery in doubtful:
            before = delivery.status
            lookup = _look_up(session, delivery, channels.get(delivery.channel))
            if lookup is not None and lookup.receipt is not None:
                record_receipt(session, delivery, lookup.receipt, incident_id=incident_id,
                               reason=f"reconciled from {before}: found at the provider ({lookup.receipt.provider})")
                settled += 1
            elif lookup is not None and lookup.certain:
                move(session, delivery, "resend", incident_id=incident_id,
                     reason=f"reconciled from {before}: the provider has no such message, so it is sent again")
                settled += 1
            elif before == "sending":
                move(session, delivery, "doubt", incident_id=incident_id,
                     reason="reconciled: the provider cannot say whether it accepted it; a person must check",
                     last_error="interrupted after claiming; the provider may have accepted it")
    return settled


def _look_up(session: Session, delivery: Delivery, channel: Channel | None) -> Lookup | None:
    find = getattr(channel, "find", None)
    if find is None:
        return None
    notice = session.get(Notice, delivery.notice_id)
    assert notice is not None
    message = message_for(session, delivery, notice)
    return find(message, delivery.created_at)


def doubtful(session: Session, incident_id: str) -> list[dict[str, Any]]:
    """The deliveries waiting for a person to settle (no personal data: ids, channels, errors)."""
    return [{"delivery": d.id, "notice": d.notice_id, "channel": d.channel, "attempts": d.attempts,
             "provider": d.provider, "provider_message_id": d.provider_message_id, "error": d.last_error,
             "queued_at": d.created_at}
            for d in session.scalars(select(Delivery).join(Notice, Notice.id == Delivery.notice_id).where(
                Notice.incident_id == incident_id, Delivery.status == "uncertain").order_by(Delivery.id))]
