"""Notices: drafting per obligation, counsel's approval, and exactly-once delivery through the outbox.

Drafts are rendered without personal data (individual notices use a sample
recipient line); counsel approves the draft's content hash. At send time each
recipient's message is rendered from the same template version and context
plus that person's fields, and the delivery row keeps the hash of exactly
that content, so no million rendered letters are stored.

Delivery is claim → send → record: a row is marked ``sending`` and committed
before the provider is called, and ``sent`` with the provider's id after. A
row found in ``sending`` on the next run is reconciled with the channel (a
channel that can look a message up by idempotency key settles it); otherwise
it becomes ``uncertain`` and waits for a person, because resending blindly
could notify someone twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from breachclock.crypto import get_sealer
from breachclock.incidents import load_facts, new_id, record_event
from models import AffectedPerson, Approval, Client, Delivery, Incident, Notice, Obligation
from models.audit import append_event
from models.base import utcnow
from models.db import session_scope
from notifications.channels import Channel, DeliveryError, OutgoingMessage
from notifications.templates import canonical_json, render_notice
from playbooks import catalog
from playbooks.facts import IncidentFacts, jurisdiction_name

# Order notices go out in: the data owner and regulators that must hear first, then people, then the rest.
SEND_ORDER = {"data_owner": 0, "regulator": 1, "individual": 2, "cra": 3, "media": 4}
SAMPLE_RECIPIENT = "[Recipient name]"
CRA_CONTACTS = [
    {"name": "Equifax", "phone": "1-800-685-1111", "url": "https://www.equifax.com/personal/credit-report-services/"},
    {"name": "Experian", "phone": "1-888-397-3742", "url": "https://www.experian.com/help/"},
    {"name": "TransUnion", "phone": "1-888-909-8872", "url": "https://www.transunion.com/credit-help"},
]
_GUIDANCE = {
    "ssn": "Place a free fraud alert or security freeze with the three nationwide credit reporting agencies.",
    "tax_id": "Consider requesting an IRS Identity Protection PIN at irs.gov/ippin.",
    "financial_account": "Review your account statements and tell your bank about any transaction you do not "
    "recognise.",
    "payment_card": "Review your card statements and ask your card issuer for a new card number if in doubt.",
    "password": "Change the password of the affected account and of any account where you used the same password.",
    "medical": "Review the explanation-of-benefits statements from your health insurer for services you did not "
    "receive.",
    "health_insurance": "Review the explanation-of-benefits statements from your health insurer.",
    "drivers_license": "Contact your state motor vehicle agency if you suspect your licence number is misused.",
}
_GENERAL_STEPS = [
    "Remain vigilant: review account statements and free credit reports (annualcreditreport.com).",
    "Report suspected identity theft to the Federal Trade Commission at IdentityTheft.gov or 1-877-438-4338.",
]


class NoticeError(ValueError):
    pass


def _template_channel(audience: str, delivery_channel: str) -> str:
    # Media notices are press statements: drafted from the email template, handed over as a document.
    return "email" if audience == "media" else delivery_channel


def _draft_channel(obligation: Obligation, clients: dict[str, Client]) -> str:
    if obligation.regime.startswith("CONTRACT:"):
        return clients[obligation.regime.split(":", 1)[1]].notice_channel
    if obligation.recipient_kind == "data_owner":
        return "email" if any(c.firm_role == "service_provider" for c in clients.values()) else "postal"
    return "postal"


def notice_context(incident: Incident, obligation: Obligation, facts: IncidentFacts | None = None) -> dict[str, Any]:
    """Everything a template needs, without any affected person's data."""
    facts = facts or load_facts(incident)
    vocabulary = catalog.data_elements()
    tz = facts.entity.timezone
    steps = [_GUIDANCE[e] for e in facts.data_elements if e in _GUIDANCE] + _GENERAL_STEPS
    period = None
    if facts.breach_started_at:
        end = facts.breach_ended_at.date().isoformat() if facts.breach_ended_at else "an undetermined date"
        period = f"{facts.breach_started_at.date().isoformat()} to {end}"
    count = obligation.threshold.get("count") if obligation.threshold else None
    if count is None and obligation.jurisdiction in facts.affected:
        count = facts.affected[obligation.jurisdiction]
    return {
        "entity_name": facts.entity.name,
        "entity_contact": facts.entity.contact or facts.entity.name,
        "incident_title": facts.title,
        "incident_summary": facts.summary or facts.title,
        "discovered_at": facts.discovered_at.astimezone(ZoneInfo(tz)).date().isoformat(),
        "breach_period": period,
        "data_elements": [vocabulary[e].rstrip(".") for e in facts.data_elements],
        "measures_taken": facts.measures_taken,
        "steps_for_individuals": steps,
        "law_enforcement_delayed": bool(incident.holds),
        # Drafts for people carry a placeholder: each person's name is merged in at send time.
        "recipient_name": SAMPLE_RECIPIENT if obligation.recipient_kind == "individual" else obligation.recipient,
        "recipient_office": obligation.recipient,
        "regime_citation": obligation.citation,
        "residents_count": count,
        "jurisdiction": obligation.jurisdiction,
        "jurisdiction_name": jurisdiction_name(obligation.jurisdiction) or obligation.jurisdiction,
        "notice_date": utcnow().astimezone(ZoneInfo(tz)).date().isoformat(),
        "credit_monitoring_offer": None,
        "cra_contacts": CRA_CONTACTS if {"ssn", "drivers_license", "tax_id"} & set(facts.data_elements) else [],
        "contract_reference": obligation.citation if obligation.regime.startswith("CONTRACT:") else None,
    }


