"""Second-pass review (d1) of New York, Washington, Virginia, Wisconsin, Michigan, Iowa and Oklahoma.

Every test keeps a short quote of the law next to the fact it implies (helpers copied from
test_law_review_2026.py).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_covers as covers
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

# --- New York: GBL § 899-aa(1) ----------------------------------------------------------------------------

NY_DAYS = [date(2010, 1, 1), date(2020, 1, 1), date(2025, 1, 1), date(2025, 3, 1), date(2025, 6, 1)]


@pytest.mark.parametrize("day", NY_DAYS)
@pytest.mark.parametrize("identifier", ["email", "phone", "address", "username", "employee_id"])
def test_new_york_elements_count_with_any_identifier(day, identifier):
    # § 899-aa(1)(a): "'Personal information' shall mean any information concerning a natural person which,
    # because of name, number, personal mark, or other identifier, can be used to identify such natural person";
    # (1)(b): "'Private information' shall mean ... personal information consisting of any information in
    # combination with any one or more of the following data elements ... (1) social security number".
    assert covers("US-NY", day, identifier, "ssn")
    assert covers("US-NY", day, identifier, "drivers_license")
    assert covers("US-NY", day, "ssn", "drivers_license")
    # the identifier alone is personal, not private, information
    assert not covers("US-NY", day, identifier)


def test_new_york_identifier_with_medical_only_from_2025_03_21():
    # "(6) medical information ... or (7) health insurance information" (added by S2376-B, from 2025-03-21)
    assert not covers("US-NY", date(2025, 3, 1), "email", "medical")
    assert covers("US-NY", date(2025, 6, 1), "email", "medical")
    assert covers("US-NY", date(2025, 6, 1), "phone", "health_insurance")


def test_new_york_email_and_ssn_without_a_name_is_notified():
    tz = ZoneInfo("America/New_York")
    f = facts(datetime(2025, 6, 2, 9, tzinfo=tz), {"US-NY": 10}, ["email", "ssn"])
    d = decide(f, "US-NY", "individuals", datetime(2025, 6, 3, tzinfo=tz))
    # "within thirty days after the breach has been discovered"
    assert d.required and d.due_date == date(2025, 7, 2)


# --- Iowa: § 715C.2(8), Attorney General notice ------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2015, 1, 1), date(2020, 1, 1)])
def test_iowa_attorney_general_notice_at_exactly_500(day):
    # Attorney General's page: "Anyone who encounters a security breach that affects at least 500 Iowa residents
    # must provide written notice ... within five business days after notifying affected people"; the statute's
    # own operator (§ 715C.2(8)) was not read, so the wider reading is coded.
    ag = rule("US-IA", day, "attorney_general")
    assert (ag.threshold.op, ag.threshold.value) == (">=", 500)
    assert (ag.clocks[0].start, ag.clocks[0].unit, ag.clocks[0].amount) == ("individual_notice", "business_days", 5)


def test_iowa_attorney_general_owed_for_500_residents_through_the_engine():
    tz = ZoneInfo("America/Chicago")
    f = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-IA": 500}, ["name", "ssn"])
    assert decide(f, "US-IA", "attorney_general", datetime(2026, 3, 3, tzinfo=tz)).required
    fewer = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-IA": 499}, ["name", "ssn"])
    assert not decide(fewer, "US-IA", "attorney_general", datetime(2026, 3, 3, tzinfo=tz)).required


# --- Oklahoma: SB 626 (2025), vendor notice to the Attorney General ------------------------------------------


def test_oklahoma_vendor_attorney_general_notice_from_2026():
    # Insights Association on SB 626: an entity that "maintains or licenses computerized data that includes
    # personal information that they do not own must provide notice ... to the information's owner or licensee.
    # The entity must also provide notice to the Oklahoma AG" (enrolled § 163 not read: no fixed time is coded).
    ag = rule("US-OK", date(2026, 6, 1), "attorney_general_service_provider")
    assert ag.roles == ["service_provider"]
    assert (ag.threshold.op, ag.threshold.value) == (">=", 500)
    assert ag.clocks[0].unit == "none" and ag.clocks[0].amount is None
    assert "attorney_general_service_provider" not in {o.key for o in version("US-OK", date(2025, 12, 31)).obligations}


def test_oklahoma_vendor_gets_an_attorney_general_decision_without_a_fixed_date():
    tz = ZoneInfo("America/Chicago")
    f = facts(datetime(2026, 3, 2, 10, tzinfo=tz), {"US-OK": 600}, ["name", "ssn"],
              entity={"name": "Acme", "timezone": "America/Chicago", "roles": ["service_provider"]})
    d = decide(f, "US-OK", "attorney_general_service_provider", datetime(2026, 3, 3, tzinfo=tz))
    assert d.required and d.due_date is None


# --- Washington: RCW 19.255.010 clocks (HB 1071, from 2020-03-01) -------------------------------------------


def test_washington_clocks_match_the_attorney_generals_page():
    # atg.wa.gov: notification "within 30 days after the breach was discovered"; "If a data breach affects more
    # than 500 Washington residents, notification must also be provided to the Attorney General's Office ... This
    # notice is also due within 30 days of discovery of the breach."
    day = date(2026, 6, 1)
    assert version("US-WA", day).reviewed_on == date(2026, 12, 3)
    ind, ag = rule("US-WA", day, "individuals"), rule("US-WA", day, "attorney_general")
    for r in (ind, ag):
        assert (r.clocks[0].start, r.clocks[0].unit, r.clocks[0].amount) == ("discovery", "days", 30)
    assert (ag.threshold.op, ag.threshold.value) == (">", 500)
    assert len(ag.clocks) == 1  # no second "by the time consumers are notified" clock
