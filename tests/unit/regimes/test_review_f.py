"""Review f (2026-12-03) of US-FED-FTC-HBNR, US-FED-CIRCIA, UK-GDPR, IN-DPDP (and the unread US-FED-FTC-SAFEGUARDS,
US-FED-HIPAA 2009, US-GU and US-VI, which stay unreviewed).

Every test keeps a short quote of the law next to the fact it implies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.engine import NO_LAW_APPLIED, evaluate

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

REVIEWED = date(2026, 12, 3)
NY = ZoneInfo("America/New_York")
HBNR_DAYS = [date(2015, 6, 1), date(2026, 6, 1)]
PHR_VENDOR = {"name": "Health App", "timezone": "America/New_York", "sectors": ["vendor_of_personal_health_records"]}

# --- FTC Health Breach Notification Rule: whom it protects ------------------------------------------------------


@pytest.mark.parametrize("day", HBNR_DAYS)
def test_hbnr_protects_us_citizens_or_residents_not_people_wherever_they_live(day):
    # 42 U.S.C. 17937(a)(1): "notify each individual who is a citizen or resident of the United States whose
    # unsecured PHR identifiable health information was acquired"; § 318.1(a) (2024): the part applies to vendors
    # "that maintain information of U.S. citizens or residents". Unlike HIPAA (a covered entity's patients wherever
    # they live), people whose residency the extract cannot tell are not presumed covered.
    assert version("US-FED-FTC-HBNR", day).applies_to.residents_of == ["US"]
    assert "unknown" in version("US-FED-HIPAA", day).applies_to.residents_of
    assert "citizen or resident of the United States" in (version("US-FED-FTC-HBNR", day).applies_to.text or "")


@pytest.mark.parametrize("day", HBNR_DAYS)
def test_hbnr_leaves_people_of_unknown_residency_to_counsel(day):
    # 17937(a)(1): "each individual who is a citizen or resident of the United States" - an extract that cannot
    # place a person cannot say they are one; counsel decides (never a silent no).
    discovered = datetime(day.year, day.month, day.day, 10, tzinfo=NY)
    f = facts(discovered, {"US-NY": 10, "unknown": 3}, ["name", "medical"], entity=PHR_VENDOR)
    ds = evaluate(f, as_of=discovered + timedelta(days=1), regimes=[regimes()["US-FED-FTC-HBNR"]])
    (d,) = [x for x in ds if x.regime == "US-FED-FTC-HBNR" and x.rule_key == "individuals"]
    assert d.required and d.counts == {"US-NY": 10}
    open_ = [x for x in ds if x.regime == NO_LAW_APPLIED]
    assert [(x.jurisdiction, x.required, x.counts) for x in open_] == [("unknown", None, {"unknown": 3})]


def test_hbnr_reaches_no_one_whose_residency_is_unknown():
    # Only people of unknown residency: none is shown to be "a citizen or resident of the United States".
    discovered = datetime(2026, 3, 2, 10, tzinfo=NY)
    f = facts(discovered, {"unknown": 4}, ["name", "medical"], entity=PHR_VENDOR)
    ds = evaluate(f, as_of=discovered + timedelta(days=1), regimes=[regimes()["US-FED-FTC-HBNR"]])
    (d,) = [x for x in ds if x.regime == "US-FED-FTC-HBNR" and x.rule_key == "individuals"]
    assert d.required is False and d.reason.startswith("no affected residents")
    assert [x.required for x in ds if x.regime == NO_LAW_APPLIED] == [None]  # counsel decides


# --- FTC HBNR 2009: § 318.4 as first in force --------------------------------------------------------------------

HBNR_2009 = date(2015, 6, 1)


@pytest.mark.parametrize("key", ["individuals", "media", "data_owner"])
def test_hbnr_2009_sixty_calendar_days_for_the_notices_318_4_a_names(key):
    # 2009 § 318.4(a): "all notifications required under §§ 318.3(a)(1), 318.3(b), and 318.5(b) shall be sent without
    # unreasonable delay and in no case later than 60 calendar days after the discovery of a breach of security"
    clock = rule("US-FED-FTC-HBNR", HBNR_2009, key).clocks[0]
    assert (clock.start, clock.unit, clock.amount) == ("discovery", "days", 60)


def test_hbnr_2009_the_ftc_notice_has_its_own_timing_in_318_5_c():
    # 2009 § 318.4(a): "Except as provided in paragraph (c) of this section and § 318.5(c)" - the FTC notice is not
    # under the 60 days; in 2009 § 318.4(c) is the law-enforcement exception, so no FTC clock cites it.
    ftc = rule("US-FED-FTC-HBNR", HBNR_2009, "ftc").clocks[0]
    log = rule("US-FED-FTC-HBNR", HBNR_2009, "ftc_annual_log").clocks[0]
    assert (ftc.unit, ftc.amount) == ("business_days", 10)
    for clock in (ftc, log):
        assert "318.5(c)" in clock.text and "318.4(c)" not in clock.text
    # the 2024 texts no longer give a paragraph of § 318.4 that was not read
    for key in ("ftc", "ftc_annual_log"):
        assert "318.4(c)" not in rule("US-FED-FTC-HBNR", date(2026, 6, 1), key).clocks[0].text


@pytest.mark.parametrize("day", HBNR_DAYS)
def test_hbnr_law_enforcement_text_is_the_rules_own(day):
    # 2009 § 318.4(c): "such notification, notice, or posting shall be delayed. This paragraph shall be implemented
    # in the same manner as provided under 45 CFR 164.528(a)(2)"
    le = version("US-FED-FTC-HBNR", day).law_enforcement
    assert le is not None and le.effect == "toll" and le.oral_limit_days == 30
    assert "such notification, notice, or posting shall be delayed" in le.text


def test_hbnr_starts_for_breaches_discovered_from_2009_09_24():
    # 42 U.S.C. 17937(g)(1): the section applies "to breaches of security that are discovered on or after the date
    # that is 30 days after the date of publication of such interim final regulations" (74 FR 42962, 2009-08-25).
    assert regimes()["US-FED-FTC-HBNR"].version_on(date(2009, 9, 23)) is None
    assert version("US-FED-FTC-HBNR", date(2009, 9, 24)).version == "2009-09-24"
    early = datetime(2009, 9, 23, 10, tzinfo=NY)
    f = facts(early, {"US-NY": 10}, ["name", "medical"], entity=PHR_VENDOR)
    d = decide(f, "US-FED-FTC-HBNR", "individuals", early + timedelta(days=1))
    assert d.required is False and "first took effect on 2009-09-24" in d.reason


@pytest.mark.parametrize("regime_id", ["US-FED-FTC-HBNR", "US-FED-FTC-SAFEGUARDS", "US-GU", "US-VI"])
def test_regimes_whose_sections_were_not_read_stay_unreviewed(regime_id):
    # HBNR § 318.3 and § 318.5(b)-(c), Safeguards § 314.4(j), Guam § 48.30, Virgin Islands § 2209: not read.
    assert all(v.reviewed_on is None for v in regimes()[regime_id].versions)
    assert version("US-FED-HIPAA", date(2010, 6, 1)).reviewed_on is None  # the 2009 IFR's text was not read


# --- CIRCIA: 6 U.S.C. 681b(a) --------------------------------------------------------------------------------------


def test_circia_statute_read_and_still_not_in_force():
    # 681b(a)(7): "Paragraphs (1) through (4) shall take effect on the dates prescribed in the final rule" - no final
    # rule was published as far as sources of late September and early October 2026 show.
    (v,) = regimes()["US-FED-CIRCIA"].versions
    assert v.status == "not_in_force" and v.confidence == "low" and v.reviewed_on == REVIEWED
    assert "681b(a)(7)" in (v.confidence_notes or "")[:300] and "counsel must confirm" in (v.confidence_notes or "")


def test_circia_clocks_cite_the_statute_not_the_proposed_rule():
    # 681b(a)(1)(A): "not later than 72 hours after the covered entity reasonably believes that the covered cyber
    # incident has occurred"; (a)(2)(A): "not later than 24 hours after the ransom payment has been made", and
    # (a)(2)(B): "even if the ransomware attack is not a covered cyber incident".
    incident = rule("US-FED-CIRCIA", REVIEWED, "cisa_incident")
    ransom = rule("US-FED-CIRCIA", REVIEWED, "cisa_ransom_payment")
    assert (incident.clocks[0].start, incident.clocks[0].unit, incident.clocks[0].amount) == ("awareness", "hours", 72)
    assert (ransom.clocks[0].start, ransom.clocks[0].unit, ransom.clocks[0].amount) == ("ransom_paid", "hours", 24)
    assert ransom.requires_event == "ransom_paid" and ransom.requires_sectors == []
    for r in (incident, ransom):
        assert "proposed" not in r.clocks[0].text and "681b(a)(7)" in r.clocks[0].text


def test_circia_decisions_say_why_it_is_not_owed():
    f = facts(datetime(2026, 11, 2, 10, tzinfo=NY), {}, [],
              entity={"name": "Grid", "timezone": "America/New_York", "sectors": ["critical_infrastructure"]},
              events=[{"type": "ransom_paid", "at": "2026-11-03T10:00:00-05:00"}])
    for key in ("cisa_incident", "cisa_ransom_payment"):
        d = decide(f, "US-FED-CIRCIA", key, datetime(2026, 11, 4, tzinfo=UTC))
        assert d.required is False and "not in force" in d.reason and "dates prescribed in the final rule" in d.reason


# --- UK GDPR from 2021: Arts. 33(1) and 34(1) ----------------------------------------------------------------------

UK_DAY = date(2026, 6, 1)


def test_uk_gdpr_2021_reviewed_against_article_33_1():
    # UK GDPR Art. 33(1): "not later than 72 hours after having become aware of it, notify the personal data breach
    # to the Commissioner, unless the personal data breach is unlikely to result in a risk to the rights and
    # freedoms of natural persons"
    v = version("UK-GDPR", UK_DAY)
    assert v.version == "2021-01-01" and v.reviewed_on == REVIEWED
    ico = rule("UK-GDPR", UK_DAY, "ico")
    assert (ico.clocks[0].start, ico.clocks[0].unit, ico.clocks[0].amount) == ("awareness", "hours", 72)
    assert "Information Commissioner" in ico.recipient and ico.roles == ["controller"]
    assert v.risk_of_harm.exception and v.risk_of_harm.basis == "harm_likely"


def test_uk_gdpr_2021_data_subjects_only_on_high_risk():
    # Art. 34(1): "When the personal data breach is likely to result in a high risk to the rights and freedoms of
    # natural persons, the controller shall communicate the personal data breach to the data subject without undue
    # delay."
    ds = rule("UK-GDPR", UK_DAY, "data_subjects")
    assert ds.requires_risk == "high_risk" and ds.clocks[0].unit == "none"
    tz = ZoneInfo("Europe/London")
    aware = datetime(2026, 3, 2, 10, tzinfo=tz)
    f = facts(aware, {"GB": 40}, ["name", "email"], entity={"name": "Acme", "timezone": "Europe/London",
                                                             "roles": ["controller"]},
              risk={"harm_likely": True, "high_risk": False})
    as_of = datetime(2026, 3, 3, tzinfo=tz)
    ico = decide(f, "UK-GDPR", "ico", as_of)
    assert ico.required and ico.due == aware + timedelta(hours=72)
    assert decide(f, "UK-GDPR", "data_subjects", as_of).required is False


# --- India DPDP Rules 2025: Rule 1 commencement ----------------------------------------------------------------------


def test_dpdp_rule_7_not_in_force_until_eighteen_months_after_publication():
    # Rule 1(4): "Rules 3, 5 to 16, 22 and 23 shall come into force eighteen months after the date of publication of
    # this Gazette" (G.S.R. 846(E), 13 November 2025) - Rule 7, breach intimation, is among them.
    notified = version("IN-DPDP", date(2026, 12, 3))
    assert notified.status == "not_in_force" and notified.reviewed_on == REVIEWED
    assert notified.effective_from == date(2025, 11, 13) and notified.effective_to == date(2027, 5, 13)
    assert "G.S.R. 846(E)" in notified.citation
    in_force = version("IN-DPDP", date(2027, 5, 13))
    assert in_force.status == "in_force"
    board = {o.key: o for o in in_force.obligations}["board_detailed"].clocks[0]
    assert (board.start, board.unit, board.amount) == ("awareness", "hours", 72)


def test_dpdp_breach_before_may_2027_is_not_owed_and_says_why():
    tz = ZoneInfo("Asia/Kolkata")
    aware = datetime(2026, 12, 1, 10, tzinfo=tz)
    f = facts(aware, {"IN": 25}, ["name", "email"], entity={"name": "Acme", "timezone": "Asia/Kolkata",
                                                             "roles": ["controller"]})
    for key in ("data_principals", "board_initial", "board_detailed"):
        d = decide(f, "IN-DPDP", key, datetime(2026, 12, 2, tzinfo=tz))
        assert d.required is False and "not in force" in d.reason
    # from 2027-05-13 the version in force carries the duties (not asked of the engine: a later discovery date
    # is refused as being in the future)
    assert {o.key for o in version("IN-DPDP", date(2027, 5, 13)).obligations} == {
        "data_principals", "board_initial", "board_detailed"}