def draft_notices(session: Session, incident: Incident, *, actor: str, contracts_only: bool = False) -> list[Notice]:
    """One notice per required obligation that calls for telling someone (records need none). Idempotent.

    ``contracts_only`` drafts just the notices owed to clients under their contracts: they run on the
    shortest clock (24 hours from discovery) and depend on nothing but the discovery, so they are drafted at
    triage and can be approved and sent ahead of the rest (:func:`send_now`).
    """
    clients = {c.id: c for c in session.scalars(select(Client))}
    facts = load_facts(incident)
    drafted = []
    query = select(Obligation).where(Obligation.incident_id == incident.id, Obligation.required.is_(True),
                                     Obligation.recipient_kind != "record").order_by(Obligation.id)
    if contracts_only:
        query = query.where(Obligation.regime.like("CONTRACT:%"))
    obligations = session.scalars(query)
    for obligation in obligations:
        if session.scalar(select(Notice.id).where(Notice.obligation_id == obligation.id)) is not None:
            continue
        channel = _draft_channel(obligation, clients)
        context = notice_context(incident, obligation, facts)
        audience = obligation.recipient_kind
        rendered = render_notice(audience, _template_channel(audience, channel), obligation.jurisdiction, context)
        notice = Notice(id=new_id("NTC"), incident_id=incident.id, obligation_id=obligation.id, audience=audience,
                        channel=channel, subject=rendered.subject or obligation.recipient, body=rendered.text,
                        template_name=rendered.template_name, template_version=rendered.template_version,
                        content_hash=rendered.content_hash, context=context)
        session.add(notice)
        session.flush()
        append_event(session, incident_id=incident.id, actor=actor, action="notice_drafted",
                     reason=f"draft for {obligation.regime} {obligation.rule_key}",
                     details={"notice": notice.id, "content_hash": notice.content_hash,
                              "template": rendered.template_name})
        drafted.append(notice)
    return drafted


