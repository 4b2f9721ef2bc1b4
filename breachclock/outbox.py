"""The outbox: every notice that leaves breachclock leaves through :func:`send`, exactly once per recipient.

:func:`send` is the one way of sending (the flow's notification stage, ``breachclock notice send``, any
later page all call it). It enforces what the law and counsel require before anything goes out:

- nothing is sent while a law-enforcement hold is in effect, or after the incident is closed;
- only notices whose current content counsel approved, and whose stored bytes still hash to what was
  approved (:func:`breachclock.notices.verify_notice`), are sent; a mismatch refuses and is audited;
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

import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from breachclock import notices, recipients
from models import AffectedPerson, Delivery, Incident, Notice, NoticeObligation, Obligation, SendLease
from models.audit import append_event, lock_incident, record_delivery, verify_chain
from models.base import utcnow
from models.db import session_scope
from models.incident.models import load_facts
from models.incident.service import get_incident, record_event
from models.person.crypto import get_sealer
from notifications.channels import Channel, DeliveryError, Lookup, OutgoingMessage, Receipt
from playbooks.engine import UNKNOWN_RESIDENCY
from playbooks.facts import Event

# Order notices go out in: the data owner and regulators that must hear first, then people, then the rest.
SEND_ORDER = {"data_owner": 0, "regulator": 1, "individual": 2, "cra": 3, "media": 4}
CLOSED = ("closed", "closed_no_notice")
SEND_AHEAD_AUDIENCES = frozenset({"data_owner"})
_DONE = ("sent", "simulated")


class SendRefused(Exception):
    """Sending was refused by a guard; the message says which and what to do. Nothing was sent."""


# --- channels and people ------------------------------------------------------------------------


def channels_needed(session: Session, notice_ids: Iterable[str]) -> list[str]:
    """The channels the notices' approved variants use (live mode needs credentials just for those)."""
    ids = list(notice_ids)
    return sorted({c for nid in ids for c in notices.variants_of(session, nid)})


def _scope_sql(scope: recipients.PeopleScope, marker: str, incident_id: str) -> tuple[str, list[Any]]:
    """SQL condition on affected_people for a scope: data set and jurisdictions (index-friendly ranges)."""
    params: list[Any] = [incident_id, scope.data_set]
    conditions = []
    for code in scope.jurisdictions:
        conditions.append(f"jurisdiction = {marker}")
        params.append(code)
        if "-" not in code:  # a country also matches its subdivisions 'US-..', as an index range
            conditions.append(f"(jurisdiction >= {marker} AND jurisdiction < {marker})")
            params += [f"{code}-", f"{code}."]
    return (f"incident_id = {marker} AND data_set = {marker} AND ({' OR '.join(conditions)})", params)


def covered_people(session: Session, obligation: Obligation) -> Iterator[tuple[int, list[str], bytes]]:
    """(person id, channels, sealed fields) of every person a notice to people under ``obligation`` reaches."""
    scope = recipients.people_scope(obligation)
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    as_text = "" if conn.dialect.name == "sqlite" else "::text"
    where, params = _scope_sql(scope, m, obligation.incident_id)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"SELECT id, elements{as_text}, channels{as_text}, sealed FROM affected_people WHERE {where} "
                   "ORDER BY id", params)
    covered: dict[str, bool] = {}
    try:
        while batch := cursor.fetchmany(10_000):
            for pid, elements, channels, sealed in batch:
                if (ok := covered.get(elements)) is None:
                    ok = covered[elements] = scope.covers(frozenset(json.loads(elements)))
                if ok:
                    yield pid, json.loads(channels), bytes(sealed)
    finally:
        cursor.close()


def covered_count(session: Session, obligation: Obligation) -> int:
    """How many people a notice to people under ``obligation`` must reach (counted per distinct element set)."""
    scope = recipients.people_scope(obligation)
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    as_text = "" if conn.dialect.name == "sqlite" else "::text"
    where, params = _scope_sql(scope, m, obligation.incident_id)
    rows = conn.exec_driver_sql(f"SELECT elements{as_text}, count(*) FROM affected_people WHERE {where} "
                                f"GROUP BY elements{as_text}", tuple(params)).all()
    return sum(n for elements, n in rows if scope.covers(frozenset(json.loads(elements))))


# --- queueing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueReport:
    queued: int
    without_contact: int


_DELIVERY_COLUMNS = ("notice_id", "person_id", "recipient_ref", "channel", "idempotency_key", "content_hash",
                     "status", "attempts", "created_at")


