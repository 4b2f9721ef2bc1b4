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
from breachclock.models.notice.content import NoticePlan, substitute_context
from breachclock.models.notice.drafting import render_plan, store_plan, variants_of
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.queue import covered_count
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


def draft_substitutes(session: Session, incident: Incident, *, actor: str) -> list[Notice]:
    """Draft the substitute notice of every open duty to people whose letters cannot reach some of them. Idempotent:
    a duty gets one substitute notice."""
    have = set(session.scalars(select(NoticeObligation.obligation_id).join(
        Notice, Notice.id == NoticeObligation.notice_id).where(Notice.incident_id == incident.id,
                                                               Notice.audience == "substitute")))
    facts = None
    drafted = []
    for o in session.scalars(select(Obligation).where(
            Obligation.incident_id == incident.id, Obligation.recipient_kind == "individual",
            Obligation.required.is_(True), Obligation.fulfilled_at.is_(None)).order_by(Obligation.id)):
        if o.id in have or not allows_for_no_contact(o):
            continue
        letters = list(session.scalars(select(Notice).join(NoticeObligation, NoticeObligation.notice_id == Notice.id)
                                       .where(NoticeObligation.obligation_id == o.id,
                                              Notice.audience == "individual")))
        if not letters:
            continue  # the people's own letter comes first: the posting says what it says
        channels = {c for n in letters for c in variants_of(session, n.id)}
        need, reachable = covered_count(session, o, channels)
        if need <= reachable:
            continue
        facts = facts or load_facts(incident)
        plan = NoticePlan("substitute", RECIPIENT, None, o.jurisdiction, o.jurisdiction, o.data_set, [o],
                          substitute_context(incident, facts, o), ["filing"])
        drafted.append(store_plan(session, incident, plan, render_plan(plan), actor=actor))
    return drafted