def decide(session: Session, notice_id: str, *, counsel: str, approve: bool, comment: str | None = None) -> Approval:
    """Counsel's decision on a notice's current content (append-only; the latest decision on a hash stands)."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeError(f"no notice {notice_id!r}")
    if not counsel.strip():
        raise NoticeError("an approval needs the approving counsel's name")
    if not approve and not (comment or "").strip():
        raise NoticeError("a rejection needs a comment saying what must change")
    approval = Approval(notice_id=notice.id, content_hash=notice.content_hash,
                        decision="approved" if approve else "rejected", counsel=counsel, comment=comment)
    session.add(approval)
    session.flush()
    append_event(session, incident_id=notice.incident_id, actor=counsel,
                 action="notice_approved" if approve else "notice_rejected", reason=comment or "approved",
                 details={"notice": notice.id, "content_hash": notice.content_hash})
    return approval


# --- deliveries ------------------------------------------------------------------------------


def _person_channel(person_channels: list[str]) -> str | None:
    """Written notice by mail is the method every statute accepts; email where the person has it and mail is out."""
    if "postal" in person_channels:
        return "postal"
    if "email" in person_channels:
        return "email"
    return None


def _covered_people(session: Session, obligation: Obligation) -> Iterator[tuple[int, str | None, bytes]]:
    """The people an individual notice goes to, with the channel to reach each (None: no contact details).

    Residency is filtered in SQL; the coverage test (this regime's definition of personal information against
    the person's own exposed elements) and the channel choice are computed once per distinct stored value.
    Rows are read with a plain DBAPI cursor: at a million people, result processing would dominate.
    """
    regime_id, _, version_id = obligation.rule_version.partition("@")
    regime = catalog.regimes()[regime_id]
    version = next(v for v in regime.versions if v.version == version_id)
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    as_text = "" if conn.dialect.name == "sqlite" else "::text"
    params: list[Any] = [obligation.incident_id]
    if obligation.jurisdiction != regime.jurisdiction:  # a per-jurisdiction duty
        where = f"jurisdiction = {m}"
        params.append(obligation.jurisdiction)
    else:
        # 'US-CA' matches itself; a country 'US' also matches its subdivisions 'US-..', as an index range.
        conditions = []
        for code in version.applies_to.residents_of:
            conditions.append(f"jurisdiction = {m}")
            params.append(code)
            if "-" not in code:
                conditions.append(f"(jurisdiction >= {m} AND jurisdiction < {m})")
                params += [f"{code}-", f"{code}."]
        where = " OR ".join(conditions)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"SELECT id, elements{as_text}, channels{as_text}, sealed FROM affected_people "
                   f"WHERE incident_id = {m} AND ({where}) ORDER BY id", params)
    covered: dict[str, bool] = {}
    reach: dict[str, str | None] = {}
    covers = version.personal_information.covers
    try:
        while batch := cursor.fetchmany(10_000):
            for pid, elements, channels, sealed in batch:
                if (ok := covered.get(elements)) is None:
                    ok = covered[elements] = covers(frozenset(json.loads(elements)))
                if not ok:
                    continue
                if (channel := reach.get(channels, "?")) == "?":
                    channel = reach[channels] = _person_channel(json.loads(channels))
                yield pid, channel, bytes(sealed)
    finally:
        cursor.close()


@dataclass(frozen=True)
class QueueReport:
    queued: int
    without_contact: int


_DELIVERY_COLUMNS = ("notice_id", "person_id", "channel", "idempotency_key", "content_hash", "status", "attempts",
                     "created_at")


def _delivery_count(session: Session, incident_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Delivery).join(Notice)
                          .where(Notice.incident_id == incident_id)) or 0


def queue_deliveries(session: Session, incident: Incident, *, actor: str, batch: int = 10_000,
                     notice_ids: Iterable[str] | None = None) -> QueueReport:
    """One delivery per recipient and channel for every notice, streamed in batches; idempotent.

    A delivery's content hash covers the template version, the notice's context and the recipient's
    stored (sealed) fields, so the exact content sent is addressed without storing the rendered letter.
    A key already queued (by an earlier, interrupted run) is skipped, never duplicated.
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
    clients = {c.id: c for c in session.scalars(select(Client))}
    rows: list[tuple[Any, ...]] = []
    without_contact = 0

    def flush() -> None:
        if rows:
            conn.exec_driver_sql(sql, rows)
            rows.clear()

    query = (select(Notice, Obligation).join(Obligation, Obligation.id == Notice.obligation_id)
             .where(Notice.incident_id == incident.id).order_by(Notice.id))
    if notice_ids is not None:
        query = query.where(Notice.id.in_(list(notice_ids)))
    for notice, obligation in session.execute(query).all():
        # The notice's part of every content hash, hashed once: only the recipient's part varies.
        prefix = hashlib.sha256(f"{notice.template_version}|{canonical_json(notice.context)}|".encode())
        key_prefix = hashlib.sha256(f"{notice.id}|".encode())

        def add(person_id: int | None, channel: str, label: str, fields_digest: str,
                notice_id: str = notice.id, prefix: Any = prefix, key_prefix: Any = key_prefix) -> None:
            key, content = key_prefix.copy(), prefix.copy()
            key.update(f"{label}|{channel}".encode())
            content.update(fields_digest.encode())
            rows.append((notice_id, person_id, channel, key.hexdigest()[:40], content.hexdigest()[:40], "pending", 0,
                         created))
            if len(rows) >= batch:
                flush()

        if notice.audience == "individual":
            for pid, channel, sealed in _covered_people(session, obligation):
                if channel is None:
                    without_contact += 1
                else:
                    add(pid, channel, f"person:{pid}", hashlib.sha256(sealed).hexdigest())
            continue
        if notice.audience == "data_owner":
            owners = ([clients[obligation.regime.split(":", 1)[1]]] if obligation.regime.startswith("CONTRACT:")
                      else [c for c in clients.values() if c.firm_role == "service_provider"])
            targets = [(c.notice_channel, f"client:{c.id}") for c in owners] or [
                ("postal", f"office:{obligation.recipient}")]
        else:
            targets = [("postal", f"office:{obligation.recipient}")]
        for channel, label in targets:
            add(None, channel, label, label)
    flush()
    queued = _delivery_count(session, incident.id) - before
    if queued or without_contact:
        append_event(session, incident_id=incident.id, actor=actor, action="deliveries_queued",
                     reason="one delivery per recipient and channel",
                     details={"queued": queued, "without_contact": without_contact})
    return QueueReport(queued, without_contact)


def _address_block(fields: dict[str, Any]) -> str:
    name = fields.get("full_name") or " ".join(p for p in (fields.get("first_name"), fields.get("last_name")) if p)
    address = fields.get("address") or []
    lines = [name, *([address] if isinstance(address, str) else address),
             " ".join(p for p in (fields.get("city"), fields.get("state"), fields.get("postal_code")) if p),
             fields.get("country") or ""]
    return "\n".join(line for line in lines if line)


def _message(session: Session, delivery: Delivery, notice: Notice) -> OutgoingMessage:
    context = dict(notice.context)
    if delivery.person_id is not None:
        person = session.get(AffectedPerson, delivery.person_id)
        fields = get_sealer().unseal(person.sealed)  # type: ignore[union-attr]
        context["recipient_name"] = fields.get("full_name") or " ".join(
            p for p in (fields.get("first_name"), fields.get("last_name")) if p) or None
        to = fields.get("email") if delivery.channel == "email" else (
            fields.get("phone") if delivery.channel == "sms" else _address_block(fields))
    else:
        to = _office_address(session, notice)
    rendered = render_notice(notice.audience, _template_channel(notice.audience, delivery.channel),
                             context["jurisdiction"], context)
    return OutgoingMessage(channel=delivery.channel, to=to or "", subject=rendered.subject, text=rendered.text,
                           html=rendered.html, idempotency_key=delivery.idempotency_key,
                           metadata={"notice_id": notice.id, "incident_id": notice.incident_id,
                                     "delivery_id": str(delivery.id)})


def _office_address(session: Session, notice: Notice) -> str:
    obligation = session.get(Obligation, notice.obligation_id)
    assert obligation is not None
    if notice.audience == "data_owner":
        for client in session.scalars(select(Client)):
            if obligation.regime == f"CONTRACT:{client.id}" or (
                    not obligation.regime.startswith("CONTRACT:") and client.firm_role == "service_provider"):
                return client.notice_contact
    return obligation.recipient


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    uncertain: int = 0
    reconciled: int = 0


def reconcile(engine: Engine, incident_id: str, channels: dict[str, Channel]) -> int:
    """Settle rows left in ``sending`` by a crash: look them up, or mark them uncertain for a person."""
    settled = 0
    with session_scope(engine) as session:
        stuck = session.scalars(select(Delivery).join(Notice, Notice.id == Delivery.notice_id)
                                .where(Notice.incident_id == incident_id, Delivery.status == "sending")).all()
        for delivery in stuck:
            lookup: Callable[[str], Any] | None = getattr(channels.get(delivery.channel), "receipt_for", None)
            receipt = lookup(delivery.idempotency_key) if lookup else None
            if receipt is not None:
                delivery.status, delivery.provider = "sent", receipt.provider
                delivery.provider_message_id, delivery.sent_at = receipt.provider_message_id, receipt.accepted_at
                settled += 1
            else:
                delivery.status = "uncertain"
                delivery.last_error = "interrupted after claiming; the provider may have accepted it"
            append_event(session, incident_id=incident_id, actor="breachclock", action="delivery_reconciled",
                         reason="found in 'sending' after an interruption",
                         details={"delivery": delivery.id, "status": delivery.status})
    return settled


def send_pending(engine: Engine, incident_id: str, channels: dict[str, Channel], *, max_attempts: int = 5,
                 on_sent: Callable[[int], None] | None = None, notice_ids: Iterable[str] | None = None) -> SendReport:
    """Deliver every pending delivery of the incident (or of ``notice_ids``), exactly once each."""
    report = SendReport(reconciled=reconcile(engine, incident_id, channels))
    with session_scope(engine) as session:
        query = (select(Delivery.id).join(Notice, Notice.id == Delivery.notice_id)
                 .where(Notice.incident_id == incident_id, Delivery.status == "pending").order_by(Delivery.id))
        if notice_ids is not None:
            query = query.where(Notice.id.in_(list(notice_ids)))
        ids = [d for d, in session.execute(query)]
        order = {n.id: SEND_ORDER.get(n.audience, 9) for n in
                 session.scalars(select(Notice).where(Notice.incident_id == incident_id))}
        notice_of = dict(session.execute(select(Delivery.id, Delivery.notice_id).where(Delivery.id.in_(ids))).all())
    ids.sort(key=lambda d: (order[notice_of[d]], d))
    for delivery_id in ids:
        with session_scope(engine) as session:
            claimed = session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                .values(status="sending", attempts=Delivery.attempts + 1)).rowcount
            if not claimed:
                continue
            delivery = session.get(Delivery, delivery_id)
            notice = session.get(Notice, delivery.notice_id)  # type: ignore[union-attr]
            message = _message(session, delivery, notice)  # type: ignore[arg-type]
        try:
            receipt = channels[message.channel].send(message)
        except DeliveryError as exc:
            with session_scope(engine) as session:
                delivery = session.get(Delivery, delivery_id)
                assert delivery is not None
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
            continue
        with session_scope(engine) as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            delivery.status, delivery.provider = "sent", receipt.provider
            delivery.provider_message_id, delivery.sent_at = receipt.provider_message_id, receipt.accepted_at
        report.sent += 1
        if on_sent:
            on_sent(delivery_id)
    return report