def _key(notice_id: str, recipient: str) -> str:
    return hashlib.sha256(f"{notice_id}|{recipient}".encode()).hexdigest()[:40]


def queue(session: Session, incident: Incident, *, actor: str, notice_ids: Iterable[str], batch: int = 10_000
          ) -> QueueReport:
    """One delivery per notice and recipient, streamed in batches; idempotent (a key already queued is skipped).

    The channel of a person's delivery is the best one their current details allow among the notice's
    approved variants; a pending row whose person's details changed is moved to the new channel.
    """
    conn = session.connection()
    dialect = conn.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    # A raw executemany: a million deliveries through the ORM would cost minutes.
    sql = (f"INSERT INTO deliveries ({', '.join(_DELIVERY_COLUMNS)}) "
           f"VALUES ({', '.join([marker] * len(_DELIVERY_COLUMNS))}) ON CONFLICT (idempotency_key) DO NOTHING")
    to_db = Delivery.__table__.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    created = to_db(utcnow()) if to_db else utcnow()
    before = _delivery_count(session, incident.id)
    last_id = session.scalar(select(func.max(Delivery.id))) or 0
    rows: list[tuple[Any, ...]] = []
    without_contact = 0
    moved = 0

    def flush() -> None:
        if rows:
            conn.exec_driver_sql(sql, rows)
            rows.clear()

    for notice in session.scalars(select(Notice).where(Notice.id.in_(list(notice_ids))).order_by(Notice.id)):
        variants = notices.variants_of(session, notice.id)
        if notice.audience == "individual":
            pending = {pid: (did, ch) for did, pid, ch in session.execute(
                select(Delivery.id, Delivery.person_id, Delivery.channel).where(
                    Delivery.notice_id == notice.id, Delivery.status == "pending"))}
            unreachable = 0
            for obligation in notices.obligations_of(session, notice.id):
                for pid, person_channels, _sealed in covered_people(session, obligation):
                    channel = recipients.person_channel(person_channels, variants)
                    if channel is None:
                        unreachable += 1
                        continue
                    if pid in pending and pending[pid][1] != channel:
                        conn.execute(update(Delivery).where(Delivery.id == pending[pid][0],
                                                            Delivery.status == "pending").values(channel=channel))
                        moved += 1
                    rows.append((notice.id, pid, None, channel, _key(notice.id, f"person:{pid}"),
                                 variants[channel].content_hash, "pending", 0, created))
                    if len(rows) >= batch:
                        flush()
            without_contact += unreachable
            continue
        (channel,) = variants  # clients, offices: one variant, one recipient
        ref = notice.recipient_ref if notice.audience == "data_owner" else f"office:{notice.id}"
        rows.append((notice.id, None, ref, channel, _key(notice.id, ref or ""), variants[channel].content_hash,
                     "pending", 0, created))
    flush()
    queued = _delivery_count(session, incident.id) - before
    if queued or without_contact or moved:
        first, last = session.execute(select(func.min(Delivery.id), func.max(Delivery.id)).join(Notice).where(
            Notice.incident_id == incident.id, Delivery.id > last_id)).one()
        append_event(session, incident_id=incident.id, actor=actor, action="deliveries_queued",
                     reason="one delivery per notice and recipient",
                     details={"queued": queued, "without_contact": without_contact, "moved_channel": moved,
                              "notices": sorted(notice_ids), "id_ranges": [[first, last]] if queued else []})
    return QueueReport(queued, without_contact)


def _delivery_count(session: Session, incident_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Delivery).join(Notice)
                          .where(Notice.incident_id == incident_id)) or 0


# --- messages -----------------------------------------------------------------------------------


def _name(fields: dict[str, Any]) -> str | None:
    return fields.get("full_name") or " ".join(
        p for p in (fields.get("first_name"), fields.get("last_name")) if p) or None


def _address_block(fields: dict[str, Any]) -> str:
    address = fields.get("address") or []
    lines = [_name(fields) or "", *([address] if isinstance(address, str) else address),
             " ".join(p for p in (fields.get("city"), fields.get("state"), fields.get("postal_code")) if p),
             fields.get("country") or ""]
    return "\n".join(line for line in lines if line)


