"""The December 2026 law review: each fix tied to the words of the statute or regulation it comes from.

Every test keeps a short quote of the law next to the fact it implies. Coverage questions go through
``PersonalInformation.covers`` (what the engine asks) or, where a clock or a whole decision matters, through
``playbooks.engine.evaluate`` with an ``IncidentFacts`` built here.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks.catalog import regimes

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_covers as covers
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

# --- Florida: SB 262 (2023), s. 25, effective 2024-07-01 -------------------------------------------------


def test_florida_biometric_and_geolocation_from_2024_07_01():
    # § 501.171(1)(g)1.a. as amended: "(VI) An individual's biometric data as defined in s. 501.702; or
    # (VII) Any information regarding an individual's geolocation."
    for element in ("biometric", "geolocation"):
        assert not covers("US-FL", date(2024, 6, 30), "name", element)
        assert covers("US-FL", date(2024, 7, 2), "name", element)
    old, new = version("US-FL", date(2024, 6, 30)), version("US-FL", date(2024, 7, 1))
    assert old.effective_to == new.effective_from == date(2024, 7, 1)


def test_florida_biometric_breach_notice_through_the_engine():
    tz = ZoneInfo("America/New_York")
    before = facts(datetime(2024, 6, 30, 9, tzinfo=tz), {"US-FL": 10}, ["name", "biometric"])
    after = facts(datetime(2024, 7, 2, 9, tzinfo=tz), {"US-FL": 10}, ["name", "biometric"])
    assert not decide(before, "US-FL", "individuals", datetime(2024, 7, 1, tzinfo=tz)).required
    d = decide(after, "US-FL", "individuals", datetime(2024, 7, 3, tzinfo=tz))
    # "no later than 30 days after the determination of a breach" (determination not recorded: from discovery)
    assert d.required and d.due_date == date(2024, 8, 1)


# --- Connecticut: SB 1058 (2023-10-01) and PA 21-59 -------------------------------------------------------


def test_connecticut_precise_geolocation_from_2023_10_01():
    # SB 1058 "expand[s] the definition of personal information to include precise geolocation data"
    assert not covers("US-CT", date(2023, 9, 30), "name", "geolocation")
    assert covers("US-CT", date(2023, 10, 1), "name", "geolocation")


def test_connecticut_harm_test_no_longer_needs_law_enforcement():
    # PA 21-59: "after an appropriate investigation, the person reasonably determines that the breach will not
    # likely result in harm" - the former "consultation with relevant federal, state and local agencies
    # responsible for law enforcement" is gone.
    for day in (date(2021, 10, 1), date(2026, 6, 1)):
        text = version("US-CT", day).risk_of_harm.text or ""
        assert "appropriate investigation" in text and "removed" in text
        assert "consultation with relevant" not in text
    assert "consultation with" in (version("US-CT", date(2021, 9, 30)).risk_of_harm.text or "")


@pytest.mark.parametrize(("day", "amount", "ag"), [
    (date(2010, 1, 1), None, False),  # 2005 Act: "without unreasonable delay", no Attorney General notice
    (date(2013, 1, 1), None, True),   # PA 12-1: AG "not later than the time when notice is provided to the resident"
    (date(2016, 1, 1), 90, True),     # SB 949: "not later than ninety days after the discovery of such breach"
    (date(2022, 1, 1), 60, True),     # PA 21-59: "not later than sixty days after the discovery of such breach"
])
def test_connecticut_history(day, amount, ag):
    v = version("US-CT", day)
    assert rule("US-CT", day, "individuals").clocks[0].amount == amount
    assert ("attorney_general" in {o.key for o in v.obligations}) is ag


# --- Texas: § 521.002(a)(2)(B) and HB 4390 -----------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2015, 1, 1), date(2021, 1, 1), date(2026, 6, 1)])
def test_texas_health_information_counts_without_a_name(day):
    # § 521.002(a)(2)(B): "information that identifies an individual and relates to: (i) the physical or mental
    # health or condition of the individual; (ii) the provision of health care ...; or (iii) payment for the
    # provision of health care" - (B) is not tied to the name as (A) is.
    assert covers("US-TX", day, "medical")
    assert covers("US-TX", day, "health_insurance")
    assert not covers("US-TX", day, "ssn")  # (A) needs the name


def test_texas_2020_amendment_is_hb_4390():
    # HB 4390: "not later than the 60th day after the date on which the person determines that the breach
    # occurred [as quickly as possible]"; AG notice "if the breach involves at least 250 residents of this state"
    v2020 = version("US-TX", date(2020, 1, 1))
    assert "HB 4390" in v2020.citation and "HB 4," not in v2020.citation
    assert (rule("US-TX", date(2020, 1, 1), "individuals").clocks[0].amount) == 60
    before = rule("US-TX", date(2019, 12, 31), "individuals").clocks[0]
    assert before.unit == "none" and "as quickly as possible" in before.text
    assert "attorney_general" not in {o.key for o in version("US-TX", date(2019, 12, 31)).obligations}


# --- Maryland: § 14-3501(e) and HB 974 ---------------------------------------------------------------------


def test_maryland_45_days_is_hb_974_from_2018():
    # HB 974 (effective 2018-01-01): "not later than 45 days after the business concludes the investigation"
    v = version("US-MD", date(2018, 1, 1))
    assert v.effective_from == date(2018, 1, 1) and "HB 974" in v.citation
    clock = rule("US-MD", date(2018, 1, 1), "individuals").clocks[0]
    assert (clock.start, clock.amount) == ("notifiability_assessed", 45)
    # before HB 974: no fixed number of days
    assert rule("US-MD", date(2017, 12, 31), "individuals").clocks[0].unit == "none"
    # HB 962 (2022-10-01): "not later than 45 days after the business discovers or is notified of the breach"
    clock = rule("US-MD", date(2022, 10, 1), "individuals").clocks[0]
    assert (clock.start, clock.amount) == ("discovery", 45)


def test_maryland_credentials_and_health_insurance_explained():
    # § 14-3501(e)(1)(ii): credentials "that permits access to an individual's e-mail account";
    # (i)5: insurance number "in combination with a unique identifier used by an insurer"
    pi = version("US-MD", date(2026, 6, 1)).personal_information
    assert "e-mail account" in (pi.notes or "") and "conservative" in (pi.notes or "")
    assert "unique identifier used by an insurer" in (pi.notes or "")
    assert pi.covers(frozenset({"email", "password"}))  # the closest conservative encoding
    # the original 2008 definition had neither credentials nor health data
    assert not covers("US-MD", date(2010, 1, 1), "email", "password")
    assert not covers("US-MD", date(2010, 1, 1), "name", "medical")
    assert covers("US-MD", date(2010, 1, 1), "name", "tax_id")  # "Individual Taxpayer Identification Number"


# --- Washington: RCW 19.255.010(7) ---------------------------------------------------------------------------


def test_washington_attorney_general_clock_is_30_days_from_discovery():
    # "shall notify the attorney general of the breach no more than thirty days after the breach was discovered"
    ag = rule("US-WA", date(2026, 6, 1), "attorney_general")
    assert [(c.start, c.unit, c.amount) for c in ag.clocks] == [("discovery", "days", 30)]
    assert all(c.relation == "within" for c in ag.clocks)


def test_washington_attorney_general_due_date():
    tz = ZoneInfo("America/Los_Angeles")
    f = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-WA": 501}, ["name", "ssn"])
    d = decide(f, "US-WA", "attorney_general", datetime(2026, 3, 3, tzinfo=tz))
    assert d.required and d.due_date == date(2026, 4, 1)


def test_washington_original_act_has_no_attorney_general_notice():
    assert "attorney_general" not in {o.key for o in version("US-WA", date(2010, 1, 1)).obligations}
    assert rule("US-WA", date(2016, 1, 1), "individuals").clocks[0].amount == 45  # HB 1078 (2015)


# --- New York: § 899-aa(8) ------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2010, 1, 1), date(2020, 1, 1), date(2025, 1, 10), date(2025, 3, 1),
                                 date(2026, 6, 1)])
@pytest.mark.parametrize("key", ["attorney_general", "department_of_state", "state_police",
                                 "consumer_reporting_agencies"])
def test_new_york_agency_notices_have_no_fixed_time(day, key):
    # "Such notice shall be made without delaying notice to affected New York residents."
    (clock,) = rule("US-NY", day, key).clocks
    assert clock.unit == "none" and clock.amount is None and clock.relation == "within"
    assert "without delaying notice" in clock.text


def test_new_york_every_notifier_told_dfs_from_2024_12_21_to_2025_02_14():
    # S2659-B added DFS for every notifier; the chapter amendment enacted 2025-02-14 confined it to DFS entities.
    window = {o.key: o for o in version("US-NY", date(2025, 1, 10)).obligations}
    assert "department_of_financial_services_all_notifiers" in window
    assert not window["department_of_financial_services_all_notifiers"].requires_sectors
    after = {o.key for o in version("US-NY", date(2025, 2, 14)).obligations}
    assert "department_of_financial_services_all_notifiers" not in after
    assert version("US-NY", date(2025, 2, 13)).effective_to == date(2025, 2, 14)


def test_new_york_service_provider_30_day_limit():
    # "immediately following discovery ..., provided that such notification shall be made within thirty days"
    clocks = rule("US-NY", date(2026, 6, 1), "data_owner").clocks
    assert [(c.unit, c.amount) for c in clocks] == [("none", None), ("days", 30)]


# --- government_id is not an element in these definitions ----------------------------------------------------


@pytest.mark.parametrize(("regime_id", "day", "quote"), [
    ("US-OH", date(2026, 6, 1), "§ 1349.19(A)(7): SSN, driver's license or state ID card, account/card number with code"),
    ("US-NJ", date(2026, 6, 1), "§ 56:8-161: SSN; driver's license or State identification card number; account number..."),
    ("US-PA", date(2026, 6, 1), "§ 2302: SSN; driver's license or State ID card number issued in lieu of a license; ..."),
    ("US-PA", date(2024, 1, 1), "§ 2302 as amended by Act 151 of 2022"),
    ("US-UT", date(2026, 6, 1), "§ 13-44-102(4)(a): (i) SSN; (ii) account/card number and code; (iii) driver license or state ID"),
    ("US-UT", date(2020, 1, 1), "§ 13-44-102(4)(a)"),
    ("US-OK", date(2025, 12, 31), "24 O.S. § 162(6): SSN, driver license or state ID card number, account/card with code"),
])
def test_government_id_is_not_an_element(regime_id, day, quote):
    assert not covers(regime_id, day, "name", "government_id"), quote
    assert covers(regime_id, day, "name", "ssn")


def test_oklahoma_government_id_from_its_2026_amendment():
    # SB 626 adds "other unique government-issued identification numbers"
    assert covers("US-OK", date(2026, 1, 1), "name", "government_id")


def test_ohio_hipaa_carve_out_and_glba_exemption_recorded():
    # SB 126 (2007-03-30): the section "does not apply to" HIPAA covered entities; § 1349.19(F)(1) financial
    # institutions required by federal law to notify their customers.
    v = version("US-OH", date(2026, 6, 1))
    assert "SB 126" in v.citation and v.effective_from == date(2007, 3, 30)
    text = v.applies_to.text or ""
    assert "HIPAA covered entity" in text and "financial institution" in text
    assert "HIPAA" not in (version("US-OH", date(2007, 1, 1)).applies_to.text or "")


def test_pennsylvania_medical_information_only_for_state_agencies_from_act_33():
    # Act 33 of 2024: "medical information in the possession of a state agency or state agency contractor"
    assert covers("US-PA", date(2024, 1, 1), "name", "medical")
    assert not covers("US-PA", date(2024, 9, 26), "name", "medical")
    assert covers("US-PA", date(2024, 9, 26), "name", "health_insurance")
    # before Act 151 of 2022 neither counted
    assert not covers("US-PA", date(2020, 1, 1), "name", "health_insurance")


# --- HIPAA: 45 CFR 160.103 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("elements", [
    ("name", "ssn", "dob"),
    ("name", "ssn"),
    ("name", "dob"),
    ("name", "address"),
    ("name", "phone"),
    ("name", "email"),
    ("name", "drivers_license"),
    ("name", "financial_account"),
    ("name", "payment_card"),
    ("medical",),
    ("health_insurance",),
])
def test_hipaa_phi_includes_demographic_information(elements):
    # § 160.103: "Individually identifiable health information is information that is a subset of health
    # information, including demographic information collected from an individual"
    assert covers("US-FED-HIPAA", date(2026, 6, 1), *elements)


def test_hipaa_covered_entity_breach_of_names_ssns_and_birth_dates():
    tz = ZoneInfo("America/Chicago")
    f = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-IL": 600}, ["name", "ssn", "dob"],
              entity={"name": "Clinic", "timezone": "America/Chicago", "sectors": ["hipaa_covered_entity"]})
    d = decide(f, "US-FED-HIPAA", "individuals", datetime(2026, 3, 3, tzinfo=tz))
    # § 164.404(b): "in no case later than 60 calendar days after discovery of a breach"
    assert d.required and d.due_date == date(2026, 5, 1)
    assert "covered entity or business associate" in (version("US-FED-HIPAA", date(2026, 6, 1))
                                                     .personal_information.notes or "")
    assert not covers("US-FED-HIPAA", date(2026, 6, 1), "name")


def test_hipaa_interim_final_rule_version():
    # 74 FR 42740: a breach "poses a significant risk of financial, reputational, or other harm"
    v = version("US-FED-HIPAA", date(2010, 6, 1))
    assert v.effective_from == date(2009, 9, 23) and v.effective_to == date(2013, 9, 23)
    assert "significant risk" in (v.risk_of_harm.text or "")


# --- version history: never fail open -----------------------------------------------------------------------


def test_versions_are_contiguous_and_the_latest_is_open_ended():
    # A gap between versions would make an incident discovered in it find no law at all (fail open).
    for regime_id, regime in regimes().items():
        ordered = sorted(regime.versions, key=lambda v: v.effective_from)
        for a, b in pairwise(ordered):
            assert a.effective_to == b.effective_from, f"{regime_id}: {a.version} ends {a.effective_to}, next {b.effective_from}"
        assert ordered[-1].effective_to is None, regime_id


@pytest.mark.parametrize(("regime_id", "first"), [
    ("US-VT", date(2007, 1, 1)),    # Security Breach Notice Act (Act 162 of 2006)
    ("US-CA", date(2003, 7, 1)),    # SB 1386
    ("US-MA", date(2007, 10, 31)),  # ch. 93H (Chapter 82 of the Acts of 2007)
    ("US-NJ", date(2006, 1, 1)),    # P.L.2005, c.226
    ("US-CO", date(2006, 9, 1)),    # HB 06-1119
    ("US-CT", date(2006, 1, 1)),    # Public Act 05-148
    ("US-PA", date(2006, 6, 20)),   # Act 94 of 2005
    ("US-MD", date(2008, 1, 1)),    # Personal Information Protection Act
    ("US-WA", date(2005, 7, 24)),   # SB 6043
    ("US-NY", date(2005, 12, 7)),   # Information Security Breach and Notification Act
    ("US-FED-HIPAA", date(2009, 9, 23)),  # interim final rule, 74 FR 42740
])
def test_history_reaches_back_to_the_original_rule(regime_id, first):
    assert min(v.effective_from for v in regimes()[regime_id].versions) == first


def test_vermont_in_force_on_2013_06_01():
    # Act 109 of 2012: "not later than 45 days after the discovery or notification"; AG "within 14 business days"
    v = version("US-VT", date(2013, 6, 1))
    assert v.effective_from == date(2012, 5, 8) and "Act 109" in v.citation
    assert [(c.unit, c.amount) for c in rule("US-VT", date(2013, 6, 1), "individuals").clocks] == [("days", 45)]
    ag = rule("US-VT", date(2013, 6, 1), "attorney_general").clocks[0]
    assert (ag.start, ag.unit, ag.amount) == ("discovery", "business_days", 14)
    # before Act 109: "in the most expedient time possible and without unreasonable delay", no AG notice
    assert rule("US-VT", date(2011, 1, 1), "individuals").clocks[0].unit == "none"
    assert "attorney_general" not in {o.key for o in version("US-VT", date(2011, 1, 1)).obligations}
    # login credentials only from Act 89 of 2020
    assert not covers("US-VT", date(2013, 6, 1), "username", "password")
    assert covers("US-VT", date(2020, 7, 1), "username", "password")


def test_vermont_preliminary_notice_due_in_vermont_business_days_in_2013():
    tz = ZoneInfo("America/New_York")
    f = facts(datetime(2013, 6, 3, 9, tzinfo=tz), {"US-VT": 5}, ["name", "ssn"])
    d = decide(f, "US-VT", "attorney_general", datetime(2013, 6, 4, tzinfo=tz))
    # 14 business days from Monday 2013-06-03 (no holiday in between) is Friday 2013-06-21
    assert d.required and d.due_date == date(2013, 6, 21)


@pytest.mark.parametrize(("day", "element", "covered"), [
    (date(2005, 1, 1), "medical", False),          # SB 1386: SSN, licence, account with code only
    (date(2008, 1, 1), "medical", True),           # AB 1298: "medical information" and "health insurance information"
    (date(2013, 12, 31), "username+password", False),
    (date(2014, 1, 1), "username+password", True),  # SB 46: "a user name or email address, in combination with a password"
    (date(2019, 12, 31), "passport", False),
    (date(2020, 1, 1), "passport", True),           # AB 1130: "passport number, military identification number"
    (date(2021, 12, 31), "genetic", False),
    (date(2022, 1, 1), "genetic", True),            # AB 825
])
def test_california_definition_history(day, element, covered):
    elements = set(element.split("+")) | ({"name"} if "+" not in element else set())
    assert covers("US-CA", day, *elements) is covered


def test_california_attorney_general_copy_from_sb_24():
    # SB 24: sample copy to the AG when "more than 500 California residents" are notified
    assert "attorney_general" not in {o.key for o in version("US-CA", date(2011, 6, 1)).obligations}
    t = rule("US-CA", date(2012, 1, 1), "attorney_general").threshold
    assert (t.op, t.value) == (">", 500)


def test_colorado_before_hb_18_1128():
    # HB 18-1128 added "not later than thirty days after the date of determination" and the AG notice
    assert rule("US-CO", date(2018, 8, 31), "individuals").clocks[0].unit == "none"
    assert "attorney_general" not in {o.key for o in version("US-CO", date(2018, 8, 31)).obligations}
    assert not covers("US-CO", date(2018, 8, 31), "name", "medical")
    assert covers("US-CO", date(2018, 9, 1), "name", "medical")


def test_massachusetts_credit_monitoring_only_from_2019():
    # Chapter 444 of the Acts of 2018: credit monitoring "for a period of not less than 18 months"
    old = " ".join(rule("US-MA", date(2018, 1, 1), "individuals").content)
    new = " ".join(rule("US-MA", date(2019, 4, 11), "individuals").content)
    assert "18 months" not in old and "18 months" in new


def test_new_jersey_credentials_from_2019_09_01():
    # P.L.2019, c.95: "user name, email address, or any other account holder identifying information, in
    # combination with any password or security question and answer"
    assert not covers("US-NJ", date(2019, 8, 31), "name", "username", "password")
    assert covers("US-NJ", date(2019, 9, 1), "name", "username", "password")


# --- review of the other regimes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("regime_id", "first", "quote"), [
    ("US-AR", date(2005, 8, 12), "Act 1526 of 2005, effective August 12, 2005"),
    ("US-AZ", date(2006, 12, 31), "S.B. 1338 ... became effective in December of that year"),
    ("US-DC", date(2007, 7, 1), "EFFECTIVE. July 1, 2007"),
    ("US-DE", date(2005, 6, 28), "H.B. 116 ... Effective June 28, 2005"),
    ("US-FL", date(2005, 7, 1), "§ 817.5681 ... Effective Date: July 1, 2005"),
    ("US-GA", date(2005, 5, 5), "S.B. 230 ... Effective May 5, 2005"),
    ("US-IA", date(2008, 7, 1), "chapter 715C as enacted in 2008"),
    ("US-ID", date(2006, 7, 1), "S1374 ... Effective Date: July 1, 2006"),
    ("US-IL", date(2006, 1, 1), "Personal Information Protection Act, P.A. 94-36"),
    ("US-IN", date(2006, 7, 1), "P.L.125-2006 ... Effective July 1, 2006"),
    ("US-KS", date(2007, 1, 1), "S.B. 196 ... Effective January 1, 2007"),
    ("US-LA", date(2006, 1, 1), "EFFECTIVE. January 1, 2006"),
    ("US-ME", date(2006, 1, 1), "effective since January 1, 2006"),
    ("US-MI", date(2007, 7, 2), "EFFECTIVE. July 2, 2007"),
    ("US-MT", date(2006, 3, 1), "House Bill: 732 ... Effective Date: March 1, 2006"),
    ("US-NC", date(2005, 12, 1), "Effective December 1, 2005"),
    ("US-ND", date(2005, 6, 1), "S.B. 2251 ... Effective June 1, 2005"),
    ("US-NE", date(2006, 7, 14), "EFFECTIVE. July 14, 2006"),
    ("US-NV", date(2005, 10, 1), "SB 347 of 2005"),
    ("US-OR", date(2007, 10, 1), "which took effect in 2007"),
    ("US-RI", date(2006, 3, 1), "Rhode Island Identity Theft Protection Act of 2005"),
    ("US-TN", date(2005, 7, 1), "H.B. 2170 ... Effective July 1, 2005"),
    ("US-VA", date(2008, 7, 1), "becomes effective on July 1, 2008"),
    ("US-WY", date(2007, 7, 1), "original law (not confirmed)"),
    ("UK-GDPR", date(2018, 5, 25), "the EU GDPR applied in the UK until the end of the implementation period"),
    ("US-FED-FTC-HBNR", date(2009, 9, 24), "Health Breach Notification Rule, 2009"),
])
def test_other_histories_reach_the_original_rule(regime_id, first, quote):
    assert min(v.effective_from for v in regimes()[regime_id].versions) == first, quote


def test_uk_residents_covered_before_the_uk_gdpr():
    # EU-GDPR protects EEA residents only; from 2018-05-25 to 2020-12-31 the GDPR applied in the UK.
    v = version("UK-GDPR", date(2019, 6, 1))
    assert v.applies_to.residents_of == ["GB"] and v.effective_to == date(2021, 1, 1)
    (ico,) = [o for o in v.obligations if o.key == "ico"]
    assert (ico.clocks[0].unit, ico.clocks[0].amount) == ("hours", 72)


@pytest.mark.parametrize(("regime_id", "day", "key", "amount", "quote"), [
    ("US-AZ", date(2018, 8, 3), "individuals", 45, "HB 2154: within 45 days after the determination"),
    ("US-AZ", date(2018, 8, 2), "individuals", None, "existing law provided no definitive deadline"),
    ("US-OR", date(2018, 6, 2), "attorney_general", 45, "SB 1551: not later than 45 days after discovering"),
    ("US-OR", date(2017, 1, 1), "attorney_general", None, "SB 601: in the manner described in paragraph (a)"),
    ("US-OR", date(2026, 6, 1), "data_owner", 10, "vendor: not later than 10 days after discovering"),
    ("US-TN", date(2016, 7, 1), "individuals", 45, "SB 2005: no later than forty-five (45) days"),
    ("US-TN", date(2016, 6, 30), "individuals", None, "most expedient time possible and without unreasonable delay"),
    ("US-FL", date(2010, 1, 1), "individuals", 45, "§ 817.5681: no later than 45 days following the determination"),
    ("US-FED-FTC-HBNR", date(2020, 1, 1), "ftc", 10, "2009 rule: no later than ten business days"),
    ("US-FED-FTC-HBNR", date(2024, 7, 29), "ftc", 60, "2024 rule: no later than 60 calendar days"),
])
def test_amended_clocks(regime_id, day, key, amount, quote):
    assert rule(regime_id, day, key).clocks[0].amount == amount, quote


@pytest.mark.parametrize(("regime_id", "day", "present", "absent"), [
    ("US-AR", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from Act 1030 of 2019
    ("US-DC", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from the 2020 amendment
    ("US-DE", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from HB 180 (2018)
    ("US-IA", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from S.F. 2259 (2014)
    ("US-MT", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from HB 74 (2015)
    ("US-NC", date(2008, 1, 1), "individuals", "attorney_general"),  # AG notice from S.B. 1017 (2009)
    ("US-ND", date(2014, 1, 1), "individuals", "attorney_general"),  # AG notice from S.B. 2214 (2015)
    ("US-NE", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from LB 835 (2016)
    ("US-OR", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from SB 601 (2016)
    ("US-RI", date(2010, 1, 1), "individuals", "attorney_general"),  # AG notice from the 2015 Act
    ("US-LA", date(2010, 1, 1), "attorney_general", "attorney_general_delay"),  # reasons for delay from Act 382
])
def test_notices_added_by_amendments(regime_id, day, present, absent):
    keys = {o.key for o in version(regime_id, day).obligations}
    assert present in keys and absent not in keys


@pytest.mark.parametrize(("regime_id", "quote"), [
    ("US-NE", "§ 87-802(5): SSN; licence or state ID; account/card with code; electronic ID with code; biometric"),
    ("US-NV", "NRS 603A.040: SSN; licence, driver authorization card or ID card; account/card with code; health ID"),
    ("US-VA", "§ 18.2-186.6(A): SSN; licence or state ID; account/card with code; passport; military ID"),
    ("US-ND", "§ 51-30-01: operator's licence and nondriver photo ID card numbers, no other government ID"),
])
def test_no_other_government_id_in_these_definitions(regime_id, quote):
    assert not covers(regime_id, date(2026, 6, 1), "name", "government_id"), quote


def test_rhode_island_agency_notices_have_no_fixed_time():
    # § 11-49.3-4(a)(2): notice to the AG and credit agencies "shall be made without delaying notice to affected
    # Rhode Island residents"
    for key in ("attorney_general", "consumer_reporting_agencies"):
        (clock,) = rule("US-RI", date(2026, 6, 1), key).clocks
        assert (clock.unit, clock.relation) == ("none", "within")


def test_sec_filing_is_not_tolled_by_ordinary_law_enforcement_holds():
    # Item 1.05(c): only the U.S. Attorney General's written determination delays the filing
    v = version("US-FED-SEC", date(2026, 6, 1))
    assert v.law_enforcement_tolling is False
    assert "5:30" in " ".join(o.notes or "" for o in v.obligations)


def test_tennessee_had_no_encryption_safe_harbor_between_sb_2005_and_sb_547():
    # SB 2005 (2016-07-01) removed the safe harbor; SB 547 (2017-04-04) reinstated it
    assert version("US-TN", date(2016, 12, 1)).encryption_safe_harbor.applies is False
    assert version("US-TN", date(2017, 4, 4)).encryption_safe_harbor.applies is True
    assert version("US-TN", date(2010, 1, 1)).encryption_safe_harbor.applies is True


def test_georgia_sb_236_version_starts_2007_05_24():
    assert version("US-GA", date(2007, 5, 24)).effective_from == date(2007, 5, 24)


def test_reviewed_on_is_the_review_date_where_set():
    reviewed = [(rid, v.version) for rid, r in regimes().items() for v in r.versions if v.reviewed_on]
    assert reviewed, "no version marked reviewed"
    # 2026-12-02: the first review; 2026-12-03: the batch reviews of the following day (test_review_*.py)
    assert all(v.reviewed_on in {date(2026, 12, 2), date(2026, 12, 3)}
               for r in regimes().values() for v in r.versions if v.reviewed_on)