def settle_obligations(session: Session, incident: Incident, *, actor: str) -> int:
    """Mark obligations fulfilled once all their deliveries are sent; record individual notices as events."""
    fulfilled = 0
    for notice, obligation in session.execute(
        select(Notice, Obligation).join(Obligation, Obligation.id == Notice.obligation_id)
        .where(Notice.incident_id == incident.id, Obligation.fulfilled_at.is_(None))
    ):
        statuses = session.execute(select(Delivery.status, func.max(Delivery.sent_at)).where(
            Delivery.notice_id == notice.id).group_by(Delivery.status)).all()
        if not statuses or any(s != "sent" for s, _ in statuses):
            continue
        sent_at: datetime = max(t for _, t in statuses)
        obligation.fulfilled_at = sent_at
        fulfilled += 1
        append_event(session, incident_id=incident.id, actor=actor, action="obligation_fulfilled",
                     reason=f"{obligation.regime} {obligation.rule_key} delivered",
                     details={"obligation": obligation.id, "notice": notice.id, "at": sent_at.isoformat()})
        if obligation.recipient_kind == "individual":
            from playbooks.facts import Event

            record_event(session, incident, Event(type="individual_notice_sent", at=sent_at,
                                                  regime=obligation.regime), actor=actor,
                         reason=f"individual notices under {obligation.regime} delivered")
    return fulfilled




