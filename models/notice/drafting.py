"""Notices: drafting from the obligations, one variant per channel, counsel's approval of the exact bytes.

Obligations become notices (see :mod:`breachclock.recipients` for whom each goes to):

- a client's contractual notice: one notice (drafted at triage, so it can go out within the contract's hours);
- the notices a service provider owes a client under the laws: one notice per client and data set, naming
  every law it is given under and the affected people per jurisdiction;
- notices to people: one per set of duties that covers the same people (a Californian whose health records
  were exposed gets one letter under California's law and HIPAA, checked against both), one per duty for the
  people it covers alone; a set whose laws one letter cannot satisfy together is split, and the record says why;
- each regulator, agency or media notice: one notice per obligation.

Every notice is rendered for each channel it will go out on (its *variants*: a letter, an e-mail in text and
HTML, an SMS, a filing), from the template files as they are when it is drafted; the variants keep a snapshot
of those template sources. Counsel approves the notice's content hash, a hash over every variant's hash, so an
approval covers exactly what each recipient will get. At send time :func:`verify_notice` recomputes every hash
from the stored snapshot and context; a mismatch refuses the send. Drafts carry no personal data: letters to
people show a sample recipient, and each person's name and exposed elements are merged in at send time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from breachclock.models.audit import AuditEvent, append_event
from breachclock.models.base import new_id
from breachclock.models.incident.models import Incident, load_facts
from breachclock.models.notice.content import TRANSLATABLE, NoticePlan, context_facts, plan_notices
from breachclock.models.notice.grouping import residual_sets, translation_of, withdrawn_notices
from breachclock.models.notice.models import Notice, NoticeObligation, NoticeVariant
from breachclock.models.notice.rules import rules_of
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.notifications.channels import MAX_SMS_CHARS
from breachclock.notifications.templates import (
    NoticeTemplateNotFound,
    RenderedNotice,
    content_hash,
    render_notice,
    render_snapshot,
    version_of,
)
from breachclock.playbooks.content_rules import check
from breachclock.playbooks.jurisdictions import jurisdiction_name
from sqlalchemy import func, select
from sqlalchemy.orm import Session


class NoticeError(ValueError):
    pass


def combined_hash(variant_hashes: dict[str, str]) -> str:
    """The notice's content hash: over every variant's channel and content hash."""
    return hashlib.sha256("\n".join(f"{c}:{h}" for c, h in sorted(variant_hashes.items())).encode()).hexdigest()


def _render_variants(d: NoticePlan) -> dict[str, RenderedNotice]:
    return {channel: render_notice(d.audience, channel, d.template_jurisdiction, d.context,  # type: ignore[arg-type]
                                   language=translation_of(d.context))
            for channel in d.channels}


def _store_variants(session: Session, notice: Notice, rendered: dict[str, RenderedNotice]) -> None:
    for variant in session.scalars(select(NoticeVariant).where(NoticeVariant.notice_id == notice.id)):
        session.delete(variant)
    session.flush()
    for channel, r in sorted(rendered.items()):
        session.add(NoticeVariant(notice_id=notice.id, channel=channel, subject=r.subject, text=r.text, html=r.html,
                                  template_name=r.template_name, template_version=r.template_version,
                                  templates=r.templates, content_hash=r.content_hash))
    notice.content_hash = combined_hash({c: r.content_hash for c, r in rendered.items()})
    session.flush()


@dataclass
class DraftReport:
    drafted: list[Notice] = field(default_factory=list)
    refused: list[tuple[list[int], str]] = field(default_factory=list)
    """Obligations that got no notice, and why (their obligations stay open)."""


def draft_notices(session: Session, incident: Incident, *, actor: str, contracts_only: bool = False) -> DraftReport:
    """Draft a notice for every required obligation that calls for telling someone and has none yet. Idempotent.

    ``contracts_only`` drafts just the notices owed to clients under their contracts: they run on the
    shortest clock (24 hours from discovery) and depend on nothing but the discovery, so they are drafted at
    triage and can be approved and sent ahead of the rest.
    """
    facts = load_facts(incident)
    linked = select(NoticeObligation.obligation_id)
    query = (select(Obligation).where(Obligation.incident_id == incident.id, Obligation.required.is_(True),
                                      Obligation.recipient_kind != "record", Obligation.id.not_in(linked))
             .order_by(Obligation.id))
    if contracts_only:
        query = query.where(Obligation.regime.like("CONTRACT:%"))
    obligations = list(session.scalars(query))
    drafted_sets: set[tuple[frozenset[int], str | None]] = set()
    not_combined: set[frozenset[int]] = set()
    if not contracts_only:
        # Notices to people follow the sets of duties people share, so a duty that already has a notice may
        # still need one combined with a newer duty, or its own, for people recorded since.
        given = session.execute(select(NoticeObligation.notice_id, Notice.context, Obligation).join(
            Obligation, Obligation.id == NoticeObligation.obligation_id).join(
            Notice, Notice.id == NoticeObligation.notice_id).where(
            Notice.incident_id == incident.id, Notice.audience == "individual")).all()
        by_notice: dict[str, tuple[set[int], str | None]] = {}
        gone = withdrawn_notices(session, incident.id)
        given = [(n, c, o) for n, c, o in given if n not in gone]
        for notice_id, context, o in given:
            by_notice.setdefault(notice_id, (set(), translation_of(context)))[0].add(o.id)
        drafted_sets = {(frozenset(ids), language) for ids, language in by_notice.values()}
        obligations += list({o.id: o for _, _, o in given if o.required}.values())
        # A set found once not to fit in one letter is not tried again (its laws' own letters exist).
        not_combined = {frozenset(e.details["obligations"]) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.incident_id == incident.id, AuditEvent.action == "letters_not_combined"))}
    plans, refused = plan_notices(session, incident, facts, obligations)
    if not contracts_only:
        # People whose duties grew after their letter went out get a letter with only what remains.
        individual = {o.id: o for o in obligations if o.recipient_kind == "individual" and o.required}
        planned = {frozenset(o.id for o in d.obligations) for d in plans if d.audience == "individual"}
        for rest in sorted(residual_sets(session, incident.id, list(individual.values())), key=sorted):
            if rest not in planned and (rest, None) not in drafted_sets:
                more, why = plan_notices(session, incident, facts, [individual[i] for i in sorted(rest)], as_one=True)
                plans += more
                refused += why
    planned_alone = {d.obligations[0].id for d in plans if len(d.obligations) == 1} | {
        next(iter(ids)) for ids, _ in drafted_sets if len(ids) == 1}

    def ids_of(d: NoticePlan) -> frozenset[int]:
        return frozenset(o.id for o in d.obligations)

    plans = [d for d in plans if d.audience != "individual"
             or ((ids_of(d), translation_of(d.context)) not in drafted_sets and ids_of(d) not in not_combined)]
    report = DraftReport()
    while plans:
        d = plans.pop(0)
        if d.audience == "individual" and ids_of(d) in not_combined:
            continue  # a translation of a letter found, in this run, not to fit these laws together
        try:
            rendered = _render_variants(d)
        except NoticeTemplateNotFound:
            where = d.template_jurisdiction or d.jurisdiction
            if language := translation_of(d.context):
                refused.append((d.obligations, f"no {TRANSLATABLE.get(language, language)} letter template for "
                                               f"{jurisdiction_name(where) or where} ({where}): people who asked "
                                               "for it get the letter of where they live; add notifications/"
                                               f"templates/{d.audience}/{where}.<channel>.{language}.txt"))
                continue
            refused.append((d.obligations, f"no {d.audience} notice template for {jurisdiction_name(where) or where} "
                                           f"({where}): a US letter is not sent abroad; add "
                                           f"notifications/templates/{d.audience}/{where}.<channel>.txt"))
            continue
        if "sms" in rendered and len(rendered["sms"].text) > MAX_SMS_CHARS:
            refused.append((d.obligations, f"the SMS to {d.recipient} would be {len(rendered['sms'].text)} characters "
                                           f"(at most {MAX_SMS_CHARS}): shorten entity.name, entity.contact or the "
                                           "contract reference (breachclock update), or give the client another "
                                           "notice channel; it is drafted again as soon as it fits"))
            continue
        if len(d.obligations) > 1 and (clash := _conflict(session, incident, facts, d, rendered)):
            # One letter cannot satisfy these laws together: each duty's own letter goes to these people instead.
            plans += [p for o in d.obligations if o.id not in planned_alone
                      for p in plan_notices(session, incident, facts, [o])[0]]
            planned_alone |= {o.id for o in d.obligations}
            not_combined.add(ids_of(d))
            append_event(session, incident_id=incident.id, actor=actor, action="letters_not_combined", reason=clash,
                         details={"obligations": [o.id for o in d.obligations]})
            continue
        report.drafted.append(store_plan(session, incident, d, rendered, actor=actor))
    _audit_refusals(session, incident, refused, actor)
    report.refused = [([o.id for o in group], why) for group, why in refused]
    return report


def render_plan(plan: NoticePlan) -> dict[str, RenderedNotice]:
    """Every variant of a planned notice, rendered from the template files as they are now."""
    return _render_variants(plan)


def store_plan(session: Session, incident: Incident, d: NoticePlan, rendered: dict[str, RenderedNotice], *,
               actor: str) -> Notice:
    """Record a planned notice, its rendered variants and the duties it serves (audited)."""
    notice = Notice(id=new_id("NTC"), incident_id=incident.id, audience=d.audience, recipient=d.recipient,
                    recipient_ref=d.recipient_ref, jurisdiction=d.jurisdiction, data_set=d.data_set,
                    context=d.context, content_hash="")
    session.add(notice)
    session.flush()
    _store_variants(session, notice, rendered)
    for o in d.obligations:
        session.add(NoticeObligation(notice_id=notice.id, obligation_id=o.id))
    append_event(session, incident_id=incident.id, actor=actor, action="notice_drafted",
                 reason=f"draft for {', '.join(sorted({f'{o.regime} {o.rule_key}' for o in d.obligations}))}",
                 details={"notice": notice.id, "content_hash": notice.content_hash,
                          "variants": {c: r.content_hash for c, r in rendered.items()},
                          "obligations": [o.id for o in d.obligations]})
    return notice


def _conflict(session: Session, incident: Incident, facts: Any, plan: NoticePlan,
              rendered: dict[str, RenderedNotice]) -> str | None:
    """Why one letter cannot serve these duties together (None: it can): a rule it fails that the duty's own
    letter passes, so the laws ask for contrary things (Massachusetts forbids what HIPAA requires)."""
    def failing(d: NoticePlan, letters: dict[str, RenderedNotice], duty: Obligation) -> set[str]:
        return {rule.id for channel, r in letters.items() for rule in rules_of(duty)
                if (f := check(duty.regime, rule, "\n".join(filter(None, [r.subject, r.text])),
                               context_facts(d.context, channel))) is not None and f.passed is False}

    for duty in plan.obligations:
        together = failing(plan, rendered, duty)
        if not together:
            continue
        own = next((p for p in plan_notices(session, incident, facts, [duty])[0]
                    if not translation_of(p.context)), None)
        alone = failing(own, _render_variants(own), duty) if own else set()
        if clash := sorted(together - alone):
            others = ", ".join(f"{o.regime} {o.rule_key}" for o in plan.obligations if o is not duty)
            return (f"one letter cannot satisfy {duty.regime} {duty.rule_key} together with {others}: it would fail "
                    f"{', '.join(clash)}; each law's own letter is sent instead")
    return None


def _audit_refusals(session: Session, incident: Incident, refused: list[tuple[list[Obligation], str]],
                    actor: str) -> None:
    """Record once why an obligation got no notice (the same refusal on a later run is not recorded again)."""
    seen = {(tuple(e.details.get("obligations", [])), e.reason) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.incident_id == incident.id, AuditEvent.action == "notice_not_drafted"))}
    for group, why in refused:
        key = (tuple(o.id for o in group), why)
        if key not in seen:
            append_event(session, incident_id=incident.id, actor=actor, action="notice_not_drafted", reason=why,
                         details={"obligations": list(key[0]),
                                  "rules": sorted(f"{o.regime} {o.rule_key} {o.jurisdiction}" for o in group)})


def variants_of(session: Session, notice_id: str) -> dict[str, NoticeVariant]:
    return {v.channel: v for v in session.scalars(select(NoticeVariant).where(NoticeVariant.notice_id == notice_id))}


def obligations_of(session: Session, notice_id: str) -> list[Obligation]:
    return list(session.scalars(select(Obligation).join(NoticeObligation, NoticeObligation.obligation_id == Obligation.id)
                                .where(NoticeObligation.notice_id == notice_id).order_by(Obligation.id)))


def verify_notice(session: Session, notice: Notice) -> list[str]:
    """Every way the stored notice differs from what was drafted (empty: its bytes are what was approved)."""
    problems = []
    variants = variants_of(session, notice.id)
    if not variants:
        return [f"notice {notice.id} has no variants"]
    for channel, v in sorted(variants.items()):
        if not v.templates:
            problems.append(f"{channel}: drafted before template snapshots were kept; redraft it")
            continue
        if version_of(v.templates) != v.template_version:
            problems.append(f"{channel}: its template snapshot was altered after drafting")
        if content_hash(v.template_version, notice.context) != v.content_hash:
            problems.append(f"{channel}: the notice's stored context was altered after drafting")
    if combined_hash({c: v.content_hash for c, v in variants.items()}) != notice.content_hash:
        problems.append("its variants do not add up to the notice's content hash")
    return problems


def render_variant(variant: NoticeVariant, context: dict[str, Any]) -> RenderedNotice:
    """A variant rendered from its snapshot with ``context`` (the notice's, plus one recipient's details)."""
    return render_snapshot(variant.templates, variant.template_name, context)


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
    incident = session.get(Incident, notice.incident_id)
    assert incident is not None
    plans, refused = plan_notices(session, incident, load_facts(incident), obligations_of(session, notice_id),
                                  as_one=True)
    plans = [p for p in plans if translation_of(p.context) == translation_of(notice.context)]
    if len(plans) != 1:
        raise NoticeError(f"notice {notice_id} cannot be redrafted: {'; '.join(why for _, why in refused)}")
    d = plans[0]
    d.context["notice_date"] = notice.context.get("notice_date", d.context["notice_date"])
    rendered = _render_variants(d)
    before = notice.content_hash
    if combined_hash({c: r.content_hash for c, r in rendered.items()}) == before and not verify_notice(session, notice):
        return False
    notice.context, notice.recipient = d.context, d.recipient
    _store_variants(session, notice, rendered)
    append_event(session, incident_id=notice.incident_id, actor=actor, action="notice_redrafted",
                 reason="content re-rendered from the current facts and templates",
                 details={"notice": notice.id, "from": before, "to": notice.content_hash})
    return True


def refresh_notices(session: Session, incident: Incident, *, actor: str) -> list[str]:
    """After the facts changed: re-render every notice not yet being delivered; one whose content changed is
    redrafted (counsel must approve it again: an approval binds the old content). Client notices still owed get
    drafted. Returns the ids of the notices that changed or appeared."""
    changed: list[str] = []
    if incident.status in ("detected", "closed", "closed_no_notice"):
        return changed
    facts = load_facts(incident)
    delivered = select(Delivery.notice_id)
    gone = withdrawn_notices(session, incident.id)
    for notice in session.scalars(select(Notice).where(Notice.incident_id == incident.id, Notice.id.not_in(gone),
                                                       Notice.id.not_in(delivered)).order_by(Notice.id)):
        obligations = [o for o in obligations_of(session, notice.id) if o.required]
        if not obligations:
            continue  # no longer owed: the outbox refuses it
        plans, refused = plan_notices(session, incident, facts, obligations, as_one=True)
        plans = [p for p in plans if translation_of(p.context) == translation_of(notice.context)]
        if not plans and translation_of(notice.context) and notice.id not in gone:
            # Its translation is no longer given: it is taken back, and its readers get the letter of where they live.
            append_event(session, incident_id=incident.id, actor=actor, action="notice_withdrawn",
                         reason="; ".join(why for _, why in refused) or "its people no longer ask for it",
                         details={"notice": notice.id})
            gone.add(notice.id)
            changed.append(notice.id)
            continue
        if len(plans) != 1:
            continue
        plan = plans[0]
        plan.context["notice_date"] = notice.context.get("notice_date", plan.context["notice_date"])
        if language := translation_of(notice.context):
            # The responders' English changed but its translation did not: counsel is told to check it.
            words = ("incident_summary", "measures_taken", "likely_consequences")
            same = all(notice.context.get(f"{k}_{language}") == plan.context.get(f"{k}_{language}") for k in words)
            if same and (notice.context.get("translation_stale")
                         or any(notice.context.get(k) != plan.context.get(k) for k in words)):
                plan.context["translation_stale"] = True
        try:
            rendered = _render_variants(plan)
        except NoticeTemplateNotFound:
            continue
        if combined_hash({c: r.content_hash for c, r in rendered.items()}) == notice.content_hash:
            continue
        before = notice.content_hash
        notice.context, notice.recipient = plan.context, plan.recipient
        _store_variants(session, notice, rendered)
        append_event(session, incident_id=incident.id, actor=actor, action="notice_redrafted",
                     reason="the facts changed: the notice is re-rendered and needs counsel's approval again",
                     details={"notice": notice.id, "from": before, "to": notice.content_hash})
        changed.append(notice.id)
    changed += [n.id for n in draft_notices(session, incident, actor=actor, contracts_only=True).drafted]
    return changed

