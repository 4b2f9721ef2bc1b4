"""Worked multi-regime scenarios, each built from the words of the statute or rule it exercises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from breachclock.playbooks import catalog
from breachclock.playbooks.clocks import Interval
from breachclock.playbooks.engine import Decision, evaluate
from breachclock.playbooks.facts import ClientTerms, IncidentFacts

from tests.factories import DOCUMENTED_NO_HARM, signed_off

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
DISCOVERED = datetime(2026, 3, 2, 10, 0, tzinfo=NY)


def eod(y: int, m: int, d: int, tz: ZoneInfo = NY) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=tz)


def facts(**overrides: Any) -> IncidentFacts:
    base: dict[str, Any] = {
        "title": "Scenario",
        "entity": {"name": "Acme", "timezone": "America/New_York"},
        "discovered_at": DISCOVERED.isoformat(),
        "data_elements": ["name", "ssn"],
    }
    base.update(overrides)
    return IncidentFacts.model_validate(base)


def entity(**kw: Any) -> dict[str, Any]:
    return {"name": "Acme", "timezone": "America/New_York", **kw}


def run(f: IncidentFacts, *ids: str, as_of: datetime | None = None, **kw: Any) -> list[Decision]:
    return evaluate(f, as_of=as_of or DISCOVERED + timedelta(days=1),
                    regimes=[catalog.regimes()[i] for i in ids], **kw)


def one(ds: list[Decision], regime: str, key: str, jurisdiction: str | None = None) -> Decision:
    found = [d for d in ds if d.regime == regime and d.rule_key == key
             and (jurisdiction is None or d.jurisdiction == jurisdiction)]
    assert len(found) == 1, found
    return found[0]


def test_hipaa_one_state_over_500():
    # § 164.406: media for "more than 500 residents of a State"; § 164.408(b): HHS for "500 or more".
    f = facts(entity=entity(sectors=["hipaa_covered_entity"]), data_elements=["name", "medical"],
              affected={"US-CA": 600, "US-TX": 100})
    ds = run(f, "US-FED-HIPAA")
    media_ca = one(ds, "US-FED-HIPAA", "media", "US-CA")
    assert media_ca.required and media_ca.due == eod(2026, 5, 1)
    media_tx = one(ds, "US-FED-HIPAA", "media", "US-TX")
    assert not media_tx.required and media_tx.reason == "100 is not more than 500 (residents)"
    hhs = one(ds, "US-FED-HIPAA", "hhs")
    assert hhs.required and hhs.due == eod(2026, 5, 1) and hhs.threshold["count"] == 700
    assert not one(ds, "US-FED-HIPAA", "hhs_annual_log").required
    assert one(ds, "US-FED-HIPAA", "individuals").due == eod(2026, 5, 1)


def test_hipaa_under_500_goes_to_the_annual_log():
    # § 164.408(c): "not later than 60 days after the end of each calendar year".
    f = facts(entity=entity(sectors=["hipaa_covered_entity"]), data_elements=["name", "medical"],
              affected={"US-CA": 300})
    ds = run(f, "US-FED-HIPAA")
    log = one(ds, "US-FED-HIPAA", "hhs_annual_log")
    assert log.required and log.due == eod(2027, 3, 1)
    assert not one(ds, "US-FED-HIPAA", "hhs").required
    assert not one(ds, "US-FED-HIPAA", "media", "US-CA").required


def test_hipaa_does_not_bind_an_ordinary_firm():
    f = facts(data_elements=["name", "medical"], affected={"US-CA": 600})
    assert not any(d.required for d in run(f, "US-FED-HIPAA"))


def test_gdpr_72_hours_across_a_weekend_and_the_clock_change():
    # Art. 33(1): "not later than 72 hours after having become aware of it". Aware Fri 12:00 CET;
    # clocks go forward Sun 2026-03-29; the deadline is Mon 13:00 CEST, 72 elapsed hours later.
    aware = datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN)
    f = facts(entity={"name": "Acme GmbH", "timezone": "Europe/Berlin", "roles": ["controller"]},
              discovered_at=aware.isoformat(), data_elements=["name", "email"], affected={"DE": 100},
              events=[{"type": "awareness", "at": aware.isoformat()}])
    ds = run(f, "EU-GDPR", as_of=aware + timedelta(hours=1))
    sa = one(ds, "EU-GDPR", "supervisory_authority")
    assert sa.required and sa.due == datetime(2026, 3, 30, 13, 0, tzinfo=BERLIN)
    assert sa.due.astimezone(UTC) - aware.astimezone(UTC) == timedelta(hours=72)
    assert one(ds, "EU-GDPR", "breach_record").required


def test_gdpr_unlikely_risk_keeps_only_the_record():
    f = facts(entity={"name": "Acme GmbH", "timezone": "Europe/Berlin", "roles": ["controller"]},
              data_elements=["name", "email"], affected={"DE": 100}, risk={"harm_likely": False, "high_risk": False})
    ds = run(f, "EU-GDPR", risk_signoff=signed_off(f))
    assert not one(ds, "EU-GDPR", "supervisory_authority").required
    assert not one(ds, "EU-GDPR", "data_subjects").required
    assert one(ds, "EU-GDPR", "breach_record").required


def test_sec_four_business_days_across_thanksgiving():
    determined = datetime(2026, 11, 25, 16, 0, tzinfo=NY)
    f = facts(entity=entity(sectors=["sec_registrant"]), discovered_at="2026-11-20T09:00:00-05:00",
              affected={"US-NY": 10}, events=[{"type": "materiality_determined", "at": determined.isoformat()}])
    d = one(run(f, "US-FED-SEC", as_of=determined + timedelta(hours=1)), "US-FED-SEC", "form_8k")
    # 17 CFR 232.13(a)(2): filed after 5:30 p.m. Eastern counts as the next business day.
    assert d.required and d.due == datetime(2026, 12, 2, 17, 30, tzinfo=NY)
    assert d.clock_start["event"] == "materiality_determined" and d.clock_start["at"] == determined


def test_sec_clock_has_not_started_before_the_materiality_determination():
    f = facts(entity=entity(sectors=["sec_registrant"]), affected={"US-NY": 10})
    d = one(run(f, "US-FED-SEC"), "US-FED-SEC", "form_8k")
    assert d.due is None and "has not started" in d.due_text


def test_nydfs_72_hours_and_24_hour_extortion_payment_notice():
    determined = datetime(2026, 3, 6, 17, 0, tzinfo=NY)
    paid = datetime(2026, 3, 7, 20, 30, tzinfo=NY)
    f = facts(entity=entity(sectors=["nydfs_covered_entity"]), affected={"US-NY": 10}, determined_at=determined,
              events=[{"type": "ransom_paid", "at": paid.isoformat()}])
    ds = run(f, "US-NY-DFS", as_of=paid + timedelta(hours=1))
    sup = one(ds, "US-NY-DFS", "superintendent")
    assert sup.due.astimezone(UTC) == determined.astimezone(UTC) + timedelta(hours=72)  # across the DST change
    ext = one(ds, "US-NY-DFS", "extortion_payment")
    assert ext.required and ext.due.astimezone(UTC) == paid.astimezone(UTC) + timedelta(hours=24)
    assert one(ds, "US-NY-DFS", "extortion_payment_description").due == eod(2026, 4, 6)
    # Before the payment, no payment notice is owed.
    earlier = run(f, "US-NY-DFS", as_of=paid - timedelta(hours=1))
    assert not one(earlier, "US-NY-DFS", "extortion_payment").required


def test_service_provider_notifies_the_data_owner():
    f = facts(entity=entity(roles=["service_provider"]), affected={"US-CA": 600, "US-TX": 300},
              risk={"harm_likely": False})
    ds = run(f, "US-CA", "US-TX")
    for regime in ("US-CA", "US-TX"):
        assert not one(ds, regime, "individuals").required
        assert not one(ds, regime, "attorney_general").required
        owner = one(ds, regime, "data_owner")
        assert owner.required and owner.due is None and owner.due_text.startswith("no fixed deadline")


def test_processor_notice_survives_the_risk_exception():
    # GDPR Art. 33(2): the processor notifies the controller of every breach; the controller assesses risk.
    f = facts(entity={"name": "Proc", "timezone": "Europe/Berlin", "roles": ["processor"]},
              data_elements=["email"], affected={"FR": 10}, risk={"harm_likely": False, "high_risk": False})
    assert one(run(f, "EU-GDPR"), "EU-GDPR", "processor_to_controller").required


def test_client_contract_24_hours_from_discovery():
    client = ClientTerms(id="bank-a", name="Bank A", notice_contact="security@bank-a.example", notice_hours=24)
    ds = run(facts(affected={"US-TX": 10}), "US-TX", clients=[client])
    d = one(ds, "CONTRACT:bank-a", "notify_client")
    assert d.required and d.due == DISCOVERED + timedelta(hours=24)
    owner = ClientTerms(id="own", name="Self", notice_contact="privacy@self.example", firm_role="data_owner")
    assert not one(run(facts(affected={"US-TX": 10}), "US-TX", clients=[owner]), "CONTRACT:own",
                   "notify_client").required


def test_a_named_client_without_a_data_set_keeps_its_contract_clock_and_is_told_so():
    bank = ClientTerms(id="bank-a", name="Bank A", notice_contact="security@bank-a.example", notice_hours=24)
    other = ClientTerms(id="bank-b", name="Bank B", notice_contact="security@bank-b.example", notice_hours=48)
    f = facts(clients=[bank.model_dump(), other.model_dump()], affected={},
              data_sets=[{"id": "a-files", "client": "bank-a", "affected": {"US-TX": 10}}])
    ds = run(f, "US-TX", clients=[bank, other])
    a, b = one(ds, "CONTRACT:bank-a", "notify_client"), one(ds, "CONTRACT:bank-b", "notify_client")
    assert a.required and "no data set holds" not in a.reason
    assert b.required and b.due == DISCOVERED + timedelta(hours=48)
    assert "no data set holds its data" in b.reason and "only this contractual notice" in b.reason


def test_california_ag_anchored_to_the_individual_notice():
    # § 1798.82 (SB 446): individuals within 30 days of discovery; AG within 15 days of notifying consumers.
    f = facts(affected={"US-CA": 600})
    before = run(f, "US-CA")
    assert one(before, "US-CA", "individuals").due == eod(2026, 4, 1)
    ag = one(before, "US-CA", "attorney_general")
    assert ag.required and ag.due == eod(2026, 4, 16)
    assert "anchored to its legal deadline" in ag.due_text
    sent = datetime(2026, 3, 20, 15, 0, tzinfo=NY)
    f_sent = facts(affected={"US-CA": 600},
                   events=[{"type": "individual_notice_sent", "at": sent.isoformat(), "regime": "US-CA"}])
    after = one(run(f_sent, "US-CA", as_of=sent + timedelta(hours=1)), "US-CA", "attorney_general")
    assert after.due == eod(2026, 4, 4) and after.clock_start["at"] == sent
    # A notice sent under another regime does not move California's clock.
    f_other = facts(affected={"US-CA": 600},
                    events=[{"type": "individual_notice_sent", "at": sent.isoformat(), "regime": "US-TX"}])
    assert one(run(f_other, "US-CA", as_of=sent + timedelta(hours=1)), "US-CA", "attorney_general").due == eod(
        2026, 4, 16)


def test_law_enforcement_hold_tolls_only_clocks_that_allow_it():
    start, end = datetime(2026, 3, 3, 10, 0, tzinfo=NY), datetime(2026, 3, 13, 10, 0, tzinfo=NY)
    f = facts(entity=entity(sectors=["nydfs_covered_entity"]), affected={"US-CA": 10, "US-NY": 10},
              determined_at=DISCOVERED,
              events=[{"type": "law_enforcement_delay", "at": start.isoformat(), "end": end.isoformat()}])
    ds = run(f, "US-CA", "US-NY-DFS", as_of=end + timedelta(hours=1))
    ca = one(ds, "US-CA", "individuals")
    assert ca.due == eod(2026, 4, 11) and "tolled 9 days 23 hours" in ca.due_text  # across the DST change
    dfs = one(ds, "US-NY-DFS", "superintendent")  # 23 NYCRR 500.17 has no law-enforcement delay
    assert dfs.due.astimezone(UTC) == DISCOVERED.astimezone(UTC) + timedelta(hours=72)


def test_open_hold_suspends_and_as_of_sees_holds_as_known_then():
    start, end = datetime(2026, 3, 3, 10, 0, tzinfo=NY), datetime(2026, 3, 13, 10, 0, tzinfo=NY)
    f = facts(affected={"US-CA": 10})
    during = one(run(f, "US-CA", as_of=start + timedelta(days=1), holds=[Interval(start, end)]), "US-CA",
                 "individuals")
    assert during.due is None and "suspended" in during.due_text and during.policy_due is None
    after = one(run(f, "US-CA", as_of=end + timedelta(days=1), holds=[Interval(start, end)]), "US-CA",
                "individuals")
    assert after.due == eod(2026, 4, 11)


def test_risk_of_harm_exception_turns_notice_off_and_the_record_on():
    # Fla. Stat. § 501.171(4)(c): no individual notice if harm unlikely; written determination kept 5 years.
    f = facts(affected={"US-FL": 100, "US-TX": 100}, risk=DOCUMENTED_NO_HARM)
    ds = run(f, "US-FL", "US-TX", risk_signoff=signed_off(f))
    fl = one(ds, "US-FL", "individuals")
    assert not fl.required and "risk-of-harm exception" in fl.reason and "5 years" in fl.reason
    assert one(ds, "US-FL", "written_determination").required
    assert one(ds, "US-TX", "individuals").required  # Texas has no risk-of-harm exception
    # Without the exception the record duty is not owed.
    f_harm = facts(affected={"US-FL": 100})
    assert not one(run(f_harm, "US-FL"), "US-FL", "written_determination").required


def test_notice_anchored_to_a_suspended_individual_notice_says_so():
    start = datetime(2026, 3, 3, 10, 0, tzinfo=NY)
    ds = run(facts(affected={"US-CA": 600}), "US-CA", as_of=start + timedelta(days=1), holds=[Interval(start, None)])
    ag = one(ds, "US-CA", "attorney_general")
    assert ag.due is None and "suspended" in ag.due_text


def test_florida_no_harm_determination_excuses_individuals_but_not_the_department():
    # Fla. Stat. § 501.171(3)(a): "shall give notice to the department of any breach of security affecting 500
    # or more individuals in this state"; (4)(c): notice "to the affected individuals is not required" if
    # no harm is reasonably likely, with the written determination provided to the department within 30 days.
    from breachclock.playbooks.engine import evaluate
    from breachclock.playbooks.facts import IncidentFacts

    f = IncidentFacts.model_validate({
        "title": "t", "entity": {"name": "X", "timezone": "America/New_York"},
        "discovered_at": "2026-03-02T10:00:00-05:00", "data_elements": ["name", "ssn"],
        "affected": {"US-FL": 800}, "risk": DOCUMENTED_NO_HARM})
    from datetime import UTC, datetime

    from breachclock.playbooks import catalog

    d = {x.rule_key: x for x in evaluate(f, as_of=datetime(2026, 3, 3, tzinfo=UTC), risk_signoff=signed_off(f),
                                         regimes=[catalog.regimes()["US-FL"]])}
    assert not d["individuals"].required
    assert d["department_of_legal_affairs"].required
    assert d["department_no_harm"].required and d["written_determination"].required


def test_texas_cra_threshold_counts_every_person_notified_not_only_texans():
    # Tex. Bus. & Com. Code § 521.053(h): "If a person is required by this section to notify at one time more
    # than 10,000 persons of a security breach, the person shall also notify each consumer reporting agency".
    from datetime import UTC, datetime

    from breachclock.playbooks import catalog
    from breachclock.playbooks.engine import evaluate
    from breachclock.playbooks.facts import IncidentFacts

    def cra(affected):  # type: ignore[no-untyped-def]
        f = IncidentFacts.model_validate({
            "title": "t", "entity": {"name": "X", "timezone": "America/Chicago"},
            "discovered_at": "2026-03-02T10:00:00-06:00", "data_elements": ["name", "ssn"], "affected": affected})
        (d,) = [x for x in evaluate(f, as_of=datetime(2026, 3, 3, tzinfo=UTC), regimes=[catalog.regimes()["US-TX"]])
                if x.recipient_kind == "cra"]
        return d

    assert not cra({"US-TX": 10_000}).required
    mixed = cra({"US-TX": 4_000, "US-OK": 6_001})
    assert mixed.required and mixed.threshold["count"] == 10_001


def test_a_recorded_hold_counts_as_the_law_enforcement_delay_louisiana_asks_reasons_for():
    # La. R.S. 51:3074(E)-(F): a delay for law enforcement's needs; the AG gets the reasons within the 60 days.
    from datetime import UTC, datetime

    from breachclock.playbooks import catalog
    from breachclock.playbooks.clocks import Interval
    from breachclock.playbooks.engine import evaluate
    from breachclock.playbooks.facts import IncidentFacts

    f = IncidentFacts.model_validate({
        "title": "t", "entity": {"name": "X", "timezone": "America/Chicago"},
        "discovered_at": "2026-03-02T10:00:00-06:00", "data_elements": ["name", "ssn"], "affected": {"US-LA": 10}})
    as_of = datetime(2026, 3, 20, tzinfo=UTC)

    def delay_notice(holds):  # type: ignore[no-untyped-def]
        (d,) = [x for x in evaluate(f, as_of=as_of, holds=holds, regimes=[catalog.regimes()["US-LA"]])
                if x.rule_key == "attorney_general_delay"]
        return d

    assert not delay_notice([]).required
    hold = Interval(datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC))
    assert delay_notice([hold]).required
