"""What each notice says: its context (no personal data), built from the facts and the obligations it serves,
in plain words (dates in words, elements as people would name them), and what varies per person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from breachclock.models.base import utcnow
from breachclock.models.client.models import Client
from breachclock.models.incident.models import Incident
from breachclock.models.notice import recipients
from breachclock.models.notice.grouping import letter_sets
from breachclock.models.notice.rules import rules_of
from breachclock.models.obligation.models import Obligation
from breachclock.notifications.templates import has_template
from breachclock.playbooks import catalog
from breachclock.playbooks.content_rules import NoticeFacts
from breachclock.playbooks.engine import NO_LAW_APPLIED
from breachclock.playbooks.facts import IncidentFacts
from breachclock.playbooks.jurisdictions import UNKNOWN, jurisdiction_name
from sqlalchemy import select
from sqlalchemy.orm import Session

SAMPLE_RECIPIENT = "[Recipient name]"


def date_words(day: date) -> str:
    """'March 2, 2026': how a notice writes a date."""
    return f"{day:%B} {day.day}, {day.year}"


def local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def plain_elements(elements: Iterable[str], where: str | None = None, language: str = "en") -> list[str]:
    """A person's exposed elements in plain words, in the vocabulary's order (in the words of where they live)."""
    wanted = set(elements)
    return [catalog.plain_element(code, where, language) for code in catalog.data_elements() if code in wanted]


_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")


def date_words_fr(day: date) -> str:
    """'2 mars 2026' (« 1er » for the first of the month)."""
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS_FR[day.month - 1]} {day.year}"


def person_content(jurisdiction: str, elements: Iterable[str], translation: str | None = None) -> dict[str, Any]:
    """What varies from one person's letter to the next, besides their name: their own exposed elements and
    the steps and agencies that fit them (``translation``: in that language too, for a letter drafted in it)."""
    elements = frozenset(elements)
    steps, agencies = catalog.guidance(jurisdiction, elements)
    language = str(catalog.local_guidance(jurisdiction).get("language", "en"))
    out = {"data_elements": plain_elements(elements, jurisdiction, language), "steps_for_individuals": steps,
           "cra_contacts": agencies, **state_content(jurisdiction)}
    if translation:
        out[f"data_elements_{translation}"] = plain_elements(elements, jurisdiction, translation)
        out[f"steps_for_individuals_{translation}"] = catalog.guidance(jurisdiction, elements, translation)[0]
        out[f"state_statements_{translation}"] = catalog.state_statements(jurisdiction, translation)
    return out


def state_content(jurisdiction: str) -> dict[str, Any]:
    """What a letter to residents of one state says because its law asks it (the state agencies to contact,
    statements such as New Mexico's on the Fair Credit Reporting Act): guidance.yaml's ``states`` entry."""
    return {"state_agencies": catalog.state_agencies(jurisdiction),
            "state_statements": catalog.state_statements(jurisdiction)}


_MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
              "noviembre", "diciembre")


def date_words_es(day: date) -> str:
    """'2 de marzo de 2026'."""
    return f"{day.day} de {_MONTHS_ES[day.month - 1]} de {day.year}"


TRANSLATABLE = {"es": "Spanish"}
"""Languages a letter to people in the United States can also be drafted in, for those who ask for it."""


def translation_content(facts: IncidentFacts, language: str, *, omit_nature: bool) -> dict[str, Any] | str:
    """What a letter drafted in ``language`` says in it: the incident's own words as translated in the incident
    file, its dates and offer; or why it cannot be drafted (a translation the incident file does not give)."""
    name = TRANSLATABLE[language]
    given = facts.translations.get(language)  # type: ignore[call-overload]
    missing = []
    if not omit_nature and not (given and given.summary):
        missing.append("summary")
    if facts.measures_taken and not (given and given.measures_taken):
        missing.append("measures_taken")
    offer = facts.credit_monitoring
    default_service = type(offer).model_fields["service"].default if offer else None
    if offer and offer.service != default_service and not (given and given.service):
        missing.append("service")
    if missing or given is None:
        fields = ", ".join(f"translations.{language}.{m}" for m in missing or ["summary"])
        return (f"no {name} letter: the incident file does not give {fields} in {name} (breachclock update); "
                f"until it does, people who asked for {name} get the letter in the language of where they live")
    tz = facts.entity.timezone
    out: dict[str, Any] = {
        "translation": language,
        f"notice_date_{language}": date_words_es(local_day(utcnow(), tz)),
        f"discovered_at_{language}": date_words_es(local_day(facts.discovered_at, tz)),
        f"incident_summary_{language}": given.summary,
        f"measures_taken_{language}": list(given.measures_taken),
        f"breach_period_{language}": None,
        f"credit_monitoring_offer_{language}": None,
    }
    if facts.breach_started_at:
        start = date_words_es(local_day(facts.breach_started_at, tz))
        end = date_words_es(local_day(facts.breach_ended_at, tz)) if facts.breach_ended_at else "una fecha no determinada"
        out[f"breach_period_{language}"] = start if start == end else f"del {start} al {end}"
    if offer:
        service = given.service or "servicios de monitoreo de crédito y protección contra el robo de identidad"
        out[f"credit_monitoring_offer_{language}"] = (
            f"Le ofrecemos {offer.months} meses de {service} por medio de {offer.provider}, sin costo alguno para usted."
            + (f" Para inscribirse: {given.enrollment or offer.enrollment}." if offer.enrollment else "")
            + (f" Inscríbase a más tardar el {date_words_es(offer.enroll_by)}." if offer.enroll_by else ""))
    return out


def local_content(jurisdiction: str, facts: IncidentFacts) -> dict[str, Any]:
    """What a letter abroad says that a US letter does not: the authority people may complain to, the letter's
    language, and its dates and offer in that language."""
    entry = catalog.local_guidance(jurisdiction)
    out: dict[str, Any] = {"authorities": [entry["authority"]] if entry.get("authority") else [],
                           "internal_complaints": bool(entry.get("internal_complaints")),
                           "language": entry.get("language", "en")}
    if out["language"] == "fr":
        tz = facts.entity.timezone
        out["discovered_at_fr"] = date_words_fr(local_day(facts.discovered_at, tz))
        out["notice_date_fr"] = date_words_fr(local_day(utcnow(), tz))
        if offer := facts.credit_monitoring:
            default = type(offer).model_fields["service"].default
            service = "surveillance du crédit et protection contre le vol d'identité" if offer.service == default \
                else offer.service
            out["credit_monitoring_offer_fr"] = (
                f"Nous vous offrons gratuitement {offer.months} mois de {service} par l'entremise de {offer.provider}."
                + (f" Pour vous inscrire : {offer.enrollment}." if offer.enrollment else "")
                + (f" Inscrivez-vous au plus tard le {date_words_fr(offer.enroll_by)}." if offer.enroll_by else ""))
    return out


def _base_context(incident: Incident, facts: IncidentFacts) -> dict[str, Any]:
    tz = facts.entity.timezone
    period = None
    if facts.breach_started_at:
        start = date_words(local_day(facts.breach_started_at, tz))
        end = date_words(local_day(facts.breach_ended_at, tz)) if facts.breach_ended_at else "an undetermined date"
        period = start if start == end else f"{start} to {end}"
    return {
        "entity_name": facts.entity.name,
        "entity_contact": facts.entity.contact or facts.entity.name,
        "incident_title": facts.title,
        "incident_summary": facts.summary or facts.title,
        "discovered_at": date_words(local_day(facts.discovered_at, tz)),
        "breach_period": period,
        "measures_taken": facts.measures_taken,
        "likely_consequences": facts.likely_consequences,
        "law_enforcement_delayed": bool(incident.holds),
        "notice_date": date_words(local_day(utcnow(), tz)),
        "credit_monitoring": facts.credit_monitoring.model_dump(mode="json") if facts.credit_monitoring else None,
        "credit_monitoring_offer": offer_words(facts),
    }


def offer_words(facts: IncidentFacts) -> str | None:
    """The identity-protection offer as a letter states it."""
    offer = facts.credit_monitoring
    if offer is None:
        return None
    words = (f"We are offering you {offer.months} months of {offer.service} through {offer.provider}, at no cost "
             "to you.")
    if offer.enrollment:
        words += f" To enroll: {offer.enrollment}."
    if offer.enroll_by:
        words += f" Please enroll by {date_words(offer.enroll_by)}."
    return words


def context_facts(c: dict[str, Any], channel: str, elements: frozenset[str] | None = None) -> NoticeFacts:
    """What a notice's content checks compare with, from its context; ``elements``: one person's own."""
    counts = {n for n in [c.get("residents_count"), *(g.get("count") for g in c.get("counts_by_jurisdiction", []))]
              if isinstance(n, int) and n > 0}
    offer = c.get("credit_monitoring") or {}
    return NoticeFacts(channel=channel, elements=frozenset(c.get("element_codes", [])) if elements is None else elements,
                       residents_counts=tuple(sorted(counts)), summary=c.get("incident_summary"),
                       breach_period=c.get("breach_period"), monitoring_months=offer.get("months"),
                       monitoring_text=c.get("credit_monitoring_offer_fr") or c.get("credit_monitoring_offer"),
                       entity_contact=c.get("entity_contact"), likely_consequences=c.get("likely_consequences"),
                       translated_summaries=tuple(v for k, v in sorted(c.items())
                                                  if k.startswith("incident_summary_") and isinstance(v, str)))


def omissions(obligations: Iterable[Obligation]) -> dict[str, bool]:
    """What the laws of these obligations forbid a notice to say (Massachusetts: the nature of the breach and
    the number of residents), for the templates to leave out; the checks then prove it is left out."""
    facts = {r.fact for o in obligations for r in rules_of(o) if r.must == "exclude"}
    return {"omit_nature": "nature" in facts, "omit_counts": "residents_count" in facts}


def _covered_elements(facts: IncidentFacts, scope: recipients.PeopleScope, *more: recipients.PeopleScope) -> set[str]:
    """What was exposed of the people every one of these scopes covers."""
    out: set[str] = set()
    for g in facts.groups(scope.data_set):
        if all(s.matches(g.jurisdiction) and s.covers(frozenset(g.elements)) for s in (scope, *more)):
            out.update(g.elements)
    return out


def _template_jurisdiction(facts: IncidentFacts, obligation: Obligation) -> str | None:
    if obligation.jurisdiction == UNKNOWN:
        # People of unknown residency get the letter of the entity's home country, once counsel decides.
        return facts.entity.country
    return obligation.jurisdiction


@dataclass
class NoticePlan:
    audience: str
    recipient: str
    recipient_ref: str | None
    jurisdiction: str
    template_jurisdiction: str | None
    data_set: str
    obligations: list[Obligation]
    context: dict[str, Any]
    channels: list[str]


def plan_notices(session: Session, incident: Incident, facts: IncidentFacts, obligations: list[Obligation], *,
                 as_one: bool = False) -> tuple[list[NoticePlan], list[tuple[list[Obligation], str]]]:
    """Group the obligations into notices and build each notice's context; (drafts, refusals with why).

    Notices to people: one per set of duties that covers the same people (see :mod:`models.notice.grouping`),
    and one per duty for everyone it covers alone; ``as_one`` plans the given duties as one notice (a redraft).
    """
    base = _base_context(incident, facts)
    drafts: list[NoticePlan] = []
    refused: list[tuple[list[Obligation], str]] = []
    owner_groups: dict[tuple[str | None, str], list[Obligation]] = {}
    individual: list[Obligation] = []
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
            drafts.append(NoticePlan("data_owner", client.name, o.recipient_ref, "contract", None, o.data_set, [o], ctx,
                                 recipients.notice_channels("data_owner", client=client)))
        elif o.recipient_kind == "individual":
            individual.append(o)
        else:
            ctx, _ = _office_context(base, facts, o)
            ctx.update(residents_count=sum(o.counts.values()) if o.counts else None,
                       individuals_notified=_people_told(session, o))
            drafts.append(NoticePlan(o.recipient_kind, o.recipient, None, o.jurisdiction, o.jurisdiction, o.data_set, [o],
                                 ctx, recipients.notice_channels(o.recipient_kind)))
    asked = _languages_asked(session, incident.id) if individual else {}
    groups = _individual_groups(facts, individual, as_one)
    every = {o.id: recipients.people_scope(o) for o in individual} if asked else {}
    planned = {frozenset(o.id for o in g) for g in groups}
    for group in groups:
        plan = _individual_plan(base, facts, group)
        if isinstance(plan, str):
            refused.append((group, plan))
            continue
        drafts.append(plan)
        for language in _languages_for(plan, asked, every, planned):
            translated = _translated_plan(plan, facts, language)
            if isinstance(translated, str):
                refused.append((group, translated))
            else:
                drafts.append(translated)
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
        drafts.append(NoticePlan("data_owner", client.name, ref, "client", None, data_set, group, ctx,
                             recipients.notice_channels("data_owner", client=client)))
    return drafts, refused


def _languages_asked(session: Session, incident_id: str) -> dict[str, list[tuple[str, str, frozenset[str]]]]:
    """Per language people asked for in the extract: the (data set, jurisdiction, elements) of those people."""
    from breachclock.models.person.models import AffectedPerson

    seen: set[tuple[str, str, str, frozenset[str]]] = set()
    rows = session.execute(select(AffectedPerson.language, AffectedPerson.data_set, AffectedPerson.jurisdiction,
                                  AffectedPerson.elements).where(AffectedPerson.incident_id == incident_id,
                                                                 AffectedPerson.language.is_not(None)))
    for language, data_set, jurisdiction, elements in rows:  # distinct here: PostgreSQL cannot compare json
        seen.add((language, data_set, jurisdiction, frozenset(elements)))
    out: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    for language, data_set, jurisdiction, elements in sorted(seen, key=lambda r: (*r[:3], sorted(r[3]))):
        out.setdefault(language, []).append((data_set, jurisdiction, elements))
    return out


def _languages_for(plan: NoticePlan, asked: dict[str, list[tuple[str, str, frozenset[str]]]],
                   every: dict[int, recipients.PeopleScope], planned: set[frozenset[int]]) -> list[str]:
    """The languages this letter is also drafted in: those its people asked for, other than its own, that letters
    where it goes are written in (Spanish in the United States). Its people: those whose set of duties is the
    letter's, or who get it because their own set has no letter of its own (a set split by a conflict)."""
    if plan.context.get("translation") or not (plan.template_jurisdiction or "").startswith("US"):
        return []
    mine = frozenset(o.id for o in plan.obligations)

    def gets_it(data_set: str, jurisdiction: str, elements: frozenset[str]) -> bool:
        duties = frozenset(i for i, s in every.items()
                           if s.data_set == data_set and s.matches(jurisdiction) and s.covers(elements))
        return duties == mine or (mine < duties and duties not in planned)

    return [language for language, people in sorted(asked.items())
            if language in TRANSLATABLE and language != plan.context.get("language", "en")
            and any(gets_it(*p) for p in people)]


def _translated_plan(plan: NoticePlan, facts: IncidentFacts, language: str) -> NoticePlan | str:
    extra = translation_content(facts, language, omit_nature=bool(plan.context.get("omit_nature")))
    if isinstance(extra, str):
        return extra
    sample = person_content(plan.template_jurisdiction or plan.jurisdiction, plan.context["element_codes"], language)
    ctx = {**plan.context, **extra, **{k: v for k, v in sample.items() if k.endswith(f"_{language}")}}
    return NoticePlan(plan.audience, plan.recipient, plan.recipient_ref, plan.jurisdiction,
                      plan.template_jurisdiction, plan.data_set, plan.obligations, ctx, plan.channels)


def _individual_groups(facts: IncidentFacts, obligations: list[Obligation], as_one: bool) -> list[list[Obligation]]:
    """The notices to people to draft: each duty alone, and each set of duties that covers the same people."""
    if as_one or len(obligations) < 2:
        return [obligations] if obligations else []
    by_id = {o.id: o for o in obligations}
    sets = letter_sets(facts, obligations)
    merged = [[by_id[i] for i in sorted(ids)] for ids in sets if len(ids) > 1]
    in_sets = set().union(*sets) if sets else set()
    # A duty's own notice: for the people it covers alone, or for everyone while no one is recorded yet.
    alone = [[o] for o in obligations if frozenset({o.id}) in sets or o.id not in in_sets]
    return alone + merged


def _individual_plan(base: dict[str, Any], facts: IncidentFacts, group: list[Obligation]) -> NoticePlan | str:
    """A notice to people under every duty of ``group`` (one, or several covering the same people): the letter of
    the most local law, saying what each law asks and leaving out what any forbids."""
    primary = min(group, key=lambda o: ("-" not in o.jurisdiction, o.id))  # a state's letter over a country's
    scopes = [recipients.people_scope(o) for o in group]
    elements = _covered_elements(facts, *scopes) or set(facts.data_elements)
    where = _template_jurisdiction(facts, primary)
    if where is None:
        return "people of unknown residency get the letter of the entity's home country: set entity.country in the incident"
    ctx = {**base, **person_content(where or primary.jurisdiction, elements),
           **local_content(where or primary.jurisdiction, facts),
           "recipient_name": SAMPLE_RECIPIENT,
           "element_codes": sorted(elements), **omissions(group),
           "regime_citation": "; ".join(dict.fromkeys(o.citation for o in group)), "jurisdiction": primary.jurisdiction,
           "jurisdiction_name": jurisdiction_name(primary.jurisdiction) or primary.jurisdiction,
           "sample": "each person's letter names that person and lists that person's own exposed information"}
    if (given := facts.translations.get(ctx["language"])) is not None:  # type: ignore[call-overload]
        # A letter written in another language (Quebec's, in French) prints the incident's own words in it too.
        ctx.update({k: v for k, v in (("incident_summary", given.summary), ("measures_taken", given.measures_taken),
                                      ("likely_consequences", given.likely_consequences),
                                      ("incident_title", given.title)) if v})
    if len(group) > 1:
        ctx["laws_combined"] = [f"{o.regime} {o.rule_key}" for o in group]
        # Each combined law's authority and complaint process (Quebec's Commission and, under PIPEDA, Canada's).
        for o in group:
            entry = catalog.local_guidance(o.jurisdiction) if o.jurisdiction != where else {}
            if entry.get("authority") and entry["authority"] not in ctx["authorities"]:
                ctx["authorities"].append(entry["authority"])
            ctx["internal_complaints"] = ctx["internal_complaints"] or bool(entry.get("internal_complaints"))
    return NoticePlan("individual", primary.recipient, None, primary.jurisdiction, where, primary.data_set, group, ctx,
                      recipients.notice_channels("individual", person_methods=[s.methods for s in scopes]))


def substitute_context(incident: Incident, facts: IncidentFacts, o: Obligation) -> dict[str, Any]:
    """What the substitute notice of one duty to people says: the letter's content without anyone's name, and
    without what the duty's law forbids a notice to say."""
    ctx, agencies = _office_context(_base_context(incident, facts), facts, o)
    found = catalog.rule_of(o.rule_version, o.rule_key)
    return {**ctx, "residents_count": None, "cra_contacts": agencies, **state_content(o.jurisdiction),
            "substitute_rule": found[1].substitute_notice if found else None}


def _office_context(base: dict[str, Any], facts: IncidentFacts, o: Obligation
                    ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """What a notice about one duty's people says when it names none of them (a regulator's filing, a substitute
    notice): what was exposed of those people, the steps for them, and what the duty's law forbids left out; with
    the agencies for them."""
    scope = recipients.people_scope(o) if o.regime != NO_LAW_APPLIED else None
    covered = _covered_elements(facts, scope) if scope else set(facts.data_elements)
    steps, agencies = catalog.guidance(o.jurisdiction, covered)
    shown = covered or set(facts.data_elements)
    return {**base, "recipient_name": None, "recipient_office": o.recipient, "regime_citation": o.citation,
            "element_codes": sorted(shown), **omissions([o]), "jurisdiction": o.jurisdiction,
            "jurisdiction_name": jurisdiction_name(o.jurisdiction) or o.jurisdiction,
            "data_elements": plain_elements(shown), "steps_for_individuals": steps}, agencies


def _people_told(session: Session, o: Obligation) -> bool:
    """Whether the people this regulator notice is about get a letter of their own under the same law (a letter
    exists for where they live): a filing says so only then."""
    people = session.scalars(select(Obligation).where(
        Obligation.incident_id == o.incident_id, Obligation.regime == o.regime, Obligation.data_set == o.data_set,
        Obligation.recipient_kind == "individual", Obligation.required.is_(True)))
    return any(has_template("individual", channel, p.jurisdiction) for p in people for channel in ("postal", "email"))


def _client_fields(client: Client) -> dict[str, Any]:
    return {"recipient_name": client.notice_attention or client.name, "recipient_office": client.name}
