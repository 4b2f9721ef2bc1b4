"""Review e (issue 10, point 8): older versions of Texas, Illinois, Vermont and New York against their primary text.

Every assertion keeps a short quote of the text it comes from (enrolled bills, public acts, or a verbatim copy).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.schema import delay_rule

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_covers as covers
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

REVIEWED = date(2026, 12, 3)


def delay(regime_id: str, day: date, key: str):  # type: ignore[no-untyped-def]
    return delay_rule(version(regime_id, day), rule(regime_id, day, key))


# --- Texas: SB 768 (2023), § 521.053(i) ------------------------------------------------------------------


def test_texas_2023_attorney_general_30_days_from_determination_at_least_250():
    # SB 768 enrolled: "shall notify the attorney general of that breach as soon as practicable and not later than
    # the 30th [60th] day after the date on which the person determines that the breach occurred if the breach
    # involves at least 250 residents of this state"
    day = date(2024, 1, 15)
    assert version("US-TX", day).reviewed_on == REVIEWED
    ag = rule("US-TX", day, "attorney_general")
    assert (ag.threshold.op, ag.threshold.value) == (">=", 250)
    assert (ag.clocks[0].start, ag.clocks[0].unit, ag.clocks[0].amount) == ("determination", "days", 30)
    # "must be submitted electronically using a form accessed through the attorney general's Internet website"
    assert ag.methods == ["web_form"]
    # the 2020 version (HB 4390) had the 60th day
    assert rule("US-TX", date(2021, 1, 1), "attorney_general").clocks[0].amount == 60


def test_texas_2023_attorney_general_due_30_days_after_determination_through_the_engine():
    tz = ZoneInfo("America/Chicago")
    f = facts(datetime(2024, 3, 1, 9, tzinfo=tz), {"US-TX": 250}, ["name", "ssn"],
              determined_at=datetime(2024, 3, 4, 9, tzinfo=tz).isoformat())
    d = decide(f, "US-TX", "attorney_general", datetime(2024, 3, 5, tzinfo=tz))
    assert d.required and d.due_date == date(2024, 4, 3)  # "not later than the 30th day after the date on which..."
    fewer = facts(datetime(2024, 3, 1, 9, tzinfo=tz), {"US-TX": 249}, ["name", "ssn"],
                  determined_at=datetime(2024, 3, 4, 9, tzinfo=tz).isoformat())
    assert not decide(fewer, "US-TX", "attorney_general", datetime(2024, 3, 5, tzinfo=tz)).required


# --- Texas: HB 2004 (2009) and the clock HB 4390 struck ---------------------------------------------------


def test_texas_2009_definition_as_amended_by_hb_2004():
    day = date(2015, 6, 1)
    assert version("US-TX", day).reviewed_on == REVIEWED
    # § 521.002(a)(2)(A): name "in combination with ... (i) social security number; (ii) driver's license number or
    # government-issued identification number; or (iii) account number or credit or debit card number in
    # combination with any required security code, access code, or password"
    assert covers("US-TX", day, "name", "ssn")
    assert covers("US-TX", day, "name", "government_id")
    assert covers("US-TX", day, "name", "payment_card", "access_code")
    assert not covers("US-TX", day, "name", "payment_card")
    # (B) "information that identifies an individual and relates to: (i) the physical or mental health or
    # condition of the individual" - no name needed
    assert covers("US-TX", day, "medical")
    assert not covers("US-TX", day, "ssn")


def test_texas_2009_encrypted_data_with_the_key_and_no_fixed_clock():
    day = date(2015, 6, 1)
    v = version("US-TX", day)
    # § 521.053(a) as amended by HB 2004: "including data that is encrypted if the person accessing the data has
    # the key required to decrypt the data"
    assert v.encryption_safe_harbor.lost_if_key_compromised
    assert "521.053(a)" in v.encryption_safe_harbor.text and "(a-1)" not in v.encryption_safe_harbor.text
    # HB 4390 (2019) struck the old words: "The disclosure shall be made ... [as quickly as possible]"
    ind = rule("US-TX", day, "individuals")
    assert ind.clocks[0].unit == "none" and ind.clocks[0].amount is None
    assert "attorney_general" not in {o.key for o in v.obligations}  # (i) came with HB 4390


# --- Illinois: P.A. 94-36 (2006) and P.A. 94-947 (2006) --------------------------------------------------


@pytest.mark.parametrize("day", [date(2006, 3, 1), date(2010, 3, 1)])
def test_illinois_2006_account_number_counts_with_the_name_without_a_code(day):
    # P.A. 94-36, § 5: "(3) Account number or credit or debit card number, or an account number or credit card
    # number in combination with any required security code, access code, or password"
    assert version("US-IL", day).reviewed_on == REVIEWED
    assert covers("US-IL", day, "name", "financial_account")
    assert covers("US-IL", day, "name", "payment_card")
    assert covers("US-IL", day, "name", "drivers_license")  # "(2) Driver's license number or State identification card number"
    assert not covers("US-IL", day, "financial_account")  # needs "first name or first initial and last name"
    assert not covers("US-IL", day, "name", "medical")  # medical information only from P.A. 99-503 (2017)


def test_illinois_law_enforcement_delay_only_from_pa_94_947_and_only_in_writing():
    # P.A. 94-36's § 10 has no delay clause (what was read: (a) notice, (b) owner notice, (c) methods) ...
    assert delay("US-IL", date(2006, 3, 1), "individuals").effect == "none"
    # ... P.A. 94-947 added (b-5): notice "may be delayed if an appropriate law enforcement agency determines that
    # notification will interfere with a criminal investigation and provides the data collector with a written
    # request for the delay"
    d = delay("US-IL", date(2006, 7, 1), "individuals")
    assert d.effect == "toll" and d.written_only
    # the version boundary is the Act's date (Public Act 94-0947, 2006-06-27)
    assert version("US-IL", date(2006, 6, 26)).version == "2006-01-01"
    assert version("US-IL", date(2006, 6, 27)).version == "2006-06-27"
    assert version("US-IL", date(2016, 12, 31)).version == "2006-06-27"


def test_illinois_history_stays_contiguous():
    ordered = sorted(regimes()["US-IL"].versions, key=lambda v: v.effective_from)
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a.effective_to == b.effective_from
    assert ordered[-1].effective_to is None


def test_illinois_2006_resident_notice_has_no_fixed_time():
    # § 10(a): "in the most expedient time possible and without unreasonable delay, consistent with any measures
    # necessary to determine the scope of the breach"
    for day in (date(2006, 3, 1), date(2006, 7, 1)):
        c = rule("US-IL", day, "individuals").clocks[0]
        assert c.unit == "none" and "most expedient time possible" in c.text
        # (b) the owner is told "immediately following discovery"
        assert rule("US-IL", day, "data_owner").clocks[0].unit == "none"


# --- Vermont: § 2435 before Act 109 of 2012 ---------------------------------------------------------------


def test_vermont_2007_consumer_notice_without_a_fixed_period():
    day = date(2010, 1, 1)
    assert version("US-VT", day).reviewed_on == REVIEWED
    # § 2435(b)(1): "Notice of the breach shall be made in the most expedient time possible and without
    # unreasonable delay" (the 45 days came with Act 109)
    assert rule("US-VT", day, "individuals").clocks[0].unit == "none"
    assert rule("US-VT", date(2013, 1, 1), "individuals").clocks[0].amount == 45
    # no general Attorney General notice before Act 109
    assert "attorney_general" not in {o.key for o in version("US-VT", day).obligations}


def test_vermont_2007_any_law_enforcement_request_delays():
    # § 2435(b)(3): "The notice required by this subsection shall be delayed upon request of a law enforcement
    # agency"; a request "in a manner other than in writing" is documented by the data collector - so it counts
    d = delay("US-VT", date(2010, 1, 1), "individuals")
    assert d.effect == "toll" and not d.written_only
    # (b)(2): the owner is told "immediately following discovery of the breach"
    assert rule("US-VT", date(2010, 1, 1), "data_owner").clocks[0].unit == "none"


# --- New York: the SHIELD Act (chapter 117 of 2019) --------------------------------------------------------

NY_SHIELD_DAYS = [date(2020, 1, 1), date(2025, 1, 1), date(2025, 3, 1), date(2025, 6, 1)]


@pytest.mark.parametrize("day", NY_SHIELD_DAYS)
def test_new_york_other_government_numbers_are_not_private_information(day):
    # § 899-aa(1)(b)(i): "(1) social security number; (2) driver's license number or non-driver identification card
    # number; (3) account number, credit or debit card number, in combination with ...; (4) account number, credit or
    # debit card number, if circumstances exist wherein such number could be used ...; or (5) biometric information"
    assert not covers("US-NY", day, "name", "government_id")
    assert not covers("US-NY", day, "email", "government_id")
    assert covers("US-NY", day, "name", "drivers_license")
    assert covers("US-NY", day, "name", "financial_account")  # (4): without a code
    assert covers("US-NY", day, "name", "biometric")
    # (ii) "a user name or e-mail address in combination with a password or security question and answer"
    assert covers("US-NY", day, "email", "password")


def test_new_york_2019_no_harm_determination_and_hipaa_copy():
    day = date(2020, 1, 1)
    assert version("US-NY", day).reviewed_on == REVIEWED
    roh = version("US-NY", day).risk_of_harm
    # (2)(a): "Such a determination must be documented in writing and maintained for at least five years."
    assert roh.exception and roh.written and roh.record_years == 5
    # "If the incident affects over five hundred residents of New York, the person or business shall provide the
    # written determination to the state attorney general within ten days after the determination."
    ag = rule("US-NY", day, "attorney_general_no_harm")
    assert (ag.threshold.op, ag.threshold.value) == (">", 500)
    assert (ag.clocks[0].start, ag.clocks[0].unit, ag.clocks[0].amount) == ("risk_assessed", "days", 10)
    # (9): "shall provide such notification to the state attorney general within five business days of notifying
    # the secretary"
    h = rule("US-NY", day, "attorney_general_hipaa")
    assert (h.clocks[0].unit, h.clocks[0].amount, h.clocks[0].anchor_regime) == ("business_days", 5, "US-FED-HIPAA")
    # (2): "in the most expedient time possible and without unreasonable delay" - no fixed days before S2659-B
    assert rule("US-NY", day, "individuals").clocks[0].unit == "none"


def test_new_york_name_and_government_number_alone_is_not_notified():
    tz = ZoneInfo("America/New_York")
    f = facts(datetime(2020, 6, 1, 9, tzinfo=tz), {"US-NY": 10}, ["name", "government_id"])
    d = decide(f, "US-NY", "individuals", datetime(2020, 6, 2, tzinfo=tz))
    assert d.required is False


@pytest.mark.parametrize("day", [date(2018, 1, 1), date(2024, 1, 1)])
def test_illinois_later_versions_keep_the_written_request_condition(day):
    # 530/10(b-5): "... and provides the data collector with a written request for the delay" (P.A. 94-947; no
    # later amendment read to change it: the stricter reading stays)
    d = delay("US-IL", day, "individuals")
    assert d.effect == "toll" and d.written_only
