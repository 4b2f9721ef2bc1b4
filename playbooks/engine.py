"""The rule engine: incident facts + events + an as-of time → a decision for every rule considered.

A pure function. For every regime in the catalog and every obligation rule
of the version in force at discovery it says whether notice is required,
to whom, by when, and why (or why not) — the firm's defensible record of why
it did or did not notify. Client contracts are evaluated the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from breachclock.playbooks import catalog
from breachclock.playbooks import risk as risk_rules
from breachclock.playbooks.clocks import Interval, compute_deadline
from breachclock.playbooks.coverage import Coverage, coverage, elements_words
from breachclock.playbooks.deadlines import ClockResult, earliest, evaluate_clock, policy_target
from breachclock.playbooks.decision import Context, Decision
from breachclock.playbooks.facts import ENTITY_DATA_SET, ClientImpact, ClientTerms, IncidentFacts, ResolvedDataSet
from breachclock.playbooks.jurisdictions import UNKNOWN, covers_jurisdiction, jurisdiction_name
from breachclock.playbooks.risk import SignOff
from breachclock.playbooks.schema import ObligationRule, Regime, RegimeVersion, delay_rule

__all__ = ["NO_LAW_APPLIED", "Decision", "evaluate", "evaluate_contract", "evaluate_regime", "holds_from"]

NO_LAW_APPLIED = "NO-LAW-APPLIED"


def _decision(regime: Regime, version: RegimeVersion, rule: ObligationRule, jurisdiction: str, tz: str,
              required: bool, reason: str, clock: ClockResult | None = None,
              threshold: dict[str, Any] | None = None) -> Decision:
    return Decision(
        regime=regime.id,
        rule_key=rule.key,
        recipient_kind=rule.recipient_kind,
        recipient=rule.recipient,
        jurisdiction=jurisdiction,
        required=required,
        due=clock.due if (clock and required) else None,
        due_date=clock.due_date if (clock and required) else None,
        due_text=(clock.text if clock else rule.clocks[0].text) if required else "not required",
        clock_start={"event": clock.start_event if clock else rule.clocks[0].start,
                     "at": clock.start_at if clock else None},
        threshold=threshold,
        reason=reason,
        citation=version.citation,
        rule_version=f"{regime.id}@{version.version}",
        confidence=version.confidence,
        source_url=version.source_url[0],
        timezone=tz,
    )


def _regime_gate(ctx: Context, regime: Regime, version: RegimeVersion, cov: Coverage) -> str | None:
    """Why the whole regime does not apply, or None if it may."""
    sectors = ctx.sectors
    applies = version.applies_to
    about_people = not (applies.entity_based or applies.client_based)
    if version.status == "not_in_force":
        return f"{regime.name} is not in force ({_gist(version.confidence_notes) or 'status recorded in the rule data'})"
    if about_people and not ctx.facts.involves_personal_data():
        return (f"the incident involves no personal data, and {regime.name} applies to breaches of personal "
                "information")
    if not cov.residents and not cov.uncovered and about_people:
        where = ", ".join(applies.residents_of[:4]) + ("…" if len(applies.residents_of) > 4 else "")
        return f"no affected residents of {where}"
    if applies.sectors_any and not sectors & set(applies.sectors_any):
        return (f"{regime.name} binds only {', '.join(applies.sectors_any).replace('_', ' ')} entities; "
                f"the entity is none of these" + (f" ({applies.text})" if applies.text else ""))
    if exempt := sectors & set(applies.sectors_exempt):
        return f"the entity is exempt or deemed compliant as {', '.join(sorted(exempt)).replace('_', ' ')}" + (
            f" ({applies.text})" if applies.text else "")
    if not ctx.roles & set(applies.roles):
        return f"{regime.name} does not bind an entity acting as {ctx.capacity()}"
    admitted = ctx.facts.entity.bar_admissions
    if applies.admitted_in and admitted is not None and not set(admitted) & set(applies.admitted_in):
        return (f"not admitted there: {regime.name} binds lawyers admitted in {_places(applies.admitted_in)}; the "
                f"firm's lawyers are admitted in {_places(admitted)}")
    if not cov.residents and cov.uncovered and about_people:
        elements = cov.uncovered_elements[0]
        return (f"{elements_words(elements)} {'is' if len(elements) == 1 else 'are'} not personal information "
                f"under {regime.name} ({sum(cov.uncovered.values())} people affected)")
    return None


def _places(codes: Iterable[str]) -> str:
    return ", ".join(f"{jurisdiction_name(c) or c} ({c})" for c in sorted(codes))


def _admission_unknown(ctx: Context, regime: Regime, version: RegimeVersion) -> str | None:
    """Why a duty under one state's rules of professional conduct cannot be settled: the incident file does not say
    where the firm's lawyers are admitted (never a silent no)."""
    if not version.applies_to.admitted_in or ctx.facts.entity.bar_admissions is not None:
        return None
    return ("unknown: the incident file does not say where the firm's lawyers are admitted (entity.bar_admissions); "
            f"{regime.name} binds lawyers admitted in {_places(version.applies_to.admitted_in)}; counsel must decide")


