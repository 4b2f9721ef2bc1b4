"""December 2026 review, batch c1 (federal and international regimes): each fix tied to the words of the rule.

Every test keeps a short quote of the law next to the fact it implies. Helpers are copied from
``test_law_review_2026.py`` so that this file stands alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.engine import Decision

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

NY = ZoneInfo("America/New_York")
REVIEWED = date(2026, 12, 3)










# --- FTC Health Breach Notification Rule: § 318.4 law-enforcement delay ----------------------------------------


def _hbnr(day: datetime, **hold: Any) -> Decision:
    start, end = day.replace(hour=12), day.replace(month=day.month + 2, hour=12)  # a 61-day hold
    f = facts(day, {"US-NY": 20}, ["name", "medical"],
              entity={"name": "Health App", "timezone": "America/New_York",
                      "sectors": ["vendor_of_personal_health_records"]},
              events=[{"type": "law_enforcement_delay", "at": start.isoformat(), "end": end.isoformat(),
                       "agency": "FBI", **hold}])
    return decide(f, "US-FED-FTC-HBNR", "individuals", end.replace(day=end.day + 1))


@pytest.mark.parametrize("day", [datetime(2026, 3, 2, 10, tzinfo=NY), datetime(2015, 3, 2, 10, tzinfo=NY)])
def test_hbnr_an_oral_law_enforcement_statement_delays_at_most_30_days(day):
    # § 318.4's law-enforcement exception applies 45 CFR 164.528(a)(2) (cross-reference recalled); (a)(2)(ii)(C):
    # "Limit the temporary suspension to no longer than 30 days from the date of the oral statement, unless a
    # written statement pursuant to paragraph (a)(2)(i) of this section is submitted during that time."
    v = version("US-FED-FTC-HBNR", day.date())
    assert v.law_enforcement is not None
    assert (v.law_enforcement.effect, v.law_enforcement.oral_limit_days) == ("toll", 30)
    oral, written = _hbnr(day), _hbnr(day, written=True)
    assert oral.required and written.required and oral.due is not None and written.due is not None
    assert written.due - oral.due == timedelta(days=31)  # a 61-day hold, capped at 30
    # 60 calendar days from discovery, plus at most 30 for an oral request
    assert oral.due.date() == date(day.year, 5, 31)


# --- EU GDPR: Art. 34(3)(a) excuses only the communication to data subjects ----------------------------------


@pytest.mark.parametrize(("regime_id", "authority", "country"), [
    ("EU-GDPR", "supervisory_authority", "DE"), ("UK-GDPR", "ico", "GB")])
def test_gdpr_encryption_excuses_data_subjects_not_the_authority(regime_id, authority, country):
    # Art. 34(3)(a): "The communication to the data subject referred to in paragraph 1 shall not be required if
    # ... those that render the personal data unintelligible to any person who is not authorised to access it,
    # such as encryption" - Art. 33(1) has no such exception: only "unlikely to result in a risk" excuses it.
    tz = ZoneInfo("Europe/Berlin")
    aware = datetime(2026, 3, 2, 10, tzinfo=tz)
    f = facts(aware, {country: 50}, ["name", "email"], encrypted=True, encryption_key_compromised=False,
              entity={"name": "Acme", "timezone": "Europe/Berlin", "roles": ["controller"]})
    as_of = datetime(2026, 3, 3, tzinfo=tz)
    assert decide(f, regime_id, authority, as_of).required is not False
    assert decide(f, regime_id, "data_subjects", as_of).required is False
    notes = version(regime_id, date(2026, 6, 1)).confidence_notes or ""
    assert "engine limitation reported" not in notes


def test_eu_gdpr_reviewed_against_the_regulation():
    # Art. 33(1): "not later than 72 hours after having become aware of it"; Art. 34(1): "without undue delay"
    v = version("EU-GDPR", date(2026, 6, 1))
    assert v.reviewed_on == REVIEWED
    sa = rule("EU-GDPR", date(2026, 6, 1), "supervisory_authority").clocks[0]
    ds = rule("EU-GDPR", date(2026, 6, 1), "data_subjects").clocks[0]
    assert (sa.unit, sa.amount, ds.unit, ds.amount) == ("hours", 72, "none", None)


def test_gdpr_eea_efta_start_is_noted():
    # EFTA: the Joint Committee Decision incorporating the GDPR "entered into force on 20 July 2018" in Iceland,
    # Liechtenstein and Norway; applying it from 2018-05-25 can only over-notify.
    v = version("EU-GDPR", date(2018, 6, 1))
    assert {"IS", "LI", "NO"} <= set(v.applies_to.residents_of)
    assert "2018-07-20" in (v.confidence_notes or "")


def test_uk_duaa_changed_pecr_not_article_33():
    # ICO: "the Data Use and Access Act changes the reporting timescales for breach reports under PECR from 24
    # hours to 72 hours" - the UK GDPR Art. 33 period stays "not later than 72 hours after having become aware".
    ico = rule("UK-GDPR", date(2026, 6, 1), "ico").clocks[0]
    assert (ico.start, ico.unit, ico.amount) == ("awareness", "hours", 72)
    assert "PECR" in (version("UK-GDPR", date(2026, 6, 1)).confidence_notes or "")


# --- Banking agencies' rule: 12 CFR 53.3 / 225.302 / 304.23 ---------------------------------------------------


def test_bank_rule_36_hours_from_determination_and_compliance_date():
    # "no later than 36 hours after the banking organization determines that a notification incident has
    # occurred"; "Effective date: April 1, 2022; Compliance date: May 1, 2022."
    v = version("US-FED-BANK", date(2022, 5, 1))
    assert v.effective_from == date(2022, 5, 1) and v.reviewed_on == REVIEWED
    (clock,) = rule("US-FED-BANK", date(2026, 6, 1), "primary_regulator").clocks
    assert (clock.start, clock.unit, clock.amount) == ("determination", "hours", 36)
    (sp,) = rule("US-FED-BANK", date(2026, 6, 1), "bank_customers").clocks
    assert (sp.unit, sp.amount) == ("none", None)  # "as soon as possible": no fixed deadline


# --- NYDFS: 23 NYCRR 500.17 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "quote"), [
    (date(2020, 1, 1), "no later than 72 hours from a determination that a Cybersecurity Event has occurred"),
    (date(2026, 6, 1), "no later than 72 hours after determining that a cybersecurity incident has occurred"),
])
def test_nydfs_72_hours_from_determination_in_both_texts(day, quote):
    (clock,) = rule("US-NY-DFS", day, "superintendent").clocks
    assert (clock.start, clock.unit, clock.amount) == ("determination", "hours", 72), quote
    assert version("US-NY-DFS", day).reviewed_on == REVIEWED


def test_nydfs_extortion_notices_only_from_the_2023_amendment():
    # 500.17(c), added by the Second Amendment (500.17 applicable 30 days after the 2023-11-01 adoption)
    old = {o.key for o in version("US-NY-DFS", date(2023, 11, 30)).obligations}
    new = {o.key for o in version("US-NY-DFS", date(2023, 12, 1)).obligations}
    assert "extortion_payment" not in old and {"extortion_payment", "extortion_payment_description"} <= new


# --- Versions not checked against primary text keep reviewed_on unset ------------------------------------------


# (CIRCIA left this list in review f: 6 U.S.C. 681b(a), the only binding text, was read; see test_review_f.py.)
@pytest.mark.parametrize("regime_id", ["US-FED-FTC-HBNR", "US-FED-FTC-SAFEGUARDS"])
def test_unread_versions_are_not_marked_reviewed(regime_id):
    assert all(v.reviewed_on is None for v in regimes()[regime_id].versions)


def test_uk_both_periods_are_marked_reviewed():
    # 2018-05-25 to 2020-12-31: Regulation (EU) 2016/679 itself (read); from 2021 the UK text, whose Art. 33(1)
    # ("notify the personal data breach to the Commissioner") was read in review f
    assert version("UK-GDPR", date(2019, 6, 1)).reviewed_on == REVIEWED
    assert version("UK-GDPR", date(2026, 6, 1)).reviewed_on == REVIEWED


def test_circia_still_not_in_force_and_says_to_confirm():
    # 6 U.S.C. 681b: the duties apply only once CISA's final rule takes effect; none was found.
    (v,) = regimes()["US-FED-CIRCIA"].versions
    assert v.status == "not_in_force" and "counsel must confirm" in (v.confidence_notes or "")