def message_for(session: Session, delivery: Delivery, notice: Notice) -> OutgoingMessage:
    """The exact message one delivery sends: the approved variant, rendered from its snapshot, for its recipient."""
    variant = notices.variants_of(session, notice.id)[delivery.channel]
    context = dict(notice.context)
    if delivery.person_id is not None:
        person = session.get(AffectedPerson, delivery.person_id)
        assert person is not None
        fields = get_sealer().unseal(person.sealed)
        context["recipient_name"] = _name(fields)
        context.update(notices.person_content(notice.jurisdiction, person.elements))
        to = {"email": fields.get("email"), "postal": _address_block(fields)}.get(delivery.channel)
    elif notice.audience == "data_owner":
        to = recipients.client_for(session, notice.recipient_ref).notice_contact
    else:
        to = notice.recipient
    rendered = notices.render_variant(variant, context)
    return OutgoingMessage(channel=delivery.channel, to=to or "", subject=rendered.subject, text=rendered.text,
                           html=rendered.html, idempotency_key=delivery.idempotency_key,
                           metadata={"notice_id": notice.id, "incident_id": notice.incident_id,
                                     "delivery_id": str(delivery.id)})


def message_hash(message: OutgoingMessage) -> str:
    """sha256 of exactly what went to the provider: recipient, subject, text and HTML."""
    parts = (message.channel, message.to, message.subject or "", message.text, message.html or "")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --- sending ------------------------------------------------------------------------------------


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
        parts += [f"{self.retry_later} to retry", f"{self.failed} failed",
                  f"{self.uncertain + self.reconciled} reconciled/uncertain"]
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
    query = select(Notice).where(Notice.incident_id == incident.id).order_by(Notice.id)
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
        if not notices.is_approved(session, notice):
            refusals.append(f"{notice.id}: counsel has not approved its current content")
            continue
        if notice.audience == "individual" and (first := _owed_first(session, notice)):
            refusals.append(f"{notice.id}: the law requires notice to {', '.join(first)} before the people are told: "
                            "send and record it first")
            continue
        if problems := notices.verify_notice(session, notice):
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
    from playbooks import catalog

    out = []
    for mine in notices.obligations_of(session, notice.id):
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
    for delivery_id, _ in sorted(rows, key=lambda r: (order[r[1]], r[0])):
        renew()
        with session_scope(engine) as session:
            claimed = session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                .values(status="sending", attempts=Delivery.attempts + 1)).rowcount
            if not claimed:
                continue
            delivery = session.get(Delivery, delivery_id)
            notice = session.get(Notice, delivery.notice_id)  # type: ignore[union-attr]
            message = message_for(session, delivery, notice)  # type: ignore[arg-type]
            delivery.content_hash = message_hash(message)  # type: ignore[union-attr]
        try:
            receipt = channels[message.channel].send(message)
        except DeliveryError as exc:
            with session_scope(engine) as session:
                delivery = session.get(Delivery, delivery_id)
                assert delivery is not None
                if delivery.status != "sending":
                    continue
                delivery.last_error = str(exc)
                if exc.maybe_delivered:
                    delivery.status = "uncertain"
                    report.uncertain += 1
                elif exc.retryable and delivery.attempts < max_attempts:
                    delivery.status = "pending"
                    report.retry_later += 1
                else:
                    delivery.status = "failed"
                    report.failed += 1
                record_delivery(session, incident_id, [delivery], actor="breachclock",
                                reason=f"{message.channel}: {exc.reason}")
            continue
        with session_scope(engine) as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            if delivery.status != "sending":  # settled meanwhile by a person: theirs stands, and is in the chain
                continue
            _record(delivery, receipt)
            record_delivery(session, incident_id, [delivery], actor="breachclock",
                            reason=f"{message.channel}: {receipt.status} by {receipt.provider}")
        setattr(report, delivery.status, getattr(report, delivery.status) + 1)


def _record(delivery: Delivery, receipt: Receipt) -> None:
    delivery.provider, delivery.provider_message_id = receipt.provider, receipt.provider_message_id
    if receipt.simulated:
        delivery.status, delivery.sent_at = "simulated", receipt.accepted_at
    elif receipt.handover:
        delivery.status, delivery.prepared_at = "prepared", receipt.accepted_at
    else:
        delivery.status, delivery.sent_at = "sent", receipt.accepted_at


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
                _record(delivery, lookup.receipt)
                reason = f"found at the provider ({lookup.receipt.provider}): it was accepted"
                settled += 1
            elif lookup is not None and lookup.certain:
                delivery.status = "pending"
                reason = "the provider has no such message: it was never accepted, so it is sent again"
                settled += 1
            else:
                delivery.status = "uncertain"
                delivery.last_error = "interrupted after claiming; the provider may have accepted it"
                reason = "the provider cannot say whether it accepted it: a person must check"
                if before == "uncertain":
                    continue  # still in doubt: nothing new to record
            record_delivery(session, incident_id, [delivery], actor="breachclock",
                            reason=f"reconciled from {before}: {reason}")
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