def _encryption_excuse(ctx: Context, version: RegimeVersion) -> str | None:
    """Why encryption excuses notice, or None. Record-keeping duties are never excused by it."""
    f = ctx.facts
    if (not (f.encrypted and version.encryption_safe_harbor.applies) or version.applies_to.entity_based
            or version.applies_to.client_based):
        return None
    if not f.encryption_key_compromised:
        return "the data was encrypted and the key was not compromised (encryption safe harbor)"
    if not version.encryption_safe_harbor.lost_if_key_compromised:
        return "the data was encrypted; this law's safe harbor is not lost by key compromise"
    return None


def _threshold_json(rule: ObligationRule, count: int) -> dict[str, Any] | None:
    t = rule.threshold
    if t is None:
        return None
    return {"measure": t.measure, "op": t.op, "value": t.value, "count": count, "met": t.holds(count),
            "text": t.describe(count)}


def _coverage(ctx: Context, version: RegimeVersion) -> Coverage:
    """Who the version covers among the affected people: all of them for a law about the entity, those of the
    context's data set for a law about personal information, nobody for a duty owed to clients as such."""
    if version.applies_to.client_based:
        return Coverage({}, {}, ())
    return coverage(version, ctx.facts.groups(None if version.applies_to.entity_based else ctx.data_set.id))


def _material(impact: ClientImpact, services: bool) -> bool:
    """ABA Formal Opinion 483's trigger: material confidential information compromised (or substantially likely
    to have been), or, where it counts, the firm's ability to perform its services significantly impaired."""
    return impact.confidential_information != "not_compromised" or (services and impact.services_impaired)


def _client_duty_excuse(ctx: Context, rule: ObligationRule) -> tuple[bool | None, str] | None:
    """Why a duty owed to clients is not owed to the context's client (False) or cannot be settled (None), or
    None when it is owed."""
    duty = rule.clients
    assert duty is not None
    impact = ctx.client_impact
    if impact is None:
        return None, ("unknown: the incident does not record whose confidential information or services it affected "
                      "(client_impacts): counsel must decide which clients are owed this notice")
    name = ctx.client_name or impact.client
    if impact.relationship not in duty.relationships:
        return False, (f"owed to {' or '.join(duty.relationships)} clients only; {name} is a {impact.relationship} "
                       f"client ({duty.text})")
    if duty.agreed_only and not impact.notice_agreed:
        return False, (f"owed only where the client agreed to such notice, and no agreement with {name} is recorded "
                       f"({duty.text})")
    services = duty.services  # a significant impairment is at least a reasonable possibility of negative impact
    if not _material(impact, services):
        unaffected = (f"the incident records that {name}'s material confidential information was not compromised "
                      "(nor substantially likely to have been)")
        if services:
            unaffected += f" and that the firm's ability to perform its services for {name} is not significantly impaired"
        if duty.trigger == "material":
            return False, unaffected
        if impact.interests_possibly_impacted is False:
            return False, (f"{unaffected}, and that there is no reasonable possibility that {name}'s interests are "
                           "negatively impacted by it")
        if impact.interests_possibly_impacted is None:
            return None, (f"unknown: {unaffected}, but this duty's trigger is lower: a reasonable possibility that "
                          f"{name}'s interests are negatively impacted, which the incident does not assess "
                          "(client_impacts[].interests_possibly_impacted): counsel must decide")
    if duty.unsettled:
        return None, f"unknown: {duty.unsettled}; counsel must decide whether {name} is owed this notice"
    return None


