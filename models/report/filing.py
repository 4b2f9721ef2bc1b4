"""Regulator filing packages: for one regulator obligation, the fields its form asks for, filled from the record.

The form comes from ``playbooks/filings`` (the regulator's own, or the labelled generic fallback). Each field is
filled from the incident's facts, its counts and its notices; what only a person can answer, and every required
field the record cannot fill, is listed as missing. Nothing about an affected person goes in: counts only, and
the sample notice to individuals is the draft counsel reads (a placeholder where each person's name goes).
The package is plain data (JSON-ready); :mod:`models.report.filing_document` lays it out and writes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from breachclock.models.errors import InvalidRequest
from breachclock.models.incident.models import Incident, load_facts
from breachclock.models.incident.service import get_incident
from breachclock.models.notice.content import date_words, plain_elements
from breachclock.models.notice.drafting import render_variant, variants_of
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.models.outbox.progress import obligation_state
from breachclock.playbooks import catalog
from breachclock.playbooks.clocks import humanize_delta
from breachclock.playbooks.facts import IncidentFacts
from breachclock.playbooks.filings import Form, form_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

# Why a field is still empty, by source: what a person does about it.
_WHY_EMPTY = {
    "entity.contact": "no contact in the incident file: add entity.contact (breachclock update)",
    "incident.determined_at": "no determination recorded: add determined_at",
    "incident.breach_started_at": "the breach's start is not known yet: add breach_started_at when it is",
    "incident.breach_ended_at": "the breach's end is not known yet: add breach_ended_at when it is",
    "incident.breach_period": "the breach's dates are not known yet: add breach_started_at / breach_ended_at",
    "facts.incident_summary": "no summary in the incident file: add summary (what happened, in plain words)",
    "facts.measures_taken": "no measures recorded: add measures_taken",
    "counts.jurisdiction": "nobody of this jurisdiction is counted yet: scope the incident",
    "counts.total": "nobody is counted yet: scope the incident",
    "data_elements": "no exposed data elements recorded",
    "notice.individual_sent_at": "the notice to individuals under this law has not been sent yet",
    "notice.individual_methods": "no notice to individuals under this law has been drafted",
    "notice.individuals_sent": "no notice to individuals under this law has been drafted",
    "notice.copy": "no notice to individuals under this law has been drafted, so there is no sample to attach",
    "credit_monitoring": "no offer recorded (credit_monitoring in the incident file); say 'none' if none is offered",
    "law_enforcement": "no law-enforcement delay is recorded: say whether law enforcement is involved",
    "manual": "only a person can answer this",
}
_METHODS = {"postal": "letter by mail", "email": "e-mail"}


def _when(moment: datetime | None, tz: str) -> str | None:
    if moment is None:
        return None
    local = moment.astimezone(ZoneInfo(tz))
    return f"{date_words(local.date())} ({local:%Y-%m-%d %H:%M %Z})"


def _people_notice(session: Session, o: Obligation) -> Notice | None:
    """The notice to individuals drafted under the same law for the same data (this jurisdiction's first)."""
    rows = session.execute(select(Notice, Obligation.jurisdiction)
                           .join(NoticeObligation, NoticeObligation.notice_id == Notice.id)
                           .join(Obligation, Obligation.id == NoticeObligation.obligation_id)
                           .where(Obligation.incident_id == o.incident_id, Obligation.regime == o.regime,
                                  Obligation.recipient_kind == "individual", Obligation.data_set == o.data_set)
                           .order_by(Notice.id)).all()
    same_place = [n for n, j in rows if j == o.jurisdiction]
    return (same_place or [n for n, _ in rows] or [None])[0]


def _elements(facts: IncidentFacts, o: Obligation) -> list[str]:
    groups = [g for g in facts.groups(o.data_set) if not o.counts or g.jurisdiction in o.counts]
    return plain_elements({e for g in groups for e in g.elements} or set(facts.data_elements))


def _offer(facts: IncidentFacts) -> str | None:
    offer = facts.credit_monitoring
    if offer is None:
        return None
    words = f"{offer.months} months of {offer.service} through {offer.provider}, at no cost to the individual"
    words += f"; enrollment: {offer.enrollment}" if offer.enrollment else ""
    return words + (f"; enroll by {date_words(offer.enroll_by)}" if offer.enroll_by else "")


def _law_enforcement(incident: Incident, facts: IncidentFacts, tz: str) -> str | None:
    said = [f"{h.agency} asked for a delay from {_when(h.started_at, tz)}"
            + (f" to {_when(h.ended_at, tz)}" if h.ended_at else " (still in force)") for h in incident.holds]
    said += [f"{e.agency or 'law enforcement'} asked for a delay on {_when(e.at, tz)}"
             + (" in writing" if e.written else "") for e in facts.events if e.type == "law_enforcement_delay"]
    return "Yes: " + "; ".join(said) if said else None


def _values(session: Session, incident: Incident, facts: IncidentFacts, o: Obligation, people: Notice | None,
            sample: dict[str, Any] | None) -> dict[str, str | None]:
    """Every source's value for this obligation (None: the record does not say)."""
    tz = facts.entity.timezone
    exercise = " (simulated: an exercise)" if facts.exercise else ""
    start, end = _when(facts.breach_started_at, tz), _when(facts.breach_ended_at, tz)
    counted = sum(o.counts.values()) if o.counts else None
    total = sum(g.count for g in facts.groups(o.data_set)) if facts.groups(o.data_set) else None
    sent_at = facts.first_event("individual_notice_sent", o.regime)
    channels = [c for c in variants_of(session, people.id) if c in _METHODS] if people else []
    sent = session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.notice_id == people.id, Delivery.status.in_(("sent", "simulated")))) if people else None
    return {
        "entity.name": facts.entity.name,
        "entity.contact": facts.entity.contact,
        "incident.title": facts.title,
        "incident.discovered_at": _when(facts.discovered_at, tz),
        "incident.determined_at": _when(facts.determined_at, tz),
        "incident.breach_started_at": start,
        "incident.breach_ended_at": end,
        "incident.breach_period": None if start is None else start if end == start else (
            f"{start} to {end or 'an undetermined date'}"),
        "facts.incident_summary": facts.summary,
        "facts.measures_taken": "\n".join(f"- {m}" for m in facts.measures_taken) or None,
        "counts.jurisdiction": None if counted is None else f"{counted:,}" + (
            f" ({', '.join(f'{j}: {n:,}' for j, n in sorted(o.counts.items()))})" if len(o.counts) > 1 else ""),
        "counts.total": None if total is None else f"{total:,}",
        "data_elements": "\n".join(f"- {e}" for e in _elements(facts, o)) or None,
        "notice.individual_sent_at": _when(sent_at, tz) + exercise if sent_at else None,
        "notice.individual_methods": ("Written notice to each affected individual: "
                                      + " or ".join(_METHODS[c] for c in channels)
                                      + " (as each person's contact details allow)") if channels else None,
        "notice.individuals_sent": None if sent is None else f"{sent:,}{exercise}",
        "notice.copy": f"attached: sample copy of notice {sample['notice']} to individuals ({sample['channel']}), "
                       "without personal information" if sample else None,
        "credit_monitoring": _offer(facts),
        "law_enforcement": _law_enforcement(incident, facts, tz),
        "manual": None,
    }


