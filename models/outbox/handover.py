"""What people do with deliveries: mail the prepared letters, file the prepared filings, settle what was in doubt."""

from __future__ import annotations

from datetime import datetime

from breachclock.models.audit import append_event
from breachclock.models.base import utcnow
from breachclock.models.incident.service import get_incident
from breachclock.models.notice.models import Notice
from breachclock.models.outbox.machine import move
from breachclock.models.outbox.models import Delivery
from breachclock.models.outbox.progress import settle
from breachclock.models.outbox.service import SendRefused
from sqlalchemy import select
from sqlalchemy.orm import Session


def _handover(session: Session, deliveries: list[Delivery], *, actor: str, receipt: str, at: datetime,
              action: str, during_hold: bool = False) -> int:
    if not receipt.strip():
        raise SendRefused("recording a hand-over needs the receipt (a portal confirmation, a certificate of mailing)")
    if at > utcnow():
        raise SendRefused("a hand-over cannot be recorded in the future")
    if deliveries:
        incident_id = session.get(Notice, deliveries[0].notice_id).incident_id  # type: ignore[union-attr]
        incident = get_incident(session, incident_id)
        held = incident.status == "law_enforcement_hold" or any(
            h.started_at <= at and (h.ended_at is None or at < h.ended_at) for h in incident.holds)
        if held and not during_hold:
            raise SendRefused(f"{at:%Y-%m-%d %H:%M}Z falls within a law-enforcement hold of {incident_id}: nothing "
                              "is to be mailed or filed then. If it was anyway, record it as it happened with "
                              "--during-hold (the record will say so)")
        earliest = max(d.prepared_at for d in deliveries if d.prepared_at is not None)
        if at < earliest:
            raise SendRefused(f"a hand-over at {at:%Y-%m-%d %H:%M}Z would come before the letter or filing existed "
                              f"({earliest:%Y-%m-%d %H:%M}Z)")
        if held:
            action += "_during_hold"
        for d in deliveries:
            move(session, d, "hand_over", incident_id=incident_id, reason=f"{action} by {actor}: {receipt}",
                 sent_at=at, confirmed_by=actor, receipt=receipt)
        append_event(session, incident_id=incident_id, actor=actor, action=action, reason=receipt,
                     details={"deliveries": [d.id for d in deliveries], "at": at.isoformat()}, at=utcnow())
        settle(session, get_incident(session, incident_id), actor=actor)
    return len(deliveries)


def record_filing(session: Session, delivery_id: int, *, actor: str, receipt: str, at: datetime | None = None,
                  during_hold: bool = False) -> int:
    """A person filed a prepared regulator, agency or media notice (portal, mail, press release)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != "filing":
        raise SendRefused(f"no filing delivery {delivery_id}")
    if delivery.status != "prepared":
        raise SendRefused(f"delivery {delivery_id} is {delivery.status}, not a prepared filing")
    return _handover(session, [delivery], actor=actor, receipt=receipt, at=at or utcnow(), action="filing_recorded",
                     during_hold=during_hold)


def record_mailing(session: Session, incident_id: str, *, actor: str, receipt: str, at: datetime | None = None,
                   during_hold: bool = False) -> int:
    """A person handed the incident's prepared letters to the mail (or the mail house mailed them)."""
    get_incident(session, incident_id)
    letters = list(session.scalars(select(Delivery).join(Notice, Notice.id == Delivery.notice_id).where(
        Notice.incident_id == incident_id, Delivery.channel == "postal", Delivery.status == "prepared")))
    if not letters:
        raise SendRefused(f"{incident_id} has no prepared letters to record as mailed")
    return _handover(session, letters, actor=actor, receipt=receipt, at=at or utcnow(), action="letters_mailed",
                     during_hold=during_hold)


def resolve_uncertain(session: Session, delivery_id: int, *, delivered: bool, actor: str, reason: str,
                      provider_message_id: str | None = None) -> Delivery:
    """A person settles a delivery the outbox could not: confirmed with the provider, or to be sent again."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise SendRefused(f"no delivery {delivery_id}")
    if delivery.status not in ("uncertain", "failed"):
        raise SendRefused(f"delivery {delivery_id} is {delivery.status}; only uncertain or failed ones are resolved")
    if not reason.strip():
        raise SendRefused("resolving a delivery needs a reason (what the provider's records show)")
    notice = session.get(Notice, delivery.notice_id)
    assert notice is not None
    why = f"resolved by {actor} from {delivery.status}: {reason}"
    if delivered:
        move(session, delivery, "confirm", incident_id=notice.incident_id, reason=why, sent_at=utcnow(),
             provider_message_id=provider_message_id or delivery.provider_message_id, confirmed_by=actor)
    else:
        move(session, delivery, "resend", incident_id=notice.incident_id, reason=why)
    return delivery
