"""One letter per person: which notices to people each person receives.

A person is covered by every individual-notice duty whose law reaches where they live and whose definition
covers what of theirs was exposed (a Californian whose health records were exposed: California's law and
HIPAA). Drafting gives each distinct set of duties that covers people one notice, whose letter must satisfy
every rule of the set (:func:`letter_sets`); where one letter cannot (Massachusetts forbids describing what
happened, which HIPAA requires) drafting splits the set and says why. Sending routes each person to the fewest
notices that together carry each of their duties exactly once (:class:`LetterRouter`), so every person gets one
letter per channel unless the laws conflict, and each duty still knows which deliveries met it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from breachclock.models.audit import AuditEvent
from breachclock.models.notice import recipients
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.playbooks.facts import IncidentFacts
from sqlalchemy import select
from sqlalchemy.orm import Session


def _covering(scopes: dict[int, recipients.PeopleScope], data_set: str, jurisdiction: str,
              elements: frozenset[str]) -> frozenset[int]:
    return frozenset(oid for oid, s in scopes.items()
                     if s.data_set == data_set and s.matches(jurisdiction) and s.covers(elements))


def letter_sets(facts: IncidentFacts, obligations: list[Obligation]) -> dict[frozenset[int], int]:
    """Each distinct set of these individual-notice duties that covers the same people, with how many people."""
    scopes = {o.id: recipients.people_scope(o) for o in obligations}
    sets: dict[frozenset[int], int] = {}
    for group in facts.groups():
        if group.count and (ids := _covering(scopes, group.data_set, group.jurisdiction, frozenset(group.elements))):
            sets[ids] = sets.get(ids, 0) + group.count
    return sets


class LetterRouter:
    """Which of an incident's notices to people a person receives, from where they live, what was exposed and the
    language they asked for.

    Each person gets the notices whose duties they are all covered by, largest set first, never a duty twice:
    the merged letter where one was drafted for their set of duties, the separate letters otherwise; of a set's
    letters, the one in the person's language where it was drafted (a Spanish letter), else the set's own.
    """

    def __init__(self, session: Session, incident_id: str) -> None:
        links = session.execute(select(Notice.id, Notice.context, Obligation).join(
            NoticeObligation, NoticeObligation.notice_id == Notice.id).join(
            Obligation, Obligation.id == NoticeObligation.obligation_id).where(
            Notice.incident_id == incident_id, Notice.audience == "individual")).all()
        sets: dict[str, set[int]] = {}
        language: dict[str, str | None] = {}
        self._scopes: dict[int, recipients.PeopleScope] = {}
        gone = withdrawn_notices(session, incident_id)
        for notice_id, context, obligation in links:
            if notice_id in gone:
                continue
            sets.setdefault(notice_id, set()).add(obligation.id)
            language[notice_id] = translation_of(context)
            if obligation.id not in self._scopes:
                self._scopes[obligation.id] = recipients.people_scope(obligation)
        self._duties = {n: frozenset(s) for n, s in sets.items()}
        by_set: dict[frozenset[int], dict[str | None, str]] = {}
        for n in sorted(sets):
            by_set.setdefault(self._duties[n], {}).setdefault(language[n], n)
        self._sets = sorted(by_set.items(), key=lambda p: (-len(p[0]), sorted(p[0])))
        self.notices_for = lru_cache(maxsize=4096)(self._notices_for)

    def duties_of(self, notice_id: str) -> frozenset[int]:
        return self._duties.get(notice_id, frozenset())

    def _notices_for(self, data_set: str, jurisdiction: str, elements: frozenset[str],
                     language: str | None = None, already: frozenset[int] = frozenset()) -> frozenset[str]:
        """``already``: the duties the person's letters so far carry (never given twice)."""
        duties = _covering(self._scopes, data_set, jurisdiction, elements)
        given: set[int] = set(already)
        chosen = []
        for duty_set, letters in self._sets:
            if duty_set <= duties and not duty_set & given:
                notice_id = letters.get(language) if language in letters else letters.get(None)
                if notice_id is None:
                    continue  # only a translation drafted so far: this set's own letter is still to come
                chosen.append(notice_id)
                given |= duty_set
        return frozenset(chosen)


def translation_of(context: dict[str, Any] | None) -> str | None:
    """The language a notice to people was drafted in for those who asked for it (None: the letter of where they
    live)."""
    return (context or {}).get("translation")


def duties_given(session: Session, incident_id: str) -> dict[int, dict[str, frozenset[int]]]:
    """Per person, the duties each of their letters already carries (a delivery queued, sent, handed over or in
    doubt; a failed one carries nothing)."""
    links: dict[str, set[int]] = {}
    for notice_id, obligation_id in session.execute(
            select(NoticeObligation.notice_id, NoticeObligation.obligation_id).join(
                Notice, Notice.id == NoticeObligation.notice_id).where(
                Notice.incident_id == incident_id, Notice.audience == "individual")):
        links.setdefault(notice_id, set()).add(obligation_id)
    out: dict[int, dict[str, frozenset[int]]] = {}
    for person_id, notice_id in session.execute(
            select(Delivery.person_id, Delivery.notice_id).join(Notice, Notice.id == Delivery.notice_id).where(
                Notice.incident_id == incident_id, Delivery.person_id.is_not(None), Delivery.status != "failed")):
        out.setdefault(person_id, {})[notice_id] = frozenset(links.get(notice_id, ()))
    return out


def residual_sets(session: Session, incident_id: str, obligations: list[Obligation]) -> set[frozenset[int]]:
    """The duties people are owed beyond what their letters so far carry (a re-import exposed more of theirs, or a
    law now reaches them), as sets shared by those people: each needs a letter of its own, carrying only those."""
    from breachclock.models.person.models import AffectedPerson

    given = duties_given(session, incident_id)
    if not given:
        return set()
    scopes = {o.id: recipients.people_scope(o) for o in obligations}
    out: set[frozenset[int]] = set()
    ids = sorted(given)
    for a in range(0, len(ids), 5000):
        for pid, data_set, jurisdiction, elements in session.execute(select(
                AffectedPerson.id, AffectedPerson.data_set, AffectedPerson.jurisdiction, AffectedPerson.elements)
                .where(AffectedPerson.id.in_(ids[a:a + 5000]))):
            had = frozenset().union(*given[pid].values())
            if rest := _covering(scopes, data_set, jurisdiction, frozenset(elements)) - had:
                out.add(rest)
    return out


def withdrawn_notices(session: Session, incident_id: str) -> set[str]:
    """Notices taken back before anyone received them (a translation the incident file no longer gives): never
    approved, routed or sent, kept in the record."""
    return {e.details["notice"] for e in session.scalars(select(AuditEvent).where(
        AuditEvent.incident_id == incident_id, AuditEvent.action == "notice_withdrawn"))}
