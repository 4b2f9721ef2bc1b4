"""Builders the tests share: sample facts, a documented risk assessment and counsel's sign-off of it, a responder
finishing containment, an incident with people."""

from __future__ import annotations

from pathlib import Path


def sample_facts(**overrides):  # type: ignore[no-untyped-def]
    """A valid incident file's facts; tests override what they exercise."""
    from breachclock.playbooks.facts import IncidentFacts

    data = {
        "title": "Ransomware on the document management server",
        "entity": {"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"]},
        "discovered_at": "2026-03-02T10:00:00-05:00",
        "data_elements": ["name", "ssn"],
        "affected": {"US-CA": 501, "US-TX": 250},
        # California requires an identity-protection offer of 12 months or more where SSNs were exposed.
        "credit_monitoring": {"provider": "Example Identity Services", "months": 24,
                              "enrollment": "www.example-identity.test, code TEST-1"},
    }
    data.update(overrides)
    return IncidentFacts.model_validate(data)


# A no-harm assessment documented as every modelled law asks (HIPAA's four factors, Florida's, New York's and
# Alaska's conditions), made a week after the sample discovery.
DOCUMENTED_NO_HARM = {
    "harm_likely": False,
    "high_risk": False,
    "assessment": "Forensic review: the laptop was recovered powered off; the drive image shows no access.",
    "assessed_by": "Pat Analyst, privacy officer",
    "assessed_at": "2026-03-09T12:00:00-04:00",
    "factors": {
        "phi_nature_extent": "Names and appointment dates; no identifiers that enable re-identification elsewhere.",
        "unauthorized_person": "Recovered by the police before anyone opened it.",
        "acquired_or_viewed": "Forensic image: no logon or file access after the loss.",
        "risk_mitigated": "Device recovered and re-imaged; credentials rotated.",
        "appropriate_investigation": "Outside forensic firm engaged on discovery.",
        "law_enforcement_consulted": "Reported to the county sheriff, case 2026-114.",
        "inadvertent_authorized_disclosure": "Sent by an employee authorized to access it to a wrong colleague.",
    },
}


def signed_off(facts, counsel: str = "Jane Counsel"):  # type: ignore[no-untyped-def]
    """Counsel's sign-off of the facts' risk assessment as it stands."""
    from datetime import UTC, datetime

    from breachclock.playbooks.risk import SignOff, assessment_digest

    return SignOff(counsel, datetime(2026, 3, 10, 15, 0, tzinfo=UTC), assessment_digest(facts.risk))


def finish_containment(engine, incident_id: str) -> None:  # type: ignore[no-untyped-def]
    """A responder completes every containment task of the incident."""
    from breachclock.models import Incident, PlaybookTask
    from breachclock.models.db import session_scope
    from breachclock.models.task.service import complete_task
    from sqlalchemy import select

    with session_scope(engine) as s:
        inc = s.get(Incident, incident_id)
        for t in s.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == incident_id,
                                                      PlaybookTask.phase == "containment")):
            complete_task(s, inc, t.key, actor="responder", outcome="isolated and verified")


def contained_incident_with_people(engine, tmp_path: Path, people: int,  # type: ignore[no-untyped-def]
                                   **facts) -> str:
    """An incident past containment whose extract names ``people`` Californians reachable by e-mail."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import open_incident as _open
    from breachclock.models.scoping.store import import_records

    with session_scope(engine) as s:
        iid = _open(s, sample_facts(affected={}, **facts), source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "people.csv"
    extract.write_text("first_name,last_name,email,state,exposed\n"
                       + "".join(f"P{i},Example,p{i}@example.test,CA,ssn\n" for i in range(people)))
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    return iid


# --- The law's data, for the regime tests (tests/unit/regimes/) ---------------------------------------------


def regime_version(regime_id: str, day):  # type: ignore[no-untyped-def]
    """The version of a regime in force on ``day`` (the test fails if there is none)."""
    from breachclock.playbooks.catalog import regimes

    found = regimes()[regime_id].version_on(day)
    assert found is not None, f"{regime_id}: no version in force on {day}"
    return found


def regime_covers(regime_id: str, day, *elements: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the regime's definition on ``day`` covers a person with these exposed elements."""
    return regime_version(regime_id, day).personal_information.covers(frozenset(elements))


def regime_rule(regime_id: str, day, key: str):  # type: ignore[no-untyped-def]
    rules = {o.key: o for o in regime_version(regime_id, day).obligations}
    assert key in rules, f"{regime_id} on {day}: no rule {key!r}"
    return rules[key]


def law_facts(discovered, affected: dict[str, int], elements: list[str], **extra):  # type: ignore[no-untyped-def]
    """A minimal incident for asking the engine one question of the law."""
    from breachclock.playbooks.facts import IncidentFacts

    base = {"title": "Review incident", "entity": {"name": "Acme", "timezone": str(discovered.tzinfo)},
            "discovered_at": discovered.isoformat(), "data_elements": elements, "affected": affected}
    base.update(extra)
    return IncidentFacts.model_validate(base)


def law_decision(f, regime_id: str, key: str, as_of, **kw):  # type: ignore[no-untyped-def]
    """The engine's one decision under ``regime_id``'s rule ``key``."""
    from breachclock.playbooks.catalog import regimes
    from breachclock.playbooks.engine import evaluate

    (d,) = [d for d in evaluate(f, as_of=as_of, regimes=[regimes()[regime_id]], **kw) if d.rule_key == key]
    return d


def live_channels_at(sendgrid_url: str, home: Path, sender: str = "Example LLP\n1 Main St\nBoston MA 02110"):  # type: ignore[no-untyped-def]
    """The live channels, e-mail going to a fake SendGrid at ``sendgrid_url``, letters and filings as PDFs in
    ``home``/letters and ``home``/outbox."""
    from breachclock.notifications.config import NotificationSettings, build_channels
    from pydantic import SecretStr

    settings = NotificationSettings(channel_backend="live", sendgrid_api_key=SecretStr("SG.fake-key"),
                                    sendgrid_host=sendgrid_url, email_from="privacy@example-law.test",
                                    postal_sender_block=sender, postal_outbox_dir=home / "letters",
                                    provider_timeout_seconds=2)
    return build_channels(settings, channels=["email", "postal", "filing"])
