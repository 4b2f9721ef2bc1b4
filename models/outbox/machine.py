"""A delivery's lifecycle: the only place a delivery's status changes, and every change goes into the chain.

::

    pending ──claim──▶ sending ──accept──▶ sent
       ▲                 │ ├──prepare──▶ prepared ──hand_over──▶ sent      (a letter mailed, a filing filed)
       │                 │ ├──simulate─▶ simulated                          (an exercise)
       │                 │ ├──fail─────▶ failed ───confirm──▶ sent          (a person saw it delivered)
       └──retry / resend─┤ └──doubt────▶ uncertain ─confirm / accept / await_hand_over / simulate (found)
                         └───────────────────────────── resend ◀── uncertain, failed (certainly never accepted)

Claiming (pending → sending) is one compare-and-set UPDATE, so two senders can never both claim a row. Every
other move goes through :class:`DeliveryLifecycle`; the moves of a transaction are written to the incident's
chain as one ``delivery_recorded`` event when it commits (see :func:`breachclock.models.audit.chain.note_delivery`).
"""

from __future__ import annotations

from typing import Any

from breachclock.models.audit import note_delivery
from breachclock.models.outbox.models import Delivery
from breachclock.notifications.channels import Receipt
from sqlalchemy import update
from sqlalchemy.orm import Session
from statemachine import State, StateMachine


class IllegalDeliveryMove(Exception):
    """A move the delivery's status does not allow (the message names both)."""


class DeliveryLifecycle(StateMachine):
    pending = State(initial=True, value="pending")
    sending = State(value="sending")
    sent = State(final=True, value="sent")
    prepared = State(value="prepared")
    simulated = State(final=True, value="simulated")
    failed = State(value="failed")
    uncertain = State(value="uncertain")

    claim = pending.to(sending)  # run as one compare-and-set UPDATE by claim() below
    accept = sending.to(sent) | uncertain.to(sent)
    await_hand_over = sending.to(prepared) | uncertain.to(prepared)
    simulate = sending.to(simulated) | uncertain.to(simulated)
    fail = sending.to(failed)
    retry = sending.to(pending)
    doubt = sending.to(uncertain)
    hand_over = prepared.to(sent)
    confirm = uncertain.to(sent) | failed.to(sent)
    resend = uncertain.to(pending) | failed.to(pending) | sending.to(pending)

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(model=delivery, state_field="status")


def claim(session: Session, delivery_id: int) -> bool:
    """pending → sending, atomically; False when another sender (or a person) got there first."""
    claimed = session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                              .values(status="sending", attempts=Delivery.attempts + 1)).rowcount
    return bool(claimed)


def move(session: Session, delivery: Delivery, event: str, *, incident_id: str, reason: str, **fields: Any) -> None:
    """Move a delivery by ``event`` and set ``fields`` (provider ids, times, receipt); recorded in the chain."""
    machine = DeliveryLifecycle(delivery)
    allowed = [e.id for e in machine.allowed_events]
    if event not in allowed:
        raise IllegalDeliveryMove(f"delivery {delivery.id} is {delivery.status}: cannot {event} "
                                  f"(allowed: {', '.join(allowed) or 'none'})")
    machine.send(event)
    for name, value in fields.items():
        setattr(delivery, name, value)
    note_delivery(session, incident_id, delivery, reason)


def record_receipt(session: Session, delivery: Delivery, receipt: Receipt, *, incident_id: str, reason: str) -> None:
    """What the provider's receipt says happened: accepted, prepared for a person to hand over, or simulated."""
    event = "simulate" if receipt.simulated else "await_hand_over" if receipt.handover else "accept"
    when = {"prepared_at" if event == "await_hand_over" else "sent_at": receipt.accepted_at}
    move(session, delivery, event, incident_id=incident_id, reason=reason, provider=receipt.provider,
         provider_message_id=receipt.provider_message_id, **when)