# --- obligations met ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where one obligation's notice stands."""

    total: int
    done: int
    prepared: int
    pending: int
    failed: int
    uncertain: int
    without_contact: int
    simulated: bool = False

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def progress(session: Session, obligation: Obligation, notice: Notice) -> Progress:
    """The deliveries of an obligation's notice against everyone it must reach."""
    statuses = dict(session.execute(select(Delivery.status, func.count()).where(
        Delivery.notice_id == notice.id).group_by(Delivery.status)).all())
    done = statuses.get("sent", 0) + statuses.get("simulated", 0)
    total = sum(statuses.values())
    missing = 0
    if notice.audience == "individual":
        need = covered_count(session, obligation)
        missing = max(need - total, 0)
        total = max(total, need)
    return Progress(total=total, done=done, prepared=statuses.get("prepared", 0),
                    pending=statuses.get("pending", 0) + statuses.get("sending", 0),
                    failed=statuses.get("failed", 0), uncertain=statuses.get("uncertain", 0),
                    without_contact=missing, simulated=bool(statuses.get("simulated")))


def settle(session: Session, incident: Incident, *, actor: str) -> int:
    """Mark obligations met once everyone their notice must reach has it (sent, mailed or filed).

    In an exercise a met obligation is marked ``simulated``, never met. An individual notice met records the
    ``individual_notice_sent`` event that clocks anchored to it run from.
    """
    met = 0
    exercise = bool(incident.facts.get("exercise"))
    for obligation, notice in session.execute(
        select(Obligation, Notice).join(NoticeObligation, NoticeObligation.obligation_id == Obligation.id)
        .join(Notice, Notice.id == NoticeObligation.notice_id)
        .where(Notice.incident_id == incident.id, Obligation.fulfilled_at.is_(None))).all():
        p = progress(session, obligation, notice)
        if not p.complete:
            continue
        at = session.scalar(select(func.max(Delivery.sent_at)).where(Delivery.notice_id == notice.id))
        assert at is not None
        obligation.fulfilled_at = at
        obligation.fulfillment = ("simulated" if exercise else
                                  "filed" if notice.audience in recipients.HANDOVER_AUDIENCES else "sent")
        met += 1
        append_event(session, incident_id=incident.id, actor=actor, action="obligation_fulfilled",
                     reason=f"{obligation.regime} {obligation.rule_key} {obligation.fulfillment}",
                     details={"obligation": obligation.id, "notice": notice.id, "at": at.isoformat(),
                              "how": obligation.fulfillment,
                              "late_seconds": (at - obligation.due).total_seconds()
                              if obligation.due and at > obligation.due else 0})
        if obligation.recipient_kind == "individual" and obligation.regime != UNKNOWN_RESIDENCY:
            facts = load_facts(incident)
            if facts.first_event("individual_notice_sent", obligation.regime) is None:
                record_event(session, incident, Event(type="individual_notice_sent", at=at, regime=obligation.regime),
                             actor=actor, reason=f"individual notices under {obligation.regime} delivered")
    return met


def reopen_incomplete(session: Session, incident: Incident, *, actor: str) -> int:
    """Reopen met individual-notice obligations that people imported since have not received (audited)."""
    reopened = 0
    for obligation, notice in session.execute(
        select(Obligation, Notice).join(NoticeObligation, NoticeObligation.obligation_id == Obligation.id)
        .join(Notice, Notice.id == NoticeObligation.notice_id)
        .where(Notice.incident_id == incident.id, Notice.audience == "individual",
               Obligation.fulfilled_at.is_not(None))).all():
        p = progress(session, obligation, notice)
        if p.complete:
            continue
        obligation.fulfilled_at, obligation.fulfillment = None, None
        reopened += 1
        append_event(session, incident_id=incident.id, actor=actor, action="obligation_reopened",
                     reason=f"{p.total - p.done} covered people have not received the notice (imported later)",
                     details={"obligation": obligation.id, "notice": notice.id})
    return reopened


# --- hand-overs and people's decisions ----------------------------------------------------------


