"""Substitute notice for the people no approved channel can reach, where the law allows it for want of contact
information (most state laws: "insufficient contact information"; HIPAA § 164.404(d)(2): insufficient or
out-of-date contact information).

It is drafted once per duty that has people without a usable postal or e-mail address, as one filing package
with the two things those laws ask for besides the e-mails already sent: the conspicuous posting on the
entity's website and the notice to major statewide media. Counsel approves it like any notice; a person posts
it and sends it to the media and records that (``breachclock filed``), as for a regulator's filing. Once
recorded, the people without contact count as notified under that law (see :func:`progress`); everyone
reachable still gets their own letter. Cost and volume thresholds, and GDPR's disproportionate effort, are not
decided here: they are counsel's call, shown in the rule's ``substitute_notice``.
"""

from __future__ import annotations

from breachclock.models.incident.models import Incident, load_facts
from breachclock.models.notice import recipients
from breachclock.models.notice.content import NoticePlan, substitute_context
from breachclock.models.notice.drafting import render_plan, store_plan, variants_of
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.models.outbox.queue import covered_count, covered_people
from breachclock.models.person.models import AffectedPerson
from breachclock.playbooks import catalog
from breachclock.playbooks.engine import NO_LAW_APPLIED
from sqlalchemy import select
from sqlalchemy.orm import Session

RECIPIENT = "Website posting and major statewide media (substitute notice)"


def allows_for_no_contact(obligation: Obligation) -> bool:
    """Whether the law the duty was decided under allows substitute notice for people without contact details."""
    if obligation.regime == NO_LAW_APPLIED:
        return False
    found = catalog.rule_of(obligation.rule_version, obligation.rule_key)
    return bool(found and "no_contact" in found[1].substitute_notice_for and "substitute" in found[2].methods)


def substituted(session: Session, obligation: Obligation, channels: set[str], substitutes: list[Notice]) -> int:
    """How many of the duty's people no letter can reach were given a substitute notice that was posted and
    published: one recorded after they were recorded, whose posting names every element of theirs exposed. Someone
    imported after it, or with more exposed than it says, is not covered by it."""
    filed = []  # (when it was posted, what it names); times come back aware (UTCDateTime)
    for notice in substitutes:
        at = session.scalar(select(Delivery.sent_at).where(Delivery.notice_id == notice.id,
                                                           Delivery.status.in_(("sent", "simulated"))))
        if at is not None:
            filed.append((at, frozenset(notice.context.get("element_codes", []))))
    if not filed:
        return 0
    earliest = min(at for at, _ in filed)
    late = {pid: at for pid, at in session.execute(select(AffectedPerson.id, AffectedPerson.created_at).where(
        AffectedPerson.incident_id == obligation.incident_id, AffectedPerson.created_at > earliest))}
    n = 0
    for pid, person_channels, _, _, elements in covered_people(session, obligation):
        if recipients.person_channel(person_channels, channels) is not None:
            continue
        recorded = late.get(pid)
        if any((recorded is None or recorded <= at) and elements <= posted for at, posted in filed):
            n += 1
    return n


def draft_substitutes(session: Session, incident: Incident, *, actor: str) -> list[Notice]:
    """Draft the substitute notice of every open duty to people whose letters cannot reach some of them. Idempotent:
    a duty gets another only once its earlier ones were posted and people they do not cover were recorded since
    (or more of theirs exposed)."""
    facts = None
    drafted = []
    for o in session.scalars(select(Obligation).where(
            Obligation.incident_id == incident.id, Obligation.recipient_kind == "individual",
            Obligation.required.is_(True), Obligation.fulfilled_at.is_(None)).order_by(Obligation.id)):
        if not allows_for_no_contact(o):
            continue
        notices = list(session.scalars(select(Notice).join(NoticeObligation, NoticeObligation.notice_id == Notice.id)
                                       .where(NoticeObligation.obligation_id == o.id)))
        letters = [n for n in notices if n.audience == "individual"]
        if not letters:
            continue  # the people's own letter comes first: the posting says what it says
        subs = [n for n in notices if n.audience == "substitute"]
        if any(session.scalar(select(Delivery.status).where(Delivery.notice_id == n.id)) in (None, "pending",
                                                                                             "prepared")
               for n in subs):
            continue  # one not yet posted already waits: it is approved or posted first
        channels = {c for n in letters for c in variants_of(session, n.id)}
        need, reachable = covered_count(session, o, channels)
        if need - reachable <= substituted(session, o, channels, subs):
            continue  # everyone without contact is covered by a posting already made
        facts = facts or load_facts(incident)
        plan = NoticePlan("substitute", RECIPIENT, None, o.jurisdiction, o.jurisdiction, o.data_set, [o],
                          substitute_context(incident, facts, o), ["filing"])
        drafted.append(store_plan(session, incident, plan, render_plan(plan), actor=actor))
    return drafted
