"""Notices: drafting from the obligations, one variant per channel, counsel's approval of the exact bytes.

Obligations become notices (see :mod:`breachclock.recipients` for whom each goes to):

- a client's contractual notice: one notice (drafted at triage, so it can go out within the contract's hours);
- the notices a service provider owes a client under the laws: one notice per client and data set, naming
  every law it is given under and the affected people per jurisdiction;
- each notice to people, each regulator, agency or media notice: one notice per obligation.

Every notice is rendered for each channel it will go out on (its *variants*: a letter, an e-mail in text and
HTML, an SMS, a filing), from the template files as they are when it is drafted; the variants keep a snapshot
of those template sources. Counsel approves the notice's content hash, a hash over every variant's hash, so an
approval covers exactly what each recipient will get. At send time :func:`verify_notice` recomputes every hash
from the stored snapshot and context; a mismatch refuses the send. Drafts carry no personal data: letters to
people show a sample recipient, and each person's name and exposed elements are merged in at send time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachclock import recipients
from models import Approval, AuditEvent, Client, Delivery, Incident, Notice, NoticeObligation, NoticeVariant, Obligation
from models.audit import append_event
from models.base import new_id, utcnow
from models.incident.lifecycle import notices_lacking_approval
from models.incident.models import load_facts
from notifications.channels import MAX_SMS_CHARS
from notifications.templates import (
    NoticeTemplateNotFound,
    RenderedNotice,
    content_hash,
    render_notice,
    render_snapshot,
    version_of,
)
from playbooks import catalog
from playbooks.engine import UNKNOWN_RESIDENCY
from playbooks.facts import UNKNOWN, IncidentFacts, jurisdiction_name

SAMPLE_RECIPIENT = "[Recipient name]"


class NoticeError(ValueError):
    pass


# --- words --------------------------------------------------------------------------------------


def date_words(day: date) -> str:
    """'March 2, 2026': how a notice writes a date."""
    return f"{day:%B} {day.day}, {day.year}"


def _local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def plain_elements(elements: Iterable[str]) -> list[str]:
    """A person's exposed elements in plain words, in the vocabulary's order."""
    wanted = set(elements)
    return [catalog.plain_element(code) for code in catalog.data_elements() if code in wanted]


def person_content(jurisdiction: str, elements: Iterable[str]) -> dict[str, Any]:
    """What varies from one person's letter to the next, besides their name: their own exposed elements and
    the steps and agencies that fit them."""
    elements = frozenset(elements)
    steps, agencies = catalog.guidance(jurisdiction, elements)
    return {"data_elements": plain_elements(elements), "steps_for_individuals": steps, "cra_contacts": agencies}


# --- contexts -----------------------------------------------------------------------------------


def _base_context(incident: Incident, facts: IncidentFacts) -> dict[str, Any]:
    tz = facts.entity.timezone
    period = None
    if facts.breach_started_at:
        start = date_words(_local_day(facts.breach_started_at, tz))
        end = date_words(_local_day(facts.breach_ended_at, tz)) if facts.breach_ended_at else "an undetermined date"
        period = start if start == end else f"{start} to {end}"
    return {
        "entity_name": facts.entity.name,
        "entity_contact": facts.entity.contact or facts.entity.name,
        "incident_title": facts.title,
        "incident_summary": facts.summary or facts.title,
        "discovered_at": date_words(_local_day(facts.discovered_at, tz)),
        "breach_period": period,
        "measures_taken": facts.measures_taken,
        "law_enforcement_delayed": bool(incident.holds),
        "notice_date": date_words(_local_day(utcnow(), tz)),
        "credit_monitoring_offer": None,
    }


def _covered_elements(facts: IncidentFacts, scope: recipients.PeopleScope) -> set[str]:
    out: set[str] = set()
    for g in facts.groups(scope.data_set):
        if scope.matches(g.jurisdiction) and scope.covers(frozenset(g.elements)):
            out.update(g.elements)
    return out


def _template_jurisdiction(facts: IncidentFacts, obligation: Obligation) -> str | None:
    if obligation.jurisdiction == UNKNOWN:
        # People of unknown residency get the letter of the entity's home country, once counsel decides.
        return facts.entity.country
    return obligation.jurisdiction


@dataclass
class _Draft:
    audience: str
    recipient: str
    recipient_ref: str | None
    jurisdiction: str
    template_jurisdiction: str | None
    data_set: str
    obligations: list[Obligation]
    context: dict[str, Any]
    channels: list[str]


def _plan(session: Session, incident: Incident, facts: IncidentFacts, obligations: list[Obligation]
          ) -> tuple[list[_Draft], list[tuple[list[Obligation], str]]]:
    """Group the obligations into notices and build each notice's context; (drafts, refusals with why)."""
    base = _base_context(incident, facts)
    drafts: list[_Draft] = []
    refused: list[tuple[list[Obligation], str]] = []
    owner_groups: dict[tuple[str | None, str], list[Obligation]] = {}
    for o in obligations:
        if o.recipient_kind == "data_owner" and not o.regime.startswith("CONTRACT:"):
            owner_groups.setdefault((o.recipient_ref, o.data_set), []).append(o)
            continue
        if o.recipient_kind == "data_owner":  # a contract's notice
            try:
                client = recipients.client_for(session, o.recipient_ref)
            except recipients.RecipientError as exc:
                refused.append(([o], str(exc)))
                continue
            ctx = {**base, **_client_fields(client), "contract_reference": o.citation, "regimes_cited": [],
                   "residents_count": None, "counts_by_jurisdiction": [],
                   "data_elements": plain_elements(facts.data_elements), "jurisdiction": "contract"}
            drafts.append(_Draft("data_owner", client.name, o.recipient_ref, "contract", None, o.data_set, [o], ctx,
                                 recipients.notice_channels("data_owner", client=client)))
        elif o.recipient_kind == "individual":
            scope = recipients.people_scope(o)
            elements = _covered_elements(facts, scope) or set(facts.data_elements)
            where = _template_jurisdiction(facts, o)
            ctx = {**base, **person_content(where or o.jurisdiction, elements), "recipient_name": SAMPLE_RECIPIENT,
                   "regime_citation": o.citation, "jurisdiction": o.jurisdiction,
                   "jurisdiction_name": jurisdiction_name(o.jurisdiction) or o.jurisdiction,
                   "sample": "each person's letter names that person and lists that person's own exposed information"}
            if where is None:
                refused.append(([o], "people of unknown residency get the letter of the entity's home country: set "
                                     "entity.country in the incident"))
                continue
            drafts.append(_Draft("individual", o.recipient, None, o.jurisdiction, where, o.data_set, [o], ctx,
                                 recipients.notice_channels("individual", person_methods=[scope.methods])))
        else:
            scope = recipients.people_scope(o) if o.regime != UNKNOWN_RESIDENCY else None
            elements = _covered_elements(facts, scope) if scope else set(facts.data_elements)
            steps, _ = catalog.guidance(o.jurisdiction, elements)
            count = sum(o.counts.values()) if o.counts else None
            ctx = {**base, "recipient_name": None, "recipient_office": o.recipient, "regime_citation": o.citation,
                   "residents_count": count, "jurisdiction": o.jurisdiction,
                   "jurisdiction_name": jurisdiction_name(o.jurisdiction) or o.jurisdiction,
                   "data_elements": plain_elements(elements or facts.data_elements), "steps_for_individuals": steps}
            drafts.append(_Draft(o.recipient_kind, o.recipient, None, o.jurisdiction, o.jurisdiction, o.data_set, [o],
                                 ctx, recipients.notice_channels(o.recipient_kind)))
    for (ref, data_set), group in owner_groups.items():
        try:
            client = recipients.client_for(session, ref)
        except recipients.RecipientError as exc:
            refused.append((group, str(exc)))
            continue
        people = [g for g in facts.groups(data_set) if g.count]
        by_place: dict[str, int] = {}
        for g in people:
            by_place[g.jurisdiction] = by_place.get(g.jurisdiction, 0) + g.count
        elements = set().union(*(g.elements for g in people)) if people else set(facts.data_elements)
        ctx = {**base, **_client_fields(client), "contract_reference": None,
               "regimes_cited": sorted({o.citation for o in group}),
               "residents_count": sum(by_place.values()) if by_place else None,
               "counts_by_jurisdiction": [{"name": jurisdiction_name(j) or j, "count": n}
                                          for j, n in sorted(by_place.items())],
               "data_elements": plain_elements(elements), "jurisdiction": "client"}
        drafts.append(_Draft("data_owner", client.name, ref, "client", None, data_set, group, ctx,
                             recipients.notice_channels("data_owner", client=client)))
    return drafts, refused