def _client_reason(ctx: Context, rule: ObligationRule) -> str:
    impact, duty = ctx.client_impact, rule.clients
    assert impact is not None and duty is not None
    name = ctx.client_name or impact.client
    what = {"compromised": [f"{name}'s material confidential information was compromised"],
            "substantially_likely": [f"{name}'s material confidential information is substantially likely to have "
                                     "been compromised"],
            "not_compromised": []}[impact.confidential_information]
    if impact.services_impaired and duty.services:
        what.append(f"the firm's ability to perform the legal services {name} hired it for is significantly impaired")
    if duty.trigger == "possible_negative_impact":
        if what:
            what.append(f"so there is at least a reasonable possibility that {name}'s interests are negatively "
                        "impacted (this duty's lower trigger)")
        else:
            what.append(f"the incident records a reasonable possibility that {name}'s interests are negatively "
                        "impacted by it (this duty's trigger)")
    agreed = " that agreed to such notice" if duty.agreed_only else ""
    return f"{'; '.join(what)}; {name} is a {impact.relationship} client{agreed}"


def evaluate_regime(ctx: Context, regime: Regime) -> list[Decision]:
    """Every rule of the regime's version in force at discovery, for the context's data set."""
    f = ctx.facts
    discovery_day = f.discovered_at.astimezone(ZoneInfo(ctx.tz)).date()
    version = regime.version_on(discovery_day)
    unknown: str | None = None
    first = min(v.effective_from for v in regime.versions)
    if version is None and regime.history_from_enactment and discovery_day < first:
        version = min(regime.versions, key=lambda v: v.effective_from)
        cov = Coverage({}, {}, ())
        gate: str | None = (f"{regime.name} first took effect on {first.isoformat()}, after the discovery "
                            f"({discovery_day.isoformat()})")
    elif version is None:
        # Never fail open: with no version in force the rule data cannot say "not owed". The nearest version
        # says only whether the regime could concern this incident at all (its residents, sectors, roles).
        version = min(regime.versions, key=lambda v: abs((v.effective_from - discovery_day).days))
        cov = _coverage(ctx, version)
        gate = _regime_gate(ctx, regime, version, cov)
        if gate is None:
            unknown = (f"unknown: no version of {regime.name} in the rule data was in force on "
                       f"{discovery_day.isoformat()} (discovery; its history starts {version.effective_from}); "
                       "counsel must decide")
        else:
            gate = f"{gate} (judged by its version of {version.effective_from}: none was in force on {discovery_day})"
    else:
        cov = _coverage(ctx, version)
        gate = _regime_gate(ctx, regime, version, cov)
    if gate is None and unknown is None:
        unknown = _admission_unknown(ctx, regime, version)
    encryption = _encryption_excuse(ctx, version)
    harm = risk_rules.harm_exception(f.risk, version, ctx.risk_signoff)
    harm_exception = harm.relied_on
    sectors = ctx.sectors
    decisions: list[Decision] = []
    individual: ClockResult | None = None
    # Individual rules first: other clocks may be anchored to them.
    rules = sorted(version.obligations, key=lambda r: r.recipient_kind != "individual")
    for rule in rules:
        delay = delay_rule(version, rule)
        jurisdictions = sorted(cov.residents) if rule.per_jurisdiction and cov.residents else [regime.jurisdiction]
        for jurisdiction in jurisdictions:
            if rule.per_jurisdiction:
                count = cov.residents.get(jurisdiction, 0)
                counts = {jurisdiction: count} if count else {}
            elif rule.threshold and rule.threshold.measure == "total":
                count, counts = cov.everywhere, dict(cov.residents)
            else:
                count, counts = cov.total, dict(cov.residents)
            thr = _threshold_json(rule, count)

            def decide(required: bool | None, reason: str, clock: ClockResult | None = None,
                       thr: dict[str, Any] | None = thr, jurisdiction: str = jurisdiction, rule: ObligationRule = rule,
                       counts: dict[str, int] = counts) -> Decision:
                d = _decision(regime, version, rule, jurisdiction, ctx.tz, required, reason, clock, thr)
                d.data_set, d.counts = ctx.data_set.id, counts
                if rule.recipient_kind == "data_owner":
                    client = ctx.data_set.client
                    where = "client_impacts" if rule.clients else "data_sets"
                    d.recipient_ref = f"client:{client}" if client else None
                    d.recipient = (f"{ctx.client_name or client} ({rule.recipient})" if client else
                                   f"{rule.recipient} (not identified: name the client in the incident's {where})")
                decisions.append(d)
                return d

            def no(reason: str) -> None:
                decide(False, reason)

            if gate:
                no(gate)
                continue
            if unknown:
                decide(None, unknown)
                continue
            harbor = version.encryption_safe_harbor.rules
            if encryption and rule.recipient_kind != "record" and (harbor is None or rule.key in harbor):
                no(encryption)
                continue
            if not ctx.roles & set(rule.roles):
                no(f"owed by a {' or '.join(rule.roles).replace('_', ' ')}; the firm acts as {ctx.capacity()}")
                continue
            if rule.requires_sectors and not sectors & set(rule.requires_sectors):
                no(f"owed only by {', '.join(rule.requires_sectors).replace('_', ' ')} entities"
                   + (f" (as to this data: {ctx.capacity()})" if ctx.data_set.id != ENTITY_DATA_SET else ""))
                continue
            if excluded := sectors & set(rule.excluded_sectors):
                no(f"not owed by {', '.join(sorted(excluded)).replace('_', ' ')} entities")
                continue
            if rule.clients is not None and (excuse := _client_duty_excuse(ctx, rule)) is not None:
                decide(*excuse)
                continue
            if rule.only_with_harm_exception and not harm_exception:
                no(risk_rules.not_relied_reason(harm))
                continue
            # The exception excuses notices to people and authorities, never the record or a vendor's notice to
            # the data owner (the owner makes the risk assessment).
            if (harm_exception and rule.excused_by_harm_exception and not rule.only_with_harm_exception
                    and rule.recipient_kind not in ("record", "data_owner")):
                no(risk_rules.excused_reason(version, f.risk, ctx.risk_signoff))
                continue
            if rule.requires_risk and not getattr(f.risk, rule.requires_risk):
                no(f"owed only when {rule.requires_risk.replace('_', ' ')}; the assessment says it is not")
                continue
            # A hold recorded with `breachclock hold` is a law-enforcement delay as much as one in the file.
            happened = rule.requires_event and (f.first_event(rule.requires_event) is not None or (
                rule.requires_event == "law_enforcement_delay" and bool(ctx.holds)))
            if rule.requires_event and not happened:
                no(f"owed only after a {rule.requires_event.replace('_', ' ')} event; none recorded")
                continue
            if rule.threshold and not rule.threshold.holds(count):
                what = "residents" if rule.threshold.measure == "residents" else "affected people"
                no(f"{rule.threshold.describe(count)} ({what})")
                continue
            results = [evaluate_clock(ctx, regime, c, delay, individual) for c in rule.clocks]
            chosen = earliest(results)
            if rule.recipient_kind == "individual" and individual is None:
                individual = chosen
            if rule.clients is not None:
                reason = _client_reason(ctx, rule)
            elif not version.applies_to.entity_based or count:
                reason = _required_reason(regime, cov, rule, count, jurisdiction, harm_exception)
            else:  # about the incident, not people
                reason = (f"{regime.name} applies to the entity ({', '.join(sorted(sectors)).replace('_', ' ')}) "
                          "and its cybersecurity incident itself, whether or not personal data is involved")
            if ctx.data_set.id != ENTITY_DATA_SET and rule.clients is None:
                reason += f"; the firm acts as {ctx.capacity()}"
            if note := risk_rules.required_note(regime, rule, harm):
                reason += f"; {note}"
            d = decide(True, reason, chosen)
            if d.due is None and not chosen.suspended and chosen.start_at is not None:
                d.policy_due = policy_target(chosen.start_at, ctx.tz, ctx.policy_target_days)
                d.notes.append(f"no fixed legal deadline; firm policy target {ctx.policy_target_days} days "
                               "(policy, not law)")
            if rule.clients is not None and ctx.client_impact and ctx.client_impact.information:
                d.notes.append(f"affected, as the incident records: {ctx.client_impact.information}")
            if version.confidence != "high":
                d.notes.append(f"rule confidence {version.confidence}: {version.confidence_notes or 'verify'}")
    return decisions


