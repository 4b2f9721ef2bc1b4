"""The outbox: every notice that leaves breachclock leaves through :func:`send`, exactly once per recipient.

:func:`send` is the one way of sending (the flow's notification stage, ``breachclock notice send``, any
later page all call it). It enforces what the law and counsel require before anything goes out:

- nothing is sent while a law-enforcement hold is in effect, or after the incident is closed;
- only notices whose current content counsel approved, and whose stored bytes still hash to what was
  approved (:func:`models.notice.drafting.verify_notice`), are sent; a mismatch refuses and is audited;
- before the incident reaches ``notifying`` only notices to clients may go ahead;
- a real incident is never "sent" through simulated (in-memory) channels, and an exercise never through
  real ones.

Delivery is claim → send → record: a row is marked ``sending`` and committed before the provider is
called, and recorded with the provider's receipt after. A row found in ``sending`` on the next run is
reconciled with the channel (a channel that can look a message up by idempotency key settles it);
otherwise it becomes ``uncertain`` and waits for a person, because resending blindly could notify someone
twice. There is one delivery per notice and recipient whatever the channel, so a person whose contact
details change between imports still gets the notice once: before sending, the row follows the new
details; after, nothing is sent again.

Letters and filings are hand-overs: writing them makes the delivery ``prepared``; it is ``sent`` when a
person records mailing the batch (:func:`record_mailing`) or making the filing (:func:`record_filing`),
with who, when and the receipt.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from breachclock.models.audit import append_event, lock_incident, verify_chain
from breachclock.models.base import utcnow
from breachclock.models.db import session_scope
from breachclock.models.incident.models import Incident
from breachclock.models.incident.service import get_incident
from breachclock.models.notice import recipients
from breachclock.models.notice.approval import is_approved
from breachclock.models.notice.drafting import obligations_of, variants_of, verify_notice
from breachclock.models.notice.grouping import withdrawn_notices
from breachclock.models.notice.models import Notice
from breachclock.models.notice.validation import LetterChecks
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.machine import claim, move, record_receipt
from breachclock.models.outbox.messages import message_for, message_hash
from breachclock.models.outbox.models import Delivery, SendLease
from breachclock.models.outbox.progress import settle
from breachclock.models.outbox.queue import queue
from breachclock.models.outbox.reconcile import doubtful, reconcile
from breachclock.models.person.models import AffectedPerson
from breachclock.notifications.channels import Channel, DeliveryError, OutgoingMessage
from breachclock.playbooks import catalog
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

# Order notices go out in: the data owner and regulators that must hear first, then people, then the rest.
SEND_ORDER = {"data_owner": 0, "regulator": 1, "individual": 2, "substitute": 2, "cra": 3, "media": 4}


CLOSED = ("closed", "closed_no_notice")


SEND_AHEAD_AUDIENCES = frozenset({"data_owner"})


class SendRefused(Exception):
    """Sending was refused by a guard; the message says which and what to do. Nothing was sent."""


def channels_needed(session: Session, notice_ids: Iterable[str]) -> list[str]:
    """The channels the notices' approved variants use (live mode needs credentials just for those)."""
    ids = list(notice_ids)
    return sorted({c for nid in ids for c in variants_of(session, nid)})


@dataclass
class SendReport:
    sent: int = 0
    prepared: int = 0
    simulated: int = 0
    failed: int = 0
    retry_later: int = 0
    uncertain: int = 0
    reconciled: int = 0
    without_contact: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        if self.simulated:
            parts.append(f"{self.simulated} simulated (an exercise: nothing left this machine)")
        if self.prepared:
            parts.append(f"{self.prepared} prepared for hand-over (letters to mail, filings to submit)")
        parts += [f"{self.retry_later} to retry", f"{self.failed} failed"]
        if self.reconciled:
            parts.append(f"{self.reconciled} settled with the provider after an interruption")
        if self.uncertain:
            parts.append(f"{self.uncertain} in doubt (a person must settle them: notice uncertain)")
        if self.without_contact:
            parts.append(f"{self.without_contact} people without usable contact details (substitute notice needed)")
        return ", ".join(parts) + "".join(f"; not sent: {r}" for r in self.refused)