def resolve_uncertain(session: Session, delivery_id: int, *, delivered: bool, actor: str, reason: str,
                      provider_message_id: str | None = None) -> Delivery:
    """A person settles a delivery the outbox could not: confirmed with the provider, or to be sent again."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NoticeError(f"no delivery {delivery_id}")
    if delivery.status not in ("uncertain", "failed"):
        raise NoticeError(f"delivery {delivery_id} is {delivery.status}; only uncertain or failed ones are resolved")
    if not reason.strip():
        raise NoticeError("resolving a delivery needs a reason (what the provider's records show)")
    before = delivery.status
    if delivered:
        delivery.status, delivery.sent_at = "sent", utcnow()
        delivery.provider_message_id = provider_message_id or delivery.provider_message_id
    else:
        delivery.status = "pending"
    notice = session.get(Notice, delivery.notice_id)
    append_event(session, incident_id=notice.incident_id, actor=actor, action="delivery_resolved",  # type: ignore[union-attr]
                 reason=reason, details={"delivery": delivery_id, "from": before, "to": delivery.status})
    return delivery


def redraft(session: Session, notice_id: str, *, actor: str) -> bool:
    """Render a notice again from the current facts and templates (after counsel asked for changes).

    Returns whether its content changed; a changed notice needs counsel's approval again, because
    approvals bind to the content hash.
    """
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeError(f"no notice {notice_id!r}")
    if session.scalar(select(func.count()).select_from(Delivery).where(Delivery.notice_id == notice_id)):
        raise NoticeError(f"notice {notice_id} is already being delivered; it cannot change now")
    obligation = session.get(Obligation, notice.obligation_id)
    incident = session.get(Incident, notice.incident_id)
    context = notice_context(incident, obligation)  # type: ignore[arg-type]
    context["notice_date"] = notice.context.get("notice_date", context["notice_date"])
    rendered = render_notice(notice.audience, _template_channel(notice.audience, notice.channel),  # type: ignore[arg-type]
                             obligation.jurisdiction, context)  # type: ignore[union-attr]
    if rendered.content_hash == notice.content_hash:
        return False
    before = notice.content_hash
    notice.subject, notice.body, notice.context = rendered.subject or notice.subject, rendered.text, context
    notice.template_name, notice.template_version = rendered.template_name, rendered.template_version
    notice.content_hash = rendered.content_hash
    append_event(session, incident_id=notice.incident_id, actor=actor, action="notice_redrafted",
                 reason="content re-rendered from the current facts and templates",
                 details={"notice": notice.id, "from": before, "to": notice.content_hash})
    return True


def send_now(engine: Engine, notice_id: str, channels: dict[str, Channel], *, actor: str) -> SendReport:
    """Send one approved notice ahead of the others (a client's 24-hour notice), through the same outbox.

    The lifecycle still waits for every notice before ``notified``; this only lets a notice on a short
    clock go out once counsel has approved its exact content.
    """
    from models.lifecycle import notices_lacking_approval

    with session_scope(engine) as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise NoticeError(f"no notice {notice_id!r}")
        if any(n.id == notice_id for n in notices_lacking_approval(session, notice.incident_id)):
            raise NoticeError(f"counsel has not approved the current content of notice {notice_id}")
        incident_id = notice.incident_id
        queue_deliveries(session, session.get(Incident, incident_id), actor=actor,  # type: ignore[arg-type]
                         notice_ids=[notice_id])
    report = send_pending(engine, incident_id, channels, notice_ids=[notice_id])
    with session_scope(engine) as session:
        settle_obligations(session, session.get(Incident, incident_id), actor=actor)  # type: ignore[arg-type]
    return report
