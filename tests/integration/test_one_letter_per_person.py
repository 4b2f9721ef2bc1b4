"""One letter per person: a patient covered by their state's law and HIPAA gets one letter that satisfies both,
unless the laws conflict (Massachusetts forbids describing what happened, which HIPAA requires), and each duty
still knows which deliveries met it. Asserted on what each recipient received at the (fake) provider."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from breachclock.models import AuditEvent, Notice, Obligation
from breachclock.models.db import session_scope
from breachclock.models.incident.service import open_incident
from breachclock.models.incident.stages import STAGES, run_stage
from breachclock.models.notice.approval import decide
from breachclock.models.notice.drafting import obligations_of
from breachclock.models.notice.validation import validate_notice
from breachclock.models.scoping.store import import_records
from sqlalchemy import select

from tests.factories import finish_containment, live_channels_at, sample_facts
from tests.notifications.fakes import FakeSendGridServer

HEALTH = {"name": "Example Health", "timezone": "America/New_York", "roles": ["data_owner"],
          "sectors": ["hipaa_covered_entity"], "contact": "1-800-555-0100, privacy@example-health.test"}


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGridServer() as server:
        yield server


def _patients(engine, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(affected={}, entity=HEALTH, data_elements=["name", "medical", "ssn"],
                                            summary="An attacker copied the patient billing database."),
                            source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "patients.csv"
    extract.write_text("first_name,last_name,email,state,exposed\n"
                       + "".join(f"C{i},Patient,c{i}@example.test,CA,medical;ssn\n" for i in range(4))
                       + "".join(f"M{i},Patient,m{i}@example.test,MA,medical;ssn\n" for i in range(3))
                       + "".join(f"W{i},Patient,w{i}@example.test,WY,medical\n" for i in range(2)))
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    for stage in STAGES[:5]:
        run_stage(stage, iid, engine=engine)
    return iid


def test_each_patient_gets_one_letter_satisfying_both_laws_unless_they_conflict(engine, home, tmp_path,
                                                                                  sendgrid) -> None:
    iid = _patients(engine, tmp_path)
    with session_scope(engine) as s:
        letters = {n.id: (n.jurisdiction, sorted(f"{o.regime} {o.rule_key}" for o in obligations_of(s, n.id)))
                   for n in s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "individual"))}
        by_laws = {tuple(laws): nid for nid, (_, laws) in letters.items()}
        combined = by_laws[("US-CA individuals", "US-FED-HIPAA individuals")]
        # The combined letter passes every rule of both laws.
        findings = validate_notice(s, s.get(Notice, combined))
        assert {f.regime for f in findings} == {"US-CA", "US-FED-HIPAA"}
        assert not [f.line() for f in findings if f.passed is False]
        # Massachusetts: one letter cannot serve both, and the record says why.
        assert ("US-MA individuals",) in by_laws and ("US-FED-HIPAA individuals",) in by_laws
        assert ("US-FED-HIPAA individuals", "US-MA individuals") not in by_laws
        why = s.scalars(select(AuditEvent.reason).where(AuditEvent.incident_id == iid,
                                                        AuditEvent.action == "letters_not_combined")).one()
        assert "US-MA individuals" in why and "description_of_what_happened" in why
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    assert run_stage("approval", iid, engine=engine).outcome == "done"
    result = run_stage("notification", iid, engine=engine, channels=live_channels_at(
        sendgrid.url, home, "Example Health\n1 Main St\nBoston MA 02110"))
    assert "0 failed" in result.message and "drafted" not in result.message, result.message

    received: dict[str, list[str]] = {}
    for request in sendgrid.accepted:
        mail = request.json()
        to = mail["personalizations"][0]["to"][0]["email"]
        text = next(c["value"] for c in mail["content"] if c["type"] == "text/plain")
        received.setdefault(to, []).append(text)
    patients = {to: texts for to, texts in received.items() if to.endswith("@example.test")}
    assert Counter(len(t) for t in patients.values()) == Counter({1: 6, 2: 3})
    for i in range(4):  # Californians: one letter, California's form, HIPAA's contents
        (text,) = patients[f"c{i}@example.test"]
        assert "notice of data breach" in text.casefold() and "An attacker copied the patient billing database." in text
        assert "1-800-555-0100" in text
    for i in range(3):  # Massachusetts residents: the Massachusetts letter without the account, and HIPAA's
        texts = patients[f"m{i}@example.test"]
        assert sum("An attacker copied the patient billing database." in t for t in texts) == 1
    for i in range(2):  # Wyoming: HIPAA and Wyoming's law in one letter
        (text,) = patients[f"w{i}@example.test"]
        assert "An attacker copied the patient billing database." in text
    with session_scope(engine) as s:
        duties = {f"{o.regime} {o.rule_key} {o.jurisdiction}": o for o in s.scalars(
            select(Obligation).where(Obligation.incident_id == iid, Obligation.recipient_kind == "individual",
                                     Obligation.required.is_(True)))}
        assert all(o.fulfilled_at is not None and o.fulfillment == "sent" for o in duties.values()), \
            {k: o.fulfillment for k, o in duties.items()}
        # HIPAA was met by three letters: the combined ones and its own for Massachusetts residents.
        met = s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid,
                                                 AuditEvent.action == "obligation_fulfilled")).all()
        hipaa = next(e for e in met if e.details["obligation"] == duties["US-FED-HIPAA individuals US"].id)
        assert len(hipaa.details["notices"]) == 3


def test_people_recorded_later_get_a_combined_letter_for_their_new_set_of_duties(engine, home, tmp_path) -> None:
    from breachclock.models import Incident
    from breachclock.models.notice.drafting import draft_notices

    iid = _patients(engine, tmp_path)
    later = tmp_path / "more.csv"
    later.write_text("first_name,last_name,email,state,exposed\nN0,Patient,n0@example.test,NY,medical;ssn\n")
    with session_scope(engine) as s:
        import_records(s, iid, later, actor="tester", workers=1)
    with session_scope(engine) as s:
        draft_notices(s, s.get(Incident, iid), actor="tester")
        sets = sorted(tuple(sorted(f"{o.regime} {o.rule_key}" for o in obligations_of(s, n.id)))
                      for n in s.scalars(select(Notice).where(Notice.incident_id == iid,
                                                              Notice.audience == "individual")))
    # New Yorkers' set (New York's law and HIPAA) gets its combined letter; nothing already drafted is drafted again.
    assert ("US-FED-HIPAA individuals", "US-NY individuals") in sets
    assert len(sets) == len(set(sets))


def test_a_person_whose_duties_grow_on_a_reimport_never_gets_a_second_letter_for_a_duty(engine, home, tmp_path,
                                                                                        sendgrid) -> None:
    """A Nevada patient whose medical record alone was exposed is owed HIPAA's letter only; a re-import adds
    their SSN, so Nevada's law covers them too. They must not get a second letter carrying HIPAA's duty, and they
    get Nevada's: a letter with only what remains."""
    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(affected={}, entity=HEALTH, data_elements=["name", "medical", "ssn"],
                                            summary="An attacker copied the patient billing database."),
                            source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    first = tmp_path / "first.csv"
    first.write_text("first_name,last_name,email,state,exposed\nLeo,Harrow,leo@example.test,NV,medical\n"
                     "Amy,Fenwick,amy@example.test,NV,medical;ssn\n")  # Amy's letter combines Nevada's and HIPAA's
    with session_scope(engine) as s:
        import_records(s, iid, first, actor="tester", workers=1)

    def drive() -> None:
        for stage in STAGES[:6]:
            run_stage(stage, iid, engine=engine)
        with session_scope(engine) as s:
            for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
                decide(s, n.id, counsel="Jane Counsel", approve=True)
        for stage in STAGES[5:]:
            run_stage(stage, iid, engine=engine, **({"channels": live_channels_at(sendgrid.url, home)}
                                                   if stage == "notification" else {}))

    drive()
    assert sorted(r.json()["personalizations"][0]["to"][0]["email"] for r in sendgrid.accepted
                  if "@example.test" in str(r.json())) == ["amy@example.test", "leo@example.test"]
    again = tmp_path / "again.csv"
    again.write_text("first_name,last_name,email,state,exposed\nLeo,Harrow,leo@example.test,NV,medical;ssn\n"
                     "Amy,Fenwick,amy@example.test,NV,medical;ssn\n")
    with session_scope(engine) as s:
        import_records(s, iid, again, actor="tester", workers=1)
    drive()
    drive()  # the letter with what remains is drafted as the notification runs, and approved before the next
    to_leo = [r for r in sendgrid.accepted if r.json()["personalizations"][0]["to"][0]["email"] == "leo@example.test"]
    assert len(to_leo) == 2, [r.json()["subject"] for r in to_leo]  # HIPAA's letter, then Nevada's
    with session_scope(engine) as s:
        by_notice = {str(r.json()["custom_args"]["notice_id"]): r for r in to_leo}
        laws = sorted(tuple(sorted(o.regime for o in obligations_of(s, n))) for n in by_notice)
        assert laws == [("US-FED-HIPAA",), ("US-NV",)], laws  # never HIPAA's duty twice
        duties = s.scalars(select(Obligation).where(Obligation.incident_id == iid,
                                                    Obligation.recipient_kind == "individual")).all()
        assert all(o.fulfilled_at is not None for o in duties if o.required), [
            (o.regime, o.fulfillment) for o in duties]
    to_amy = [r for r in sendgrid.accepted if r.json()["personalizations"][0]["to"][0]["email"] == "amy@example.test"]
    assert len(to_amy) == 1  # her combined letter already carried both