def _check_channels(incident: Incident, channels: dict[str, Channel], needed: Iterable[str]) -> None:
    exercise = bool(incident.facts.get("exercise"))
    for name in needed:
        channel = channels.get(name)
        if channel is None:
            raise SendRefused(f"no {name} channel configured")
        simulated = bool(getattr(channel, "simulated", False))
        if simulated and not exercise:
            raise SendRefused(f"the {name} channel is simulated (BREACHCLOCK_CHANNEL_BACKEND=memory): it delivers "
                              f"nothing, so it cannot notify anyone in a real incident. Configure the live channels "
                              f"(BREACHCLOCK_CHANNEL_BACKEND=live), or open the incident as an exercise")
        if exercise and not simulated:
            raise SendRefused(f"{incident.id} is an exercise: it never sends through a real channel ({name})")


def _guard(session: Session, incident: Incident, notice_ids: list[str] | None, actor: str
           ) -> tuple[list[str], list[str]]:
    """The notices that may be sent now and why the others may not; SendRefused when nothing may be sent or a
    notice asked for by id may not."""
    state = incident.status
    if state == "law_enforcement_hold":
        hold = incident.holds[-1] if incident.holds else None
        raise SendRefused(f"{incident.id} is under a law-enforcement hold"
                          + (f" requested by {hold.agency}" if hold else "")
                          + ": nothing is sent until it is released (breachclock release)")
    if state in CLOSED:
        raise SendRefused(f"{incident.id} is {state}: nothing more is sent")
    chain = verify_chain(session, incident.id)
    if not chain.ok:
        raise SendRefused(f"{incident.id}: the record does not prove itself ({'; '.join(chain.problems[:3])}): "
                          "nothing is sent until a person has looked (breachclock audit verify)")
    query = select(Notice).where(Notice.incident_id == incident.id,
                                 Notice.id.not_in(withdrawn_notices(session, incident.id))).order_by(Notice.id)
    if notice_ids is not None:
        query = query.where(Notice.id.in_(notice_ids))
    candidates = list(session.scalars(query))
    if notice_ids is not None and (missing := sorted(set(notice_ids) - {n.id for n in candidates})):
        raise SendRefused(f"no notice {', '.join(missing)} in {incident.id}")
    allowed: list[str] = []
    refusals: list[str] = []
    for notice in candidates:
        if state != "notifying" and notice.audience not in SEND_AHEAD_AUDIENCES:
            refusals.append(f"{notice.id}: only notices to clients go out before the incident is notifying "
                            f"(it is {state})")
            continue
        if not any(o.required for o in obligations_of(session, notice.id)):
            refusals.append(f"{notice.id}: no longer owed (the facts changed)")
            continue
        if not is_approved(session, notice):
            refusals.append(f"{notice.id}: counsel has not approved its current content")
            continue
        if notice.audience in recipients.PEOPLE_AUDIENCES and (first := _owed_first(session, notice)):
            refusals.append(f"{notice.id}: the law requires notice to {', '.join(first)} before the people are told: "
                            "send and record it first")
            continue
        if problems := verify_notice(session, notice):
            append_event(session, incident_id=incident.id, actor=actor, action="send_refused",
                         reason="the notice's stored content no longer matches what counsel approved",
                         details={"notice": notice.id, "problems": problems})
            refusals.append(f"{notice.id}: its content no longer matches what counsel approved "
                            f"({'; '.join(problems)})")
            continue
        allowed.append(notice.id)
    if notice_ids is not None and refusals:
        raise SendRefused("; ".join(refusals))
    return allowed, refusals


