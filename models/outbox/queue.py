"""Queueing: one delivery per notice and recipient, streamed in batches, and who a notice to people reaches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from breachclock.models.audit import append_event
from breachclock.models.base import utcnow
from breachclock.models.incident.models import Incident
from breachclock.models.notice import recipients
from breachclock.models.notice.drafting import obligations_of, variants_of
from breachclock.models.notice.grouping import LetterRouter, duties_given
from breachclock.models.notice.models import Notice
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session


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


def covered_people(session: Session, obligation: Obligation
                   ) -> Iterator[tuple[int, list[str], str | None, str, frozenset[str]]]:
    """(person id, channels, language, jurisdiction, elements) of every person ``obligation`` covers."""
    scope = recipients.people_scope(obligation)
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    as_text = "" if conn.dialect.name == "sqlite" else "::text"
    where, params = _scope_sql(scope, m, obligation.incident_id)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"SELECT id, elements{as_text}, channels{as_text}, language, jurisdiction FROM affected_people "
                   f"WHERE {where} ORDER BY id", params)
    covered: dict[str, frozenset[str] | None] = {}
    try:
        while batch := cursor.fetchmany(10_000):
            for pid, elements, channels, language, jurisdiction in batch:
                if elements not in covered:
                    parsed = frozenset(json.loads(elements))
                    covered[elements] = parsed if scope.covers(parsed) else None
                if (exposed := covered[elements]) is not None:
                    yield pid, json.loads(channels), language, jurisdiction, exposed
    finally:
        cursor.close()


def covered_count(session: Session, obligation: Obligation, channels: Iterable[str] = ()) -> tuple[int, int]:
    """How many people a notice to people under ``obligation`` must reach, and how many of them ``channels`` (the
    notice's variants) can reach; counted per distinct element and channel set, not per person."""
    scope = recipients.people_scope(obligation)
    conn = session.connection()
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    as_text = "" if conn.dialect.name == "sqlite" else "::text"
    where, params = _scope_sql(scope, m, obligation.incident_id)
    rows = conn.exec_driver_sql(f"SELECT elements{as_text}, channels{as_text}, count(*) FROM affected_people "
                                f"WHERE {where} GROUP BY elements{as_text}, channels{as_text}", tuple(params)).all()
    wanted = list(channels)
    covered = reachable = 0
    for elements, person_channels, n in rows:
        if scope.covers(frozenset(json.loads(elements))):
            covered += n
            reachable += n if recipients.person_channel(json.loads(person_channels), wanted) else 0
    return covered, reachable


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

    router: LetterRouter | None = None
    given: dict[int, dict[str, frozenset[int]]] | None = None
    for notice in session.scalars(select(Notice).where(Notice.id.in_(list(notice_ids))).order_by(Notice.id)):
        variants = variants_of(session, notice.id)
        if notice.audience == "individual":
            router = router or LetterRouter(session, incident.id)
            given = given if given is not None else duties_given(session, incident.id)
            mine = router.duties_of(notice.id)
            pending = {pid: (did, ch) for did, pid, ch in session.execute(
                select(Delivery.id, Delivery.person_id, Delivery.channel).where(
                    Delivery.notice_id == notice.id, Delivery.status == "pending"))}
            unreachable = 0
            # Everyone this notice's duties all cover, who is not to get another letter carrying them instead:
            # scanned through the narrowest duty (a state's, not HIPAA's nationwide one).
            duties = obligations_of(session, notice.id)
            for obligation in [min(duties, key=lambda o: ("-" not in o.jurisdiction, o.id))] if duties else []:
                for pid, person_channels, language, where, exposed in covered_people(session, obligation):
                    # What their other letters already carry is never given again: they get what remains.
                    already = frozenset().union(*(d for n, d in given.get(pid, {}).items() if n != notice.id))
                    if notice.id not in router.notices_for(notice.data_set, where, exposed, language, already):
                        continue
                    if any(n != notice.id and duties & mine for n, duties in given.get(pid, {}).items()):
                        continue  # a letter carrying one of these duties is already theirs: never a second
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