def _deadline(session: Session, o: Obligation, now: datetime) -> dict[str, Any]:
    """The rule's deadline and where it stands now, in words and as data."""
    state = obligation_state(session, o, now)
    tz = o.timezone
    if o.fulfilled_at is not None:
        stands = (f"simulated on {_when(o.fulfilled_at, tz)} (an exercise): not met" if o.fulfillment == "simulated"
                  else f"{o.fulfillment} on {_when(o.fulfilled_at, tz)}: "
                  + ("in time" if state["on_time"] in (True, None) else "late"))
    elif o.due is not None:
        stands = f"due {_when(o.due, tz)}: {humanize_delta(o.due - now)}"
    else:
        stands = "no fixed legal deadline" + (f"; the firm's policy target is {_when(o.policy_due, tz)} (policy, "
                                               f"not law): {humanize_delta(o.policy_due - now)}" if o.policy_due else "")
    return {"due": o.due, "due_text": o.due_text, "policy_due": o.policy_due, "clock_start": o.clock_start,
            "deadline_is": state["deadline_is"], "fulfilled_at": o.fulfilled_at, "fulfillment": o.fulfillment,
            "status": stands, "filing_notice": state.get("notice")}


def _sample(session: Session, people: Notice | None) -> dict[str, Any] | None:
    """The notice to individuals as drafted (its letter, else its e-mail), rendered from the approved snapshot."""
    if people is None:
        return None
    variants = variants_of(session, people.id)
    channel = next((c for c in ("postal", "email") if c in variants), None)
    if channel is None:
        return None
    rendered = render_variant(variants[channel], people.context)
    return {"notice": people.id, "channel": channel, "subject": rendered.subject, "text": rendered.text}


