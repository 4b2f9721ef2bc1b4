"""Law shapes beyond a tolling switch, each from the rule's own words: incidents without personal data, the
EDGAR cut-off, law-enforcement delay rule by rule (who asked, in writing or not, how long, a fresh period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks import catalog
from breachclock.playbooks.engine import Decision, evaluate
from breachclock.playbooks.facts import IncidentFacts
from pydantic import ValidationError

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
DISCOVERED = datetime(2026, 3, 2, 10, 0, tzinfo=NY)


def eod(y: int, m: int, d: int, tz: ZoneInfo = NY) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=tz)


def facts(**overrides: Any) -> IncidentFacts:
    base: dict[str, Any] = {"title": "Shapes", "entity": {"name": "Acme", "timezone": "America/New_York"},
                            "discovered_at": DISCOVERED.isoformat(), "data_elements": ["name", "ssn"]}
    return IncidentFacts.model_validate(base | overrides)


def hold(start: datetime, end: datetime | None = None, **kw: Any) -> dict[str, Any]:
    return {"type": "law_enforcement_delay", "at": start.isoformat(), **({"end": end.isoformat()} if end else {}), **kw}


def one(f: IncidentFacts, regime: str, key: str, as_of: datetime) -> Decision:
    (d,) = [d for d in evaluate(f, as_of=as_of, regimes=[catalog.regimes()[regime]]) if d.rule_key == key]
    return d


# --- a cybersecurity incident that exposed no personal data ------------------------------------------------


def test_an_incident_without_personal_data_owes_the_entity_based_duties_only():
    determined = datetime(2026, 3, 4, 9, 0, tzinfo=LA)
    f = facts(entity={"name": "Listed Co", "timezone": "America/Los_Angeles",
                      "sectors": ["sec_registrant", "nydfs_covered_entity"]},
              data_elements=[], events=[{"type": "materiality_determined", "at": determined.isoformat()}])
    assert not f.involves_personal_data()
    ds = evaluate(f, as_of=determined + timedelta(hours=1))
    owed = {(d.regime, d.rule_key) for d in ds if d.required}
    assert owed == {("US-FED-SEC", "form_8k"), ("US-NY-DFS", "superintendent")}
    assert not [d for d in ds if d.required is None]  # nobody to ask about: no people
    ca = [d for d in ds if d.regime == "US-CA"]
    assert ca and all(d.required is False and "involves no personal data" in d.reason for d in ca)
    sec = next(d for d in ds if d.regime == "US-FED-SEC")
    assert "whether or not personal data is involved" in sec.reason


def test_people_counted_without_any_exposed_element_is_refused():
    with pytest.raises(ValidationError, match="no exposed data elements are listed"):
        facts(data_elements=[], affected={"US-TX": 10})
    with pytest.raises(ValidationError, match="data set own"):
        facts(data_elements=[], data_sets=[{"id": "own", "affected": {"US-TX": 3}}])


# --- EDGAR's cut-off ---------------------------------------------------------------------------------------


def test_a_sec_filer_in_los_angeles_is_due_at_14_30_local():
    # Four business days after a Wednesday determination is the next Tuesday; EDGAR deems a filing after
    # 5:30 p.m. Eastern made the next business day (17 CFR 232.13(a)(2)): 14:30 in Los Angeles.
    determined = datetime(2026, 3, 4, 9, 0, tzinfo=LA)
    f = facts(entity={"name": "Listed Co", "timezone": "America/Los_Angeles", "sectors": ["sec_registrant"]},
              events=[{"type": "materiality_determined", "at": determined.isoformat()}])
    d = one(f, "US-FED-SEC", "form_8k", determined + timedelta(hours=1))
    assert d.due == datetime(2026, 3, 10, 14, 30, tzinfo=LA)
    assert "17:30 America/New_York" in d.due_text and "232.13" in d.due_text


# --- law-enforcement delay, rule by rule ------------------------------------------------------------------


def test_an_fbi_request_pauses_a_state_clock_but_not_the_8k():
    determined = datetime(2026, 3, 4, 9, 0, tzinfo=NY)
    fbi = hold(datetime(2026, 3, 5, 9, 0, tzinfo=NY), datetime(2026, 3, 15, 9, 0, tzinfo=NY), agency="FBI",
               written=True)
    events = [{"type": "materiality_determined", "at": determined.isoformat()}, fbi]
    f = facts(entity={"name": "Listed Co", "timezone": "America/New_York", "sectors": ["sec_registrant"]},
              affected={"US-WA": 10}, events=events)
    as_of = datetime(2026, 3, 20, tzinfo=NY)
    sec = one(f, "US-FED-SEC", "form_8k", as_of)
    assert sec.due == datetime(2026, 3, 10, 17, 30, tzinfo=NY)  # as if no request had been made
    assert "FBI does not count here" in sec.due_text
    # RCW 19.255.010: 30 days after discovery, delayed at law enforcement's request: ten days later.
    wa = one(f, "US-WA", "individuals", as_of)
    assert wa.due == eod(2026, 4, 11)


def test_only_a_written_attorney_general_determination_delays_the_8k_and_for_at_most_120_days():
    determined = datetime(2026, 3, 4, 9, 0, tzinfo=NY)
    entity = {"name": "Listed Co", "timezone": "America/New_York", "sectors": ["sec_registrant"]}

    def due(**kw: Any) -> Decision:
        ag = hold(datetime(2026, 3, 9, 9, 0, tzinfo=NY), datetime(2026, 4, 8, 9, 0, tzinfo=NY),
                  agency="U.S. Attorney General", **kw)
        f = facts(entity=entity, events=[{"type": "materiality_determined", "at": determined.isoformat()}, ag])
        return one(f, "US-FED-SEC", "form_8k", datetime(2026, 4, 9, tzinfo=NY))

    written = due(written=True)
    assert written.due is not None and written.due > datetime(2026, 4, 8, tzinfo=NY)
    oral = due()
    assert oral.due == datetime(2026, 3, 10, 17, 30, tzinfo=NY) and "only a written determination" in oral.due_text
    # 30 + 30 + 60 days at most (Item 1.05(c)); a longer stated delay counts for 120.
    long = hold(datetime(2026, 3, 9, 9, 0, tzinfo=NY), datetime(2026, 12, 1, 9, 0, tzinfo=NY),
                agency="Attorney General of the United States", written=True)
    f = facts(entity=entity, events=[{"type": "materiality_determined", "at": determined.isoformat()}, long])
    capped = one(f, "US-FED-SEC", "form_8k", datetime(2026, 12, 2, tzinfo=NY))
    assert capped.due is not None and datetime(2026, 7, 1, tzinfo=NY) < capped.due < datetime(2026, 7, 20, tzinfo=NY)
    assert "at most 120 days" in capped.due_text


MD_AS_OF = datetime(2026, 6, 1, tzinfo=NY)


@pytest.mark.parametrize(("start", "end", "due"), [
    # Released within the 45 days: the original deadline stands (no days are added).
    (datetime(2026, 3, 5, 9, 0, tzinfo=NY), datetime(2026, 3, 20, 9, 0, tzinfo=NY), eod(2026, 4, 16)),
    # Released after them: 7 days after law enforcement says notice no longer impedes.
    (datetime(2026, 3, 5, 9, 0, tzinfo=NY), datetime(2026, 5, 1, 10, 0, tzinfo=NY), eod(2026, 5, 8)),
    # A request made after the deadline had passed delays nothing.
    (datetime(2026, 4, 20, 9, 0, tzinfo=NY), datetime(2026, 5, 20, 9, 0, tzinfo=NY), eod(2026, 4, 16)),
])
def test_maryland_notice_after_a_delay_is_the_original_45_days_or_7_days_after_release(start, end, due):
    f = facts(affected={"US-MD": 10}, events=[hold(start, end, agency="Maryland State Police")])
    d = one(f, "US-MD", "individuals", MD_AS_OF)
    assert d.required and d.due == due
    if due != eod(2026, 4, 16):
        assert "7 calendar days from its end or the original deadline, whichever is later" in d.due_text


def test_maryland_is_suspended_while_the_delay_lasts():
    f = facts(affected={"US-MD": 10}, events=[hold(datetime(2026, 3, 5, 9, 0, tzinfo=NY), agency="FBI")])
    d = one(f, "US-MD", "individuals", datetime(2026, 3, 6, tzinfo=NY))
    assert d.required and d.due is None and "suspended" in d.due_text


def test_colorado_notice_is_30_days_after_release_not_the_original_plus_the_delay():
    # § 6-1-716(2)(c): not later than thirty days after law enforcement says notice no longer impedes it.
    f = facts(affected={"US-CO": 10},
              events=[hold(datetime(2026, 3, 5, 9, 0, tzinfo=NY), datetime(2026, 3, 10, 10, 0, tzinfo=NY))])
    d = one(f, "US-CO", "individuals", datetime(2026, 3, 11, tzinfo=NY))
    assert d.due == eod(2026, 4, 9)  # tolling would have said 2026-04-06


def _hipaa(**kw: Any) -> Decision:
    f = facts(entity={"name": "Clinic", "timezone": "America/New_York", "sectors": ["hipaa_covered_entity"]},
              data_elements=["name", "medical"], affected={"US-NY": 20},
              events=[hold(datetime(2026, 3, 2, 12, 0, tzinfo=NY), datetime(2026, 5, 2, 12, 0, tzinfo=NY),
                           agency="FBI", **kw)])
    return one(f, "US-FED-HIPAA", "individuals", datetime(2026, 5, 3, tzinfo=NY))


def test_hipaa_an_oral_statement_delays_at_most_30_days_a_written_one_its_stated_time():
    # 45 CFR 164.412: written and specifying the time: that time; oral: no longer than 30 days from it.
    oral, written = _hipaa(), _hipaa(written=True)
    assert oral.due is not None and written.due is not None
    assert written.due - oral.due == timedelta(days=31)  # a 61-day hold against a 30-day cap
    assert "at most 30 days" in oral.due_text and "at most" not in written.due_text


def test_australia_the_s26wn_exception_does_not_extend_the_30_day_assessment():
    f = facts(entity={"name": "Acme Pty", "timezone": "Australia/Sydney", "roles": ["controller"], "country": "AU"},
              affected={"AU": 10},
              events=[{"type": "awareness", "at": DISCOVERED.isoformat()},
                      hold(DISCOVERED + timedelta(days=1), DISCOVERED + timedelta(days=20), agency="AFP")])
    d = one(f, "AU-NDB", "assessment", DISCOVERED + timedelta(days=21))
    assert d.due is not None and d.due.date() == (DISCOVERED + timedelta(days=30)).astimezone(
        ZoneInfo("Australia/Sydney")).date()
    assert "26WH" in d.due_text


# --- clocks anchored to another regulator's notice or another party's awareness ----------------------------


def _covered_entity(count: int, **kw: Any) -> IncidentFacts:
    return facts(entity={"name": "Clinic", "timezone": "America/New_York", "sectors": ["hipaa_covered_entity"]},
                 data_elements=["name", "medical"], affected={"US-NY": count}, **kw)


def test_new_york_ag_is_due_five_business_days_after_hhs_is_notified():
    # GBL § 899-aa(9): a HIPAA covered entity gives the AG any notice it gives HHS "within five business days
    # of notifying the Secretary". Until HHS is notified, the latest legal date runs from HHS's own deadline.
    as_of = datetime(2026, 3, 10, tzinfo=NY)
    hhs = one(_covered_entity(600), "US-FED-HIPAA", "hhs", as_of)
    assert hhs.due == eod(2026, 5, 1)  # 60 days after discovery (500 or more)
    ds = evaluate(_covered_entity(600), as_of=as_of,
                  regimes=[catalog.regimes()["US-NY"], catalog.regimes()["US-FED-HIPAA"]])
    (ag,) = [d for d in ds if d.regime == "US-NY" and d.rule_key == "attorney_general_hipaa"]
    assert ag.required and ag.due == eod(2026, 5, 8)  # Friday May 1 + 5 New York business days
    assert "notice under US-FED-HIPAA not yet sent" in ag.due_text
    sent = datetime(2026, 3, 20, 15, 0, tzinfo=NY)  # a Friday
    told = _covered_entity(600, events=[{"type": "regulator_notice_sent", "at": sent.isoformat(),
                                         "regime": "US-FED-HIPAA"}])
    ds = evaluate(told, as_of=sent + timedelta(hours=1),
                  regimes=[catalog.regimes()["US-NY"], catalog.regimes()["US-FED-HIPAA"]])
    (ag,) = [d for d in ds if d.regime == "US-NY" and d.rule_key == "attorney_general_hipaa"]
    assert ag.due == eod(2026, 3, 27) and ag.clock_start["at"] == sent


def test_under_500_the_ny_ag_runs_from_the_annual_hhs_log_deadline():
    # § 164.408(c): fewer than 500, to HHS within 60 days after the end of the calendar year.
    ds = evaluate(_covered_entity(20), as_of=datetime(2026, 3, 10, tzinfo=NY),
                  regimes=[catalog.regimes()["US-NY"], catalog.regimes()["US-FED-HIPAA"]])
    log = next(d for d in ds if d.regime == "US-FED-HIPAA" and d.rule_key == "hhs_annual_log")
    (ag,) = [d for d in ds if d.regime == "US-NY" and d.rule_key == "attorney_general_hipaa"]
    assert log.due is not None and ag.due is not None and log.due < ag.due <= log.due + timedelta(days=9)


def test_a_controllers_art_33_clock_starts_when_its_processor_told_it():
    # GDPR Art. 33(1)-(2): the controller notifies within 72 hours of becoming aware; the processor notifies the
    # controller without undue delay, and the controller is aware from then, not from the processor's discovery.
    told = DISCOVERED + timedelta(days=3)
    f = facts(entity={"name": "Acme GmbH", "timezone": "Europe/Berlin", "roles": ["controller"], "country": "DE"},
              data_elements=["name", "email"], affected={"DE": 100},
              events=[{"type": "vendor_notified_owner", "at": told.isoformat()}])
    d = one(f, "EU-GDPR", "supervisory_authority", told + timedelta(hours=1))
    assert d.due == told.astimezone(UTC) + timedelta(hours=72)  # elapsed hours, across New York's DST change
    assert "processor notified the controller" in d.due_text


@pytest.mark.parametrize(("day", "owed"), [("2024-03-04", False), ("2024-07-01", True)])
def test_item_1_05_bound_smaller_reporting_companies_only_from_2024_06_15(day, owed):
    # Release 33-11216: compliance from 2023-12-18, and 180 days later (2024-06-15) for smaller reporting companies.
    at = datetime.fromisoformat(f"{day}T10:00:00-05:00")
    f = facts(entity={"name": "Small Co", "timezone": "America/New_York",
                      "sectors": ["sec_registrant", "smaller_reporting_company"]}, discovered_at=at.isoformat(),
              events=[{"type": "materiality_determined", "at": at.isoformat()}])
    d = one(f, "US-FED-SEC", "form_8k", at + timedelta(hours=1))
    assert d.required is owed
    if not owed:
        assert "smaller reporting company" in d.reason
