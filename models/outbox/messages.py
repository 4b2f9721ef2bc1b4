"""The exact message one delivery sends: the approved variant rendered from its snapshot for its recipient."""

from __future__ import annotations

import hashlib
from typing import Any

from breachclock.models.notice import recipients
from breachclock.models.notice.content import person_content
from breachclock.models.notice.drafting import render_variant, variants_of
from breachclock.models.notice.models import Notice
from breachclock.models.outbox.models import Delivery
from breachclock.models.person.crypto import get_sealer
from breachclock.models.person.models import AffectedPerson
from breachclock.notifications.channels import OutgoingMessage
from sqlalchemy.orm import Session


def _name(fields: dict[str, Any]) -> str | None:
    return fields.get("full_name") or " ".join(
        p for p in (fields.get("first_name"), fields.get("last_name")) if p) or None


def address_block(fields: dict[str, Any], jurisdiction: str | None = None) -> str:
    """The letter's address. A US or Canadian row that gave only a ZIP or postal code gets the state or province
    its residency was derived from (a US letter without a state is not mailable)."""
    address = fields.get("address") or []
    state = fields.get("state")
    if not state and jurisdiction and jurisdiction[:3] in ("US-", "CA-"):
        state = jurisdiction[3:]
    lines = [_name(fields) or "", *([address] if isinstance(address, str) else address),
             " ".join(p for p in (fields.get("city"), state, fields.get("postal_code")) if p),
             fields.get("country") or ""]
    return "\n".join(line for line in lines if line)


def e164(phone: str | None, jurisdiction: str | None = None) -> str | None:
    """A phone number as Twilio takes it: ``+`` and digits; a 10-digit number of someone in the US or Canada gets
    +1. None when it cannot be written so (no text is sent to a guess)."""
    if not phone:
        return None
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+") and 8 <= len(digits) <= 15:
        return f"+{digits}"
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10 and (jurisdiction or "US")[:2] in ("US", "CA"):
        return f"+1{digits}"
    return None


def message_for(session: Session, delivery: Delivery, notice: Notice) -> OutgoingMessage:
    """The exact message one delivery sends: the approved variant, rendered from its snapshot, for its recipient."""
    variant = variants_of(session, notice.id)[delivery.channel]
    context = dict(notice.context)
    if delivery.person_id is not None:
        person = session.get(AffectedPerson, delivery.person_id)
        assert person is not None
        fields = get_sealer().unseal(person.sealed)
        context["recipient_name"] = _name(fields)
        context.update(person_content(notice.jurisdiction, person.elements, notice.context.get("translation")))
        to = {"email": fields.get("email"), "postal": address_block(fields, person.jurisdiction),
              "sms": e164(fields.get("phone"), person.jurisdiction)}.get(delivery.channel)
    elif notice.audience == "data_owner":
        to = recipients.client_for(session, notice.recipient_ref).notice_contact
    else:
        to = notice.recipient
    rendered = render_variant(variant, context)
    return OutgoingMessage(channel=delivery.channel, to=to or "", subject=rendered.subject, text=rendered.text,
                           html=rendered.html, idempotency_key=delivery.idempotency_key,
                           metadata={"notice_id": notice.id, "incident_id": notice.incident_id,
                                     "delivery_id": str(delivery.id)})


def message_hash(message: OutgoingMessage) -> str:
    """sha256 of exactly what went to the provider: recipient, subject, text and HTML."""
    parts = (message.channel, message.to, message.subject or "", message.text, message.html or "")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