def build_package(session: Session, o: Obligation, now: datetime) -> dict[str, Any]:
    """The filing package for one regulator obligation, as data."""
    incident = get_incident(session, o.incident_id)
    facts = load_facts(incident)
    form = form_for(o.regime, o.rule_key)
    people = _people_notice(session, o)
    sample = _sample(session, people)
    values = _values(session, incident, facts, o, people, sample)
    fields = []
    for f in form.fields:
        value = values[f.source]
        status = "filled" if value is not None else "manual" if f.source == "manual" else (
            "missing" if f.required else "empty")
        fields.append({"id": f.id, "label": f.label, "required": f.required, "source": f.source, "value": value,
                       "status": status, "citation": f.citation, "note": f.note,
                       "missing_because": None if value is not None else _WHY_EMPTY.get(f.source)})
    missing = [{"id": f["id"], "label": f["label"], "required": f["required"], "why": f["missing_because"]}
               for f in fields if f["status"] in ("missing", "manual")]
    found = catalog.rule_of(o.rule_version, o.rule_key)
    required = [f for f in fields if f["required"]]
    return {
        "package": "regulator filing package (prepared by breachclock for a person to submit; not submitted)",
        "personal_data": "none: counts only; the sample notice shows a placeholder for each person's name",
        "prepared_at": now,
        "incident": {"id": incident.id, "title": facts.title, "entity": facts.entity.name,
                     "exercise": facts.exercise},
        "obligation": {"id": o.id, "regime": o.regime, "rule": o.rule_key, "recipient": o.recipient,
                       "jurisdiction": o.jurisdiction, "data_set": o.data_set, "required": o.required,
                       "citation": o.citation, "rule_version": o.rule_version, "confidence": o.confidence,
                       "reason": o.reason, "source_url": o.source_url},
        "form": {**form.model_dump(mode="json", exclude={"fields", "serves"}), "caveat": _caveat(form, found)},
        "deadline": _deadline(session, o, now),
        "fields": fields,
        "summary": {"fields": len(fields), "required": len(required),
                    "required_filled": sum(f["status"] == "filled" for f in required),
                    "filled": sum(f["status"] == "filled" for f in fields), "missing": len(missing)},
        "missing": missing,
        "statute_content": list(found[2].content) if found else [],
        # An empty list in the regime data means "not captured", never "nothing required".
        "statute_content_note": None if found and found[2].content else (
            "The regime data captures no content list for this notice (not captured is not the same as none "
            "required): read the statute and the regulator's instructions."),
        "sample_notice": sample if form.copy_of_notice == "required" else None,
    }


def _caveat(form: Form, found: tuple[Any, Any, Any] | None) -> str | None:
    """What the reader must know about this form for this duty: the fallback is no form; an older rule version
    may have asked for less."""
    if form.kind == "generic":
        return ("No form is encoded for this regulator: these are common facts of a breach notice, not the "
                "regulator's form. Check the statute's content list and the regulator's own form before filing.")
    version = found[1] if found else None
    if version is not None and form.effective_from and version.effective_from < form.effective_from:
        return (f"This field list applies from {form.effective_from}; the duty was decided under the version in "
                f"force from {version.effective_from}, which may have asked for less: check which items applied.")
    return None


def regulator_obligations(session: Session, incident_id: str, regime: str | None = None) -> list[Obligation]:
    """The incident's regulator duties that are owed or that counsel has yet to decide (only ``regime``'s if
    given); an unknown incident is NotFound, a regime with no regulator duty an InvalidRequest."""
    get_incident(session, incident_id)
    query = (select(Obligation).where(Obligation.incident_id == incident_id, Obligation.recipient_kind == "regulator",
                                      Obligation.required.is_not(False))
             .order_by(Obligation.regime, Obligation.rule_key, Obligation.jurisdiction, Obligation.data_set))
    rows = list(session.scalars(query))
    if regime is None:
        return rows
    chosen = [o for o in rows if o.regime == regime]
    if not chosen:
        owed = sorted({o.regime for o in rows})
        raise InvalidRequest(f"{incident_id} has no regulator obligation under {regime!r} (owed or undecided); "
                             f"regimes with one: {', '.join(owed) or 'none'}")
    return chosen
