"""Review A (December 2026): US-AR, US-AZ, US-CA, US-CO, US-CT, US-DC, US-IA, US-ID, US-LA, US-MA, US-MI, US-MN.

Each fix is tied to the words of the statute it comes from; the quote sits next to the assertion. The helpers
are copied from test_law_review_2026.py (not imported from another test module).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from breachclock.playbooks.facts import IncidentFacts
from breachclock.playbooks.risk import SignOff, assessment_digest

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_covers as covers
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

REVIEWED = date(2026, 12, 3)

NO_HARM = {
    "harm_likely": False,
    "high_risk": False,
    "assessment": "Forensic review: the file share was opened once by a former contractor; no copies found.",
    "assessed_by": "Pat Analyst, privacy officer",
    "assessed_at": "2026-03-09T12:00:00-05:00",
}












def signed_off(f: IncidentFacts) -> SignOff:
    return SignOff("Jane Counsel", datetime(2026, 3, 10, 15, 0, tzinfo=UTC), assessment_digest(f.risk))


# --- Massachusetts: M.G.L. c. 93H, § 3(b) ------------------------------------------------------------------


def test_massachusetts_unauthorized_acquisition_is_notifiable_without_a_harm_test():
    # § 3(b): notice is owed when the person "(1) knows or has reason to know of a breach of security or (2) when
    # the person or agency knows or has reason to know that the personal information of such resident was
    # acquired or used by an unauthorized person or used for an unauthorized purpose" - only (1) carries the
    # "substantial risk of identity theft or fraud" test of § 1(a).
    for day in (date(2010, 1, 1), date(2026, 6, 1)):
        assert version("US-MA", day).risk_of_harm.exception is False
    tz = ZoneInfo("America/New_York")
    f = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-MA": 40}, ["name", "ssn"], risk=NO_HARM)
    as_of = datetime(2026, 3, 11, tzinfo=UTC)
    for key in ("individuals", "attorney_general", "ocabr_director"):
        assert decide(f, "US-MA", key, as_of, risk_signoff=signed_off(f)).required is True, key
    assert version("US-MA", date(2026, 6, 1)).reviewed_on == REVIEWED


# --- Idaho: Idaho Code §§ 28-51-104, 28-51-105 ---------------------------------------------------------------


def test_idaho_definition_and_clock_as_read():
    # § 28-51-104(2): "the illegal acquisition of unencrypted computerized data"; (4)(d) substitute notice if
    # "the cost of providing notice will exceed twenty-five thousand dollars ($25,000), or that the number of
    # Idaho residents to be notified exceeds fifty thousand (50,000)".
    v = version("US-ID", date(2026, 6, 1))
    assert v.reviewed_on == REVIEWED and v.confidence == "low"  # S1066 (2025) unconfirmed
    assert "$25,000" in (v.substitute_notice or "") and "50,000" in (v.substitute_notice or "")
    # (5): name with "(a) Social security number; (b) Driver's license number or Idaho identification card
    # number; or (c) Account number, or credit or debit card number, in combination with any required security
    # code, access code, or password"
    assert covers("US-ID", date(2026, 6, 1), "name", "ssn")
    assert not covers("US-ID", date(2026, 6, 1), "name", "payment_card")
    assert covers("US-ID", date(2026, 6, 1), "name", "payment_card", "access_code")
    # § 28-51-105(1): "in the most expedient time possible and without unreasonable delay" - no fixed period
    assert rule("US-ID", date(2026, 6, 1), "individuals").clocks[0].unit == "none"


# --- California: Cal. Civ. Code § 1798.82 ------------------------------------------------------------------


def test_california_before_sb_446_has_no_fixed_deadline_and_tolls_for_law_enforcement():
    # § 1798.82(a) before 2026: "in the most expedient time possible and without unreasonable delay";
    # (c): "may be delayed if a law enforcement agency determines that the notification will impede a criminal
    # investigation"; (b): the service provider notifies "immediately following discovery".
    day = date(2025, 6, 1)
    v = version("US-CA", day)
    assert v.reviewed_on == REVIEWED
    assert rule("US-CA", day, "individuals").clocks[0].unit == "none"
    assert v.law_enforcement_tolling is True and v.law_enforcement is None
    assert "immediately" in rule("US-CA", day, "data_owner").clocks[0].text
    assert v.encryption_safe_harbor.lost_if_key_compromised is True


def test_california_sb_446_thirty_and_fifteen_days_through_the_engine():
    # SB 446: "within 30 calendar days of discovery or notification of the data breach"; the sample copy to the
    # Attorney General "within 15 calendar days of notifying affected consumers" (more than 500 residents).
    tz = ZoneInfo("America/Los_Angeles")
    f = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-CA": 600}, ["name", "ssn"])
    as_of = datetime(2026, 3, 3, tzinfo=UTC)
    individuals = decide(f, "US-CA", "individuals", as_of)
    assert individuals.required and individuals.due_date == date(2026, 4, 1)
    ag = decide(f, "US-CA", "attorney_general", as_of)
    assert ag.required and ag.due_date == date(2026, 4, 16)
    assert "scope of the breach" in (version("US-CA", date(2026, 3, 2)).confidence_notes or "")


# --- Arizona: A.R.S. §§ 18-551, 18-552 ---------------------------------------------------------------------


def test_arizona_regulators_over_one_thousand_within_45_days():
    # § 18-552: "If the breach requires notification of more than one thousand individuals", notify "the three
    # largest nationwide consumer reporting agencies" and "the attorney general and the director of the Arizona
    # department of homeland security" within 45 days after the determination. 2022 session adjourned
    # 2022-06-25: general effective date (91st day) 2022-09-24.
    day = date(2023, 1, 1)
    assert version("US-AZ", day).reviewed_on == REVIEWED
    assert version("US-AZ", day).effective_from == date(2022, 9, 24)
    for key in ("attorney_general", "homeland_security", "consumer_reporting_agencies"):
        t = rule("US-AZ", day, key).threshold
        assert t is not None and (t.op, t.value) == (">", 1000), key
    assert "homeland_security" not in {o.key for o in version("US-AZ", date(2022, 9, 23)).obligations}
    clock = rule("US-AZ", day, "individuals").clocks[0]
    assert (clock.start, clock.unit, clock.amount) == ("determination", "days", 45)
    # § 18-551(3): "Encrypt" means unreadable "without using a confidential process or key"
    assert version("US-AZ", day).encryption_safe_harbor.lost_if_key_compromised is True
    assert {"glba_financial_institution", "hipaa_covered_entity"} <= set(version("US-AZ", day).applies_to.sectors_exempt)


# --- Connecticut: Conn. Gen. Stat. § 36a-701b ----------------------------------------------------------------


def test_connecticut_original_act_and_pa_21_59_as_read():
    # Original (a): name with "(3) account number, credit or debit card number, in combination with any required
    # security code, access code or password"; (b) disclosure "without unreasonable delay" - no fixed days.
    old = date(2010, 1, 1)
    assert version("US-CT", old).reviewed_on == REVIEWED
    assert not covers("US-CT", old, "name", "payment_card")
    assert covers("US-CT", old, "name", "payment_card", "access_code")
    assert rule("US-CT", old, "individuals").clocks[0].unit == "none"
    # Attorney General's page: "as of October 1, 2021, no later than sixty (60) days from discovery of the
    # breach"; notice to the Attorney General "no later than when residents are notified".
    new = date(2022, 1, 1)
    assert version("US-CT", new).reviewed_on == REVIEWED
    clock = rule("US-CT", new, "individuals").clocks[0]
    assert (clock.start, clock.unit, clock.amount) == ("discovery", "days", 60)
    ag = rule("US-CT", new, "attorney_general").clocks[0]
    assert (ag.start, ag.relation) == ("individual_notice", "same_time")
    # "24 months of credit monitoring ... this requirement extends to breaches involving Taxpayer
    # Identification Numbers" (from 2021-10-01)
    (offer,) = [c for c in rule("US-CT", new, "individuals").content_rules if c.id == "identity_theft_prevention"]
    assert offer.min_months == 24 and {"ssn", "tax_id"} <= set(offer.when_elements)


# --- District of Columbia: D.C. Code §§ 28-3851, 28-3852, 28-3852.02 ---------------------------------------


def test_dc_2020_attorney_general_at_fifty_and_eighteen_months():
    # Buckley/OAG on D.C. Law 23-98: "written notice of a breach involving 50 or more District residents be
    # provided to the District's attorney general"; § 28-3852.02: identity theft protection "for a period of not
    # less than 18 months" for a social security or taxpayer identification number.
    day = date(2024, 1, 1)
    v = version("US-DC", day)
    assert v.reviewed_on == REVIEWED and v.effective_from == date(2020, 6, 17)
    t = rule("US-DC", day, "attorney_general").threshold
    assert t is not None and (t.op, t.value) == (">=", 50)
    assert any("18 months" in c for c in rule("US-DC", day, "individuals").content)
    # § 28-3851(1): data "rendered secure, so as to be unusable" is not breached
    assert v.encryption_safe_harbor.applies is True
    # no Attorney General notice before the 2020 Act
    assert "attorney_general" not in {o.key for o in version("US-DC", date(2019, 1, 1)).obligations}


# --- Colorado: C.R.S. § 6-1-716 ------------------------------------------------------------------------------


def test_colorado_thirty_days_from_the_determination_and_the_2006_text():
    # § 6-1-716(1)(c): "Determination that a security breach occurred" means "the point in time at which there is
    # sufficient evidence to conclude that a security breach has taken place"; notice "not later than thirty days
    # after the date of determination that a security breach occurred".
    day = date(2024, 1, 1)
    assert version("US-CO", day).reviewed_on == REVIEWED
    clock = rule("US-CO", day, "individuals").clocks[0]
    assert (clock.start, clock.unit, clock.amount) == ("determination", "days", 30)
    # service provider: "in the most expedient time possible, and without unreasonable delay following discovery"
    owner = rule("US-CO", day, "data_owner").clocks[0]
    assert owner.unit == "none" and "immediately" not in owner.text
    # 2006 (HB 1119, AICPA): "(c) Account number or credit or debit card number, in combination with any required
    # security code" with the name; "unless the investigation determines that the misuse ... has not occurred"
    old = date(2010, 1, 1)
    assert version("US-CO", old).reviewed_on == REVIEWED
    assert covers("US-CO", old, "name", "payment_card", "access_code")
    assert not covers("US-CO", old, "payment_card", "access_code")
    assert covers("US-CO", day, "payment_card", "access_code")  # HB 18-1128: no name needed
    assert version("US-CO", old).risk_of_harm.exception is True


# --- Arkansas: Ark. Code Ann. § 4-110-105 --------------------------------------------------------------------


def test_arkansas_attorney_general_counts_individuals_not_residents():
    # § 4-110-105(b)(2): "If a breach of the security of a system affects the personal information of more than
    # one thousand (1,000) individuals, the person or business required to make a disclosure of the security
    # breach under subdivision (b)(1) of this section shall ... disclose the security breach to the Attorney
    # General."
    day = date(2024, 1, 1)
    assert version("US-AR", day).reviewed_on == REVIEWED
    ag = rule("US-AR", day, "attorney_general")
    assert ag.threshold is not None and (ag.threshold.measure, ag.threshold.op, ag.threshold.value) == ("total", ">", 1000)
    assert {"data_owner", "service_provider"} <= set(ag.roles)
    tz = ZoneInfo("America/Chicago")
    f = facts(datetime(2024, 3, 4, 9, tzinfo=tz), {"US-AR": 40, "US-TX": 1500}, ["name", "ssn"])
    d = decide(f, "US-AR", "attorney_general", datetime(2024, 3, 5, tzinfo=UTC))
    assert d.required is True  # 1,540 individuals, only 40 of them in Arkansas
    small = facts(datetime(2024, 3, 4, 9, tzinfo=tz), {"US-AR": 40, "US-TX": 900}, ["name", "ssn"])
    assert decide(small, "US-AR", "attorney_general", datetime(2024, 3, 5, tzinfo=UTC)).required is False


# --- Louisiana: La. R.S. 51:3073, 51:3074; LAC 16:III.701 ----------------------------------------------------


def test_louisiana_act_499_and_the_attorney_general_ten_days():
    # R.S. 51:3075 history: "Acts 2005, No. 499, §1, eff. Jan. 1, 2006."
    old = version("US-LA", date(2010, 1, 1))
    assert old.effective_from == date(2006, 1, 1) and "Act 499 of 2005" in old.citation
    assert old.reviewed_on == REVIEWED
    # LAC 16:III.701(B): "Notice to the attorney general shall be timely if received within 10 days of
    # distribution of notice to Louisiana citizens."
    day = date(2024, 1, 1)
    assert version("US-LA", day).reviewed_on == REVIEWED
    ag = rule("US-LA", day, "attorney_general").clocks[0]
    assert (ag.start, ag.unit, ag.amount) == ("individual_notice", "days", 10)
    # § 3073(4)(a): "(iv) Passport number. (v) Biometric data" (Act 382 of 2018)
    assert covers("US-LA", day, "name", "passport") and not covers("US-LA", date(2010, 1, 1), "name", "passport")


# --- Minnesota: Minn. Stat. § 325E.61 ---------------------------------------------------------------------------


def test_minnesota_hf_2121_as_read():
    # HF 2121, effective 2006-01-01: name with "(c) Account number combined with a security code or password";
    # disclosure "in the most expedient time possible and without unreasonable delay"; no harm exception.
    day = date(2026, 6, 1)
    v = version("US-MN", day)
    assert v.reviewed_on == REVIEWED and v.effective_from == date(2006, 1, 1)
    assert covers("US-MN", day, "name", "financial_account", "access_code")
    assert not covers("US-MN", day, "name", "financial_account")
    assert v.risk_of_harm.exception is False
    assert rule("US-MN", day, "individuals").clocks[0].unit == "none"


def test_california_sb_446_is_chapter_319():
    # opencalaccess: SB 446, "CHAPTERED 2025-10-03", ChapterNum 319
    assert "ch. 319" in version("US-CA", date(2026, 1, 1)).citation


def test_connecticut_pa_12_1_and_sb_472_per_the_attorney_general():
    # AG: "Beginning October 1, 2012 ... provide notice to the Office of the Attorney General", "no later than
    # when the affected residents are notified"; "effective October 1, 2018, the required minimum length of
    # credit monitoring is now twenty-four months"; consumers "not later than ninety days from discovery".
    for day in (date(2013, 1, 1), date(2019, 1, 1)):
        assert version("US-CT", day).reviewed_on == REVIEWED
        assert rule("US-CT", day, "attorney_general").clocks[0].relation == "same_time"
    clock = rule("US-CT", date(2019, 1, 1), "individuals").clocks[0]
    assert (clock.unit, clock.amount) == ("days", 90)
    assert any("24 months" in c for c in rule("US-CT", date(2019, 1, 1), "individuals").content)


# --- Written no-harm determinations: Arkansas, Iowa, Louisiana -----------------------------------------------


def test_written_determination_laws_need_the_written_basis():
    # Iowa: "Such a determination must be documented in writing and the documentation must be maintained for five
    # years"; Arkansas (Act 1030 of 2019): documented in writing, kept five years; Louisiana (Act 382 of 2018):
    # "retain a copy of the written determination and supporting documentation for five years". A bare "harm not
    # likely", even signed off, does not excuse notice; the documented assessment does, and the record is kept.
    tz = ZoneInfo("America/Chicago")
    as_of = datetime(2026, 3, 11, tzinfo=UTC)
    for regime_id in ("US-IA", "US-AR", "US-LA"):
        assert version(regime_id, date(2026, 3, 2)).risk_of_harm.written is True, regime_id
        bare = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {regime_id: 20}, ["name", "ssn"], risk={"harm_likely": False})
        assert decide(bare, regime_id, "individuals", as_of, risk_signoff=signed_off(bare)).required is True, regime_id
        full = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {regime_id: 20}, ["name", "ssn"], risk=NO_HARM)
        assert decide(full, regime_id, "individuals", as_of, risk_signoff=signed_off(full)).required is False, regime_id
        assert decide(full, regime_id, "written_determination", as_of, risk_signoff=signed_off(full)).required is True


def test_consulted_no_harm_determinations_need_the_consultation():
    # D.C. Code § 28-3851(1) (D.C. Law 23-98): no breach if, "after a reasonable investigation and consultation
    # with the Office of the Attorney General and federal law enforcement agencies", the person reasonably
    # determines harm is unlikely (OAG: "A company must consult with OAG before concluding that consumer harm is
    # unlikely"). Connecticut before PA 21-59: "after an appropriate investigation and consultation with relevant
    # federal, state and local agencies responsible for law enforcement".
    tz = ZoneInfo("America/New_York")
    as_of = datetime(2026, 3, 11, tzinfo=UTC)
    consulted = {**NO_HARM, "factors": {"appropriate_investigation": "Outside forensic firm engaged.",
                                        "law_enforcement_consulted": "OAG and FBI field office consulted 2026-03-05."}}
    for regime_id, day in (("US-DC", datetime(2026, 3, 2, 10, tzinfo=tz)), ("US-CT", datetime(2019, 3, 4, 10, tzinfo=tz))):
        as_of = datetime(day.year, 3, 11, tzinfo=UTC)
        plain = facts(day, {regime_id: 20}, ["name", "ssn"], risk={**NO_HARM, "assessed_at": day.replace(day=9).isoformat()})
        assert decide(plain, regime_id, "individuals", as_of, risk_signoff=signed_off(plain)).required is True
        full = facts(day, {regime_id: 20}, ["name", "ssn"],
                     risk={**consulted, "assessed_at": day.replace(day=9).isoformat()})
        assert decide(full, regime_id, "individuals", as_of, risk_signoff=signed_off(full)).required is False
    assert not version("US-CT", date(2022, 1, 1)).risk_of_harm.factors  # PA 21-59 removed the consultation


def test_dc_phone_number_or_address_stands_in_for_the_name():
    # § 28-3851(3): "first name or first initial and last name, or phone number, or address" (2007); from 2020
    # "first name, first initial and last name, or any other personal identifier" (OAG: "phone number, address,
    # or any other personal identifier, and any one of the following").
    for day in (date(2010, 1, 1), date(2024, 1, 1)):
        assert covers("US-DC", day, "phone", "ssn")
        assert covers("US-DC", day, "address", "payment_card")
        assert not covers("US-DC", day, "phone", "address")
    assert covers("US-DC", date(2024, 1, 1), "address", "medical")


def test_arizona_hb_2154_version_reviewed_and_online_credentials_standalone():
    # § 18-551: "Personal information" includes "An individual's user name or e-mail address, in combination with
    # a password or security question and answer, that allows access to an online account" (no name needed).
    day = date(2020, 1, 1)
    assert version("US-AZ", day).reviewed_on == REVIEWED
    assert covers("US-AZ", day, "email", "password")
    assert covers("US-AZ", day, "name", "digital_signature")  # "A private key that is unique to an individual"