def _required_reason(regime: Regime, cov: Coverage, rule: ObligationRule, count: int, jurisdiction: str,
                     harm_exception: bool) -> str:
    if rule.only_with_harm_exception:
        return "the firm relies on the risk-of-harm exception, which carries this duty"
    where = jurisdiction_name(jurisdiction) or jurisdiction
    base = (f"{count} covered resident(s) of {where}" if rule.per_jurisdiction
            else f"{cov.total} covered person(s) under {regime.name}")
    if rule.threshold:
        base += f"; {rule.threshold.describe(count)}"
    return base


def evaluate_contract(ctx: Context, client: ClientTerms) -> Decision:
    """The client's contractual clock: notify the client within its notice hours of discovery."""
    f = ctx.facts
    citation = client.contract_reference or f"Notice terms agreed with {client.name}"
    base = dict(
        regime=f"CONTRACT:{client.id}",
        rule_key="notify_client",
        recipient_kind="data_owner",
        recipient=f"{client.name} ({client.notice_contact})",
        jurisdiction="contract",
        citation=citation,
        rule_version=f"CONTRACT:{client.id}@{client.notice_hours}h",
        confidence="high",
        source_url=None,
        timezone=ctx.tz,
        threshold=None,
        recipient_ref=f"client:{client.id}",
    )
    if client.firm_role != "service_provider":
        return Decision(**base, required=False, due=None, due_date=None, due_text="not required",
                        clock_start={"event": "discovery", "at": f.discovered_at},
                        reason="the firm owns this data itself (no service-provider notice term)")
    deadline = compute_deadline(f.discovered_at, "hours", client.notice_hours, ctx.tz)
    reason = f"the firm holds {client.name}'s data as its service provider"
    if f.data_sets is not None and not any(d.client == client.id for d in f.data_sets):
        # Named in the incident, so its contract clock runs; but no statutory owner notice can go to it.
        reason += (f"; note: the incident names {client.name} but no data set holds its data, so only this "
                   "contractual notice goes to it (add a data set if its data is affected)")
    return Decision(**base, required=True, due=deadline.due, due_date=deadline.due_date,
                    due_text=f"within {client.notice_hours} hours of discovery under the contract",
                    clock_start={"event": "discovery", "at": f.discovered_at}, reason=reason)