def _client_fields(client: Client) -> dict[str, Any]:
    return {"recipient_name": client.notice_attention or client.name, "recipient_office": client.name}


# --- rendering and hashing ----------------------------------------------------------------------


def combined_hash(variant_hashes: dict[str, str]) -> str:
    """The notice's content hash: over every variant's channel and content hash."""
    return hashlib.sha256("\n".join(f"{c}:{h}" for c, h in sorted(variant_hashes.items())).encode()).hexdigest()


def _render_variants(d: _Draft) -> dict[str, RenderedNotice]:
    return {channel: render_notice(d.audience, channel, d.template_jurisdiction, d.context)  # type: ignore[arg-type]
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
    plans, refused = _plan(session, incident, facts, list(session.scalars(query)))
    report = DraftReport()
    for d in plans:
        try:
            rendered = _render_variants(d)
        except NoticeTemplateNotFound:
            where = d.template_jurisdiction or d.jurisdiction
            refused.append((d.obligations, f"no {d.audience} notice template for {jurisdiction_name(where) or where} "
                                           f"({where}): a US letter is not sent abroad; add "
                                           f"notifications/templates/{d.audience}/{where}.<channel>.txt"))
            continue
        if "sms" in rendered and len(rendered["sms"].text) > MAX_SMS_CHARS:
            refused.append((d.obligations, f"the SMS to {d.recipient} would be {len(rendered['sms'].text)} characters "
                                           f"(at most {MAX_SMS_CHARS}): shorten entity.contact or the contract "
                                           "reference, or give the client another notice channel"))
            continue
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
        report.drafted.append(notice)
    _audit_refusals(session, incident, refused, actor)
    report.refused = [([o.id for o in group], why) for group, why in refused]
    return report


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


# --- approval -----------------------------------------------------------------------------------


def decide(session: Session, notice_id: str, *, counsel: str, approve: bool, comment: str | None = None) -> Approval:
    """Counsel's decision on a notice's current content (append-only; the latest decision on a hash stands)."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeError(f"no notice {notice_id!r}")
    if not counsel.strip():
        raise NoticeError("an approval needs the approving counsel's name")
    if not approve and not (comment or "").strip():
        raise NoticeError("a rejection needs a comment saying what must change")
    if approve and (problems := verify_notice(session, notice)):
        raise NoticeError(f"notice {notice_id} cannot be approved: {'; '.join(problems)}")
    approval = Approval(notice_id=notice.id, content_hash=notice.content_hash,
                        decision="approved" if approve else "rejected", counsel=counsel, comment=comment)
    session.add(approval)
    session.flush()
    append_event(session, incident_id=notice.incident_id, actor=counsel,
                 action="notice_approved" if approve else "notice_rejected", reason=comment or "approved",
                 details={"notice": notice.id, "content_hash": notice.content_hash, "approval": approval.id,
                          "variants": {c: v.content_hash for c, v in variants_of(session, notice.id).items()}})
    return approval


def is_approved(session: Session, notice: Notice) -> bool:
    """Whether counsel's latest decision on the notice's current content is an approval, as the chain records it
    (see :func:`models.lifecycle.notices_lacking_approval`)."""
    return notice.id not in {n.id for n in notices_lacking_approval(session, notice.incident_id)}


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
    plans, refused = _plan(session, incident, load_facts(incident), obligations_of(session, notice_id))
    if refused or len(plans) != 1:
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
