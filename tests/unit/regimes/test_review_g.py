"""Review g (issue 10, point 8, "Review the rest"): older versions against their primary text.

Every assertion keeps a short quote of the text it comes from. Read in this review: Maryland's § 14-3504(a)-(b)(4)
as in force before HB 974 (a verbatim copy of the pre-2018 code, and the Session Laws page of Chapter 532 of 2007).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from breachclock.playbooks.catalog import regimes

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_covers as covers
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

REVIEWED = date(2026, 12, 3)
MD_2010 = date(2010, 1, 1)


# --- Maryland: § 14-3504 as enacted by Chapter 532 of 2007 (2008-01-01 to 2018-01-01) ---------------------


def test_maryland_2008_reviewed_and_the_misuse_test_is_the_2008_wording():
    v = version("US-MD", MD_2010)
    assert v.version == "2008-01-01" and v.reviewed_on == REVIEWED
    roh = v.risk_of_harm
    # (b)(2): "If, after the investigation is concluded, the business determines that misuse of the individual's
    # personal information has occurred or is reasonably likely to occur ... the business shall notify"
    assert roh.exception and roh.basis == "harm_likely"
    assert "reasonably likely to occur" in roh.text
    assert "14-3504(b)" in (roh.citation or "")
    # the fix: the 2008 text no longer gives HB 974's later words ("does not create a likelihood")
    assert "does not create a likelihood" not in roh.text
    assert "does not create a likelihood" in version("US-MD", date(2019, 1, 1)).risk_of_harm.text


def test_maryland_2008_notice_after_the_investigation_without_fixed_days():
    # (b)(3): "shall be given as soon as reasonably practicable after the business conducts the investigation
    # required under paragraph (1)"
    c = rule("US-MD", MD_2010, "individuals").clocks[0]
    assert (c.start, c.unit, c.amount) == ("notifiability_assessed", "none", None)
    assert "as soon as reasonably practicable after the business conducts the investigation" in c.text
    # (b)(4): "the business shall maintain records that reflect its determination"
    record = rule("US-MD", MD_2010, "written_determination")
    assert record.only_with_harm_exception and record.recipient_kind == "record"


def test_maryland_2008_individual_notice_has_no_due_date_through_the_engine():
    tz = ZoneInfo("America/New_York")
    f = facts(datetime(2010, 3, 1, 9, tzinfo=tz), {"US-MD": 10}, ["name", "ssn"])
    d = decide(f, "US-MD", "individuals", datetime(2010, 3, 2, tzinfo=tz))
    assert d.due_date is None  # "as soon as reasonably practicable" - no fixed number of days


def test_maryland_2008_definition_as_quoted():
    # § 14-3501(d)(1) (as quoted in 2008): name with "(i) A Social Security number; (ii) A driver's license number;
    # (iii) A financial account number, including a credit card number or debit card number, that in combination
    # with any required security code, access code, or password ...; or (iv) An Individual Taxpayer
    # Identification Number"
    assert covers("US-MD", MD_2010, "name", "ssn")
    assert covers("US-MD", MD_2010, "name", "drivers_license")
    assert covers("US-MD", MD_2010, "name", "tax_id")
    assert covers("US-MD", MD_2010, "name", "payment_card", "access_code")
    assert not covers("US-MD", MD_2010, "name", "payment_card")  # "in combination with any required ... code"
    assert not covers("US-MD", MD_2010, "ssn")  # "first name or first initial and last name in combination with"
    assert not covers("US-MD", MD_2010, "name", "passport")  # passport numbers only from HB 974


def test_maryland_history_stays_contiguous():
    ordered = sorted(regimes()["US-MD"].versions, key=lambda v: v.effective_from)
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a.effective_to == b.effective_from
    assert ordered[-1].effective_to is None
    assert ordered[0].effective_from == date(2008, 1, 1)