def _gist(notes: str | None, limit: int = 300) -> str | None:
    """The opening of a version's notes, whole sentences up to ``limit`` characters: a reason, not the review."""
    if not notes:
        return None
    sentences = re.split(r"(?<=\.)\s+", " ".join(notes.split()))
    out = sentences[0]
    for sentence in sentences[1:]:
        if len(out) + len(sentence) + 1 > limit:
            return out + " (more in the rule data's notes)"
        out += " " + sentence
    return out


def _covered_for(ctx: Context) -> tuple[str, ...]:
    """Every jurisdiction whose residents a law binding the firm for this data set protects (a law in force at
    discovery whose roles and sectors fit the data set: Georgia's, which binds only information brokers and
    government agencies, does not cover a law firm's Georgians)."""
    day = ctx.facts.discovered_at.astimezone(ZoneInfo(ctx.tz)).date()
    out: set[str] = set()
    for regime in catalog.regimes().values():
        version = regime.version_on(day)
        if version is None and not (regime.history_from_enactment and day < min(v.effective_from
                                                                                for v in regime.versions)):
            # Older than the rule data's history: the regime's own decisions ask counsel (nearest version).
            version = min(regime.versions, key=lambda v: abs((v.effective_from - day).days))
        if (version is None or version.status == "not_in_force" or version.applies_to.entity_based
                or version.applies_to.client_based):
            continue
        applies = version.applies_to
        if applies.sectors_any and not ctx.sectors & set(applies.sectors_any):
            continue
        if not ctx.roles & set(applies.roles):
            continue
        out.update(applies.residents_of)
    return tuple(sorted(out))


def evaluate_unsettled(ctx: Context) -> list[Decision]:
    """People of a data set the firm owns to whom no law can be applied: their residency is unknown, or no law of
    where they live is modelled. Whether they are notified is counsel's decision, never a silent no."""
    if not ctx.data_set.firm_owned:
        return []
    covered = _covered_for(ctx)
    people: dict[str, int] = {}
    for g in ctx.facts.groups(ctx.data_set.id):
        if g.count and (g.jurisdiction == UNKNOWN or not covers_jurisdiction(covered, g.jurisdiction)):
            people[g.jurisdiction] = people.get(g.jurisdiction, 0) + g.count
    out = []
    for jurisdiction, n in sorted(people.items()):
        if jurisdiction == UNKNOWN:
            recipient = "Affected people whose residency could not be determined"
            why = (f"{n} affected people's residency could not be determined, so no notification law could be "
                   "applied to them: counsel must decide whether they are notified (or fix their residency and "
                   "re-import the extract)")
        else:
            where = jurisdiction_name(jurisdiction) or jurisdiction
            recipient = f"Affected residents of {where}"
            why = (f"{n} affected people live in {where} ({jurisdiction}), and no modelled notification law of "
                   "theirs binds the firm for this data: counsel must decide whether and how they are notified")
        out.append(Decision(
            regime=NO_LAW_APPLIED, rule_key="individuals", recipient_kind="individual", recipient=recipient,
            jurisdiction=jurisdiction, required=None, due=None, due_date=None, due_text="unknown: no law applied",
            clock_start={"event": "discovery", "at": ctx.facts.discovered_at}, threshold=None, reason=why,
            citation="none: no law applied", rule_version=f"{NO_LAW_APPLIED}@1", confidence="low", source_url=None,
            timezone=ctx.tz, data_set=ctx.data_set.id, counts={jurisdiction: n}))
    return out