def _owed_first(session: Session, notice: Notice) -> list[str]:
    """Open duties of the notice's laws that must be discharged before the people are told (Maryland's AG,
    New Jersey's State Police...)."""
    out = []
    for mine in obligations_of(session, notice.id):
        for o in session.scalars(select(Obligation).where(
                Obligation.incident_id == notice.incident_id, Obligation.regime == mine.regime,
                Obligation.data_set == mine.data_set, Obligation.required.is_(True),
                Obligation.recipient_kind != "individual", Obligation.fulfilled_at.is_(None))):
            found = catalog.rule_of(o.rule_version, o.rule_key)
            if found and any(c.start == "individual_notice" and c.relation == "before" for c in found[2].clocks):
                out.append(o.recipient)
    return out


LEASE_SECONDS = 60


@contextmanager
def sending_lease(engine: Engine, incident_id: str) -> Iterator[Callable[[], None]]:
    """Hold the incident's send lease (yields a function that renews it); SendRefused if a live sender holds it.

    A holder whose lease was not renewed for LEASE_SECONDS, or whose process on this host is gone (killed), is
    taken over."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    with session_scope(engine) as session:
        lock_incident(session, incident_id)
        lease = session.get(SendLease, incident_id)
        now = utcnow()
        if lease is not None and not _lease_dead(lease, now):
            raise SendRefused(f"another send of {incident_id} is running (process {lease.holder.split(':')[1]} on "
                              f"{lease.holder.split(':')[0]}, since {lease.acquired_at:%Y-%m-%d %H:%M:%SZ}): nothing "
                              "was sent by this one; run it again when that one has finished")
        if lease is None:
            session.add(SendLease(incident_id=incident_id, holder=holder, acquired_at=now, renewed_at=now))
        else:
            lease.holder, lease.acquired_at, lease.renewed_at = holder, now, now
    last = [utcnow()]

    def renew() -> None:
        if (utcnow() - last[0]).total_seconds() >= 5:
            with session_scope(engine) as s:
                s.execute(update(SendLease).where(SendLease.incident_id == incident_id, SendLease.holder == holder)
                          .values(renewed_at=utcnow()))
            last[0] = utcnow()

    try:
        yield renew
    finally:
        with session_scope(engine) as session:
            session.execute(delete(SendLease).where(SendLease.incident_id == incident_id,
                                                    SendLease.holder == holder))


def _lease_dead(lease: SendLease, now: datetime) -> bool:
    if (now - lease.renewed_at).total_seconds() > LEASE_SECONDS:
        return True
    host, pid, _ = (lease.holder.split(":") + ["", "", ""])[:3]
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


def send(engine: Engine, incident_id: str, channels: dict[str, Channel] | Callable[[list[str]], dict[str, Channel]],
         *, actor: str, notice_ids: Iterable[str] | None = None, max_attempts: int = 5) -> SendReport:
    """Send what may be sent for the incident (or just ``notice_ids``, which must all pass the guards).

    ``channels`` is the channel map, or a function building it for the channel names needed. Raises
    SendRefused (nothing sent) when a guard refuses.
    """
    wanted = list(notice_ids) if notice_ids is not None else None
    with session_scope(engine) as session:
        get_incident(session, incident_id)
    with sending_lease(engine, incident_id) as renew:
        with session_scope(engine) as session:
            incident = get_incident(session, incident_id)
            allowed, refusals = _guard(session, incident, wanted, actor)
            needed = channels_needed(session, allowed)
            built = channels(needed) if callable(channels) else channels
            _check_channels(incident, built, needed)
            queued = queue(session, incident, actor=actor, notice_ids=allowed)
        # Refusals of a full send are reported, not raised: the notices that may go out still do.
        report = SendReport(without_contact=queued.without_contact, refused=refusals)
        report.reconciled = reconcile(engine, incident_id, built)
        _send_pending(engine, incident_id, built, allowed, report, max_attempts, renew)
        with session_scope(engine) as session:
            settle(session, get_incident(session, incident_id), actor=actor)
            # The record, not this run's counter: doubts left by earlier runs are still doubts.
            report.uncertain = len(doubtful(session, incident_id))
    return report


def _send_pending(engine: Engine, incident_id: str, channels: dict[str, Channel], notice_ids: list[str],
                  report: SendReport, max_attempts: int, renew: Callable[[], None]) -> None:
    if not notice_ids:
        return
    with session_scope(engine) as session:
        order = {n.id: SEND_ORDER.get(n.audience, 9) for n in
                 session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
        rows = session.execute(select(Delivery.id, Delivery.notice_id).where(
            Delivery.notice_id.in_(notice_ids), Delivery.status == "pending")).all()
    checks: dict[str, LetterChecks] = {}
    for number, (delivery_id, _) in enumerate(sorted(rows, key=lambda r: (order[r[1]], r[0]))):
        renew()
        with session_scope(engine) as session:
            # A hold entered, or the incident closed, while sending stops it before the next message.
            state = session.scalar(select(Incident.status).where(Incident.id == incident_id))
            if state == "law_enforcement_hold" or state in CLOSED:
                report.refused.append(f"stopped after {number} of {len(rows)}: the incident is now {state}; the "
                                      "rest wait until it is released")
                return
            if not claim(session, delivery_id):
                continue
            delivery = session.get(Delivery, delivery_id)
            notice = session.get(Notice, delivery.notice_id)  # type: ignore[union-attr]
            message = message_for(session, delivery, notice)  # type: ignore[arg-type]
            delivery.content_hash = message_hash(message)  # type: ignore[union-attr]
            if (failed := _letter_fails(session, delivery, notice, message, checks)):  # type: ignore[arg-type]
                move(session, delivery, "fail", incident_id=incident_id,  # type: ignore[arg-type]
                     reason=f"{message.channel}: this person's letter fails {failed}",
                     last_error=f"content check failed: {failed}")
                report.failed += 1
                continue
        try:
            receipt = channels[message.channel].send(message)
        except DeliveryError as exc:
            with session_scope(engine) as session:
                delivery = session.get(Delivery, delivery_id)
                assert delivery is not None
                if delivery.status != "sending":
                    continue
                if exc.maybe_delivered:
                    event, counter = "doubt", "uncertain"
                elif exc.retryable and delivery.attempts < max_attempts:
                    event, counter = "retry", "retry_later"
                else:
                    event, counter = "fail", "failed"
                move(session, delivery, event, incident_id=incident_id, reason=f"{message.channel}: {exc.reason}",
                     last_error=str(exc))
                setattr(report, counter, getattr(report, counter) + 1)
            continue
        with session_scope(engine) as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            if delivery.status != "sending":  # settled meanwhile by a person: theirs stands, and is in the chain
                continue
            record_receipt(session, delivery, receipt, incident_id=incident_id,
                           reason=f"{message.channel}: {receipt.status} by {receipt.provider}")
        setattr(report, delivery.status, getattr(report, delivery.status) + 1)


def _letter_fails(session: Session, delivery: Delivery, notice: Notice, message: OutgoingMessage,
                  checks: dict[str, LetterChecks]) -> str | None:
    """The content rules a person's own letter fails, named with their citations (None: it may go out)."""
    if delivery.person_id is None:
        return None
    person = session.get(AffectedPerson, delivery.person_id)
    assert person is not None
    checker = checks.get(notice.id) or checks.setdefault(notice.id, LetterChecks(session, notice))
    text = "\n".join(filter(None, [message.subject, message.text]))
    failed = checker.failures(message.channel, frozenset(person.elements), text)
    return "; ".join(f"{f.regime} {f.rule} ({f.citation}): {f.detail}" for f in failed) or None


def live_channels(names: list[str]) -> dict[str, Channel]:
    """The configured channels for ``names`` (the backend the settings choose); SendRefused names what is missing."""
    from breachclock.notifications.config import ChannelConfigurationError, NotificationSettings, build_channels

    try:
        return build_channels(NotificationSettings(), channels=names)
    except ChannelConfigurationError as exc:
        raise SendRefused(str(exc)) from None