def test_a_patient_of_unknown_residency_is_covered_by_hipaa_and_gets_one_letter(engine, home, tmp_path,
                                                                                 sendgrid) -> None:
    """HIPAA protects a covered entity's patients wherever they live: one whose residency the extract cannot tell
    counts under HIPAA, gets a letter checked against § 164.404(c), and HIPAA is met only once they have it."""
    from breachclock.models import Incident
    from breachclock.models.obligation.service import decide_obligation

    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(affected={}, entity={**HEALTH, "country": "US"},
                                            data_elements=["name", "medical", "ssn"],
                                            summary="An attacker copied the patient billing database."),
                            source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "p.csv"
    extract.write_text("first_name,last_name,email,state,exposed\nCal,Patient,cal@example.test,CA,medical;ssn\n"
                       "Thaddeus,Okonkwo,thaddeus@example.test,,medical;ssn\n")
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    for stage in STAGES[:4]:
        run_stage(stage, iid, engine=engine)
    with session_scope(engine) as s:
        hipaa = s.scalars(select(Obligation).where(Obligation.incident_id == iid, Obligation.regime == "US-FED-HIPAA",
                                                   Obligation.rule_key == "individuals")).one()
        assert hipaa.counts == {"US-CA": 1, "unknown": 1}
        unsettled = s.scalars(select(Obligation).where(Obligation.incident_id == iid,
                                                       Obligation.regime == "NO-LAW-APPLIED")).one()
        decide_obligation(s, s.get(Incident, iid), unsettled.id, required=True, counsel="Jane Counsel",
                          reason="notify them with the firm's US letter")
    for stage in STAGES[4:6]:
        run_stage(stage, iid, engine=engine)
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            findings = validate_notice(s, n)
            if n.audience == "individual" and "US-FED-HIPAA individuals" in [
                    f"{o.regime} {o.rule_key}" for o in obligations_of(s, n.id)]:
                assert any(f.regime == "US-FED-HIPAA" for f in findings)
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    for stage in STAGES[5:]:
        run_stage(stage, iid, engine=engine, **({"channels": live_channels_at(sendgrid.url, home)}
                                               if stage == "notification" else {}))
    to = [r.json()["personalizations"][0]["to"][0]["email"] for r in sendgrid.accepted]
    assert to.count("thaddeus@example.test") == 1 and to.count("cal@example.test") == 1
    with session_scope(engine) as s:
        hipaa = s.get(Obligation, hipaa.id)
        assert hipaa.fulfilled_at is not None and hipaa.fulfillment == "sent"