def _handover(session: Session, deliveries: list[Delivery], *, actor: str, receipt: str, at: datetime,
              action: str) -> int:
    if not receipt.strip():
        raise SendRefused("recording a hand-over needs the receipt (a portal confirmation, a certificate of mailing)")
    if at > utcnow():
        raise SendRefused("a hand-over cannot be recorded in the future")
    for d in deliveries:
        d.status, d.sent_at, d.confirmed_by, d.receipt = "sent", at, actor, receipt
    if deliveries:
        incident_id = session.get(Notice, deliveries[0].notice_id).incident_id  # type: ignore[union-attr]
        session.flush()
        record_delivery(session, incident_id, deliveries, actor=actor, reason=f"{action}: {receipt}")
        append_event(session, incident_id=incident_id, actor=actor, action=action, reason=receipt,
                     details={"deliveries": [d.id for d in deliveries], "at": at.isoformat()}, at=utcnow())
        settle(session, get_incident(session, incident_id), actor=actor)
    return len(deliveries)


def record_filing(session: Session, delivery_id: int, *, actor: str, receipt: str, at: datetime | None = None) -> int:
    """A person filed a prepared regulator, agency or media notice (portal, mail, press release)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != "filing":
        raise SendRefused(f"no filing delivery {delivery_id}")
    if delivery.status != "prepared":
        raise SendRefused(f"delivery {delivery_id} is {delivery.status}, not a prepared filing")
    return _handover(session, [delivery], actor=actor, receipt=receipt, at=at or utcnow(), action="filing_recorded")


def record_mailing(session: Session, incident_id: str, *, actor: str, receipt: str, at: datetime | None = None) -> int:
    """A person handed the incident's prepared letters to the mail (or the mail house mailed them)."""
    get_incident(session, incident_id)
    letters = list(session.scalars(select(Delivery).join(Notice, Notice.id == Delivery.notice_id).where(
        Notice.incident_id == incident_id, Delivery.channel == "postal", Delivery.status == "prepared")))
    if not letters:
        raise SendRefused(f"{incident_id} has no prepared letters to record as mailed")
    return _handover(session, letters, actor=actor, receipt=receipt, at=at or utcnow(), action="letters_mailed")


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
    before = delivery.status
    if delivered:
        delivery.status, delivery.sent_at = "sent", utcnow()
        delivery.provider_message_id = provider_message_id or delivery.provider_message_id
    else:
        delivery.status = "pending"
    notice = session.get(Notice, delivery.notice_id)
    assert notice is not None
    session.flush()
    record_delivery(session, notice.incident_id, [delivery], actor=actor, reason=f"resolved from {before}: {reason}")
    return delivery


def obligation_state(session: Session, obligation: Obligation, now: datetime) -> dict[str, Any]:
    """Where one duty stands, for people and machines: met or not, in time or how late, delivery progress."""
    target = obligation.due or obligation.policy_due
    out: dict[str, Any] = {
        "id": obligation.id, "regime": obligation.regime, "rule": obligation.rule_key,
        "recipient": obligation.recipient, "recipient_kind": obligation.recipient_kind,
        "jurisdiction": obligation.jurisdiction, "data_set": obligation.data_set,
        "required": obligation.required, "due": obligation.due, "policy_due": obligation.policy_due,
        "deadline_is": "law" if obligation.due else "policy" if obligation.policy_due else None,
        "fulfilled_at": obligation.fulfilled_at, "fulfillment": obligation.fulfillment, "met": False,
        "on_time": None, "late_seconds": None, "progress": None, "counts": obligation.counts,
        "reason": obligation.reason, "citation": obligation.citation, "confidence": obligation.confidence,
    }
    if obligation.fulfilled_at is not None:
        out["met"] = obligation.fulfillment != "simulated"
        if target is not None:
            late = (obligation.fulfilled_at - target).total_seconds()
            out["on_time"], out["late_seconds"] = late <= 0, max(late, 0)
    elif target is not None and obligation.required:
        out["late_seconds"] = max((now - target).total_seconds(), 0) or None
    link = session.scalar(select(NoticeObligation.notice_id).where(NoticeObligation.obligation_id == obligation.id))
    if link is not None:
        notice = session.get(Notice, link)
        assert notice is not None
        p = progress(session, obligation, notice)
        out["notice"] = link
        out["progress"] = {"total": p.total, "done": p.done, "prepared": p.prepared, "pending": p.pending,
                           "failed": p.failed, "uncertain": p.uncertain, "without_contact": p.without_contact}
    return out