def holds_from(facts: IncidentFacts, recorded: Iterable[Interval] = ()) -> tuple[Interval, ...]:
    """Every law-enforcement delay, from the file and recorded with ``hold``, each with who asked (not merged:
    each rule decides which of them count, then overlapping ones toll once)."""
    from_file = [Interval(e.at, e.end, e.agency, e.written) for e in facts.events if e.type == "law_enforcement_delay"]
    return tuple(sorted([*from_file, *recorded], key=lambda h: h.start))


def evaluate(
    facts: IncidentFacts,
    *,
    as_of: datetime,
    clients: Sequence[ClientTerms] = (),
    holds: Iterable[Interval] = (),
    policy_target_days: int = 30,
    regimes: Iterable[Regime] | None = None,
    risk_signoff: SignOff | None = None,
) -> list[Decision]:
    """Every decision for every regime considered: contracts first, then each regime by id, per data set.

    ``risk_signoff`` is counsel's latest sign-off of the risk assessment: without it no risk-of-harm exception is
    relied on.
    A regime about the entity and the incident (``entity_based``: SEC, NYDFS...) is evaluated once for the
    entity; a regime about personal information once per data set, with the firm's role and sectors for it; a
    duty owed to clients as such (``client_based``: a lawyer's duty under ABA Formal Opinion 483) once per client
    the incident's ``client_impacts`` name, with the entity's roles and sectors (once for the entity, as a
    question for counsel, when it names none). Client contracts apply on top, unchanged.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be an aware datetime")
    # Only what was known at as_of counts: later events are ignored, a hold ending later is still in effect.
    facts = facts.model_copy(update={
        "events": [e for e in facts.events if e.at <= as_of],
        "determined_at": facts.determined_at if facts.determined_at and facts.determined_at <= as_of else None,
    })
    known_holds = tuple(Interval(h.start, h.end if h.end is not None and h.end <= as_of else None, h.agency,
                                 h.written) for h in holds_from(facts, holds) if h.start <= as_of)
    names = {c.id: c.name for c in clients}
    data_sets = facts.data_sets_for({c.id: c.firm_role for c in clients})
    contexts = [Context(facts, as_of, known_holds, policy_target_days, ds, names.get(ds.client or ""),
                        risk_signoff=risk_signoff)
                for ds in data_sets]
    # Entity-based regimes see the entity: its own roles and sectors.
    entity = Context(facts, as_of, known_holds, policy_target_days,
                     ResolvedDataSet(ENTITY_DATA_SET, None, tuple(facts.entity.roles), frozenset(facts.entity.sectors),
                                     tuple(facts.data_elements)), risk_signoff=risk_signoff)
    inline = {c.id: c.name for c in facts.clients if isinstance(c, ClientTerms)}
    per_client = [Context(facts, as_of, known_holds, policy_target_days,
                          ResolvedDataSet(f"client:{i.client}", i.client, tuple(facts.entity.roles),
                                          frozenset(facts.entity.sectors), tuple(facts.data_elements)),
                          names.get(i.client) or inline.get(i.client), risk_signoff=risk_signoff, client_impact=i)
                  for i in facts.client_impacts] or [entity]
    out = [evaluate_contract(entity, c) for c in clients]
    for ctx in contexts:
        out.extend(evaluate_unsettled(ctx))
    # A regime whose clock runs from another regulator's notice comes after it (New York's AG after HHS).
    ordered = sorted(regimes if regimes is not None else catalog.regimes().values(),
                     key=lambda r: any(c.anchor_regime for v in r.versions for o in v.obligations for c in o.clocks))
    for regime in ordered:
        if any(v.applies_to.client_based for v in regime.versions):
            out.extend(d for ctx in per_client for d in evaluate_regime(ctx, regime))
            continue
        for ctx in [entity] if any(v.applies_to.entity_based for v in regime.versions) else contexts:
            decisions = evaluate_regime(ctx, regime)
            out.extend(decisions)
            for c in contexts:
                c.regulator_notices[(regime.id, ctx.data_set.id)] = [d for d in decisions
                                                                     if d.recipient_kind == "regulator"]
    return out
