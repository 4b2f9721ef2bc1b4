"""Review batch b1 (December 2026): MT, NE, NJ, NV, NY, OH, OK, PA, SD.

Each fix is tied to the words of the statute it comes from (quoted next to the assertion). Coverage questions go
through ``PersonalInformation.covers``, the question the engine asks.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.engine import evaluate
from breachclock.playbooks.facts import IncidentFacts

from tests.factories import regime_covers as covers
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

ON = date(2026, 12, 3)


# --- South Dakota: SDCL § 22-40-19(4) ------------------------------------------------------------------------


@pytest.mark.parametrize("element", ["passport", "military_id", "tax_id", "ip_pin", "government_id"])
def test_south_dakota_any_government_identification_number_with_name(element):
    # § 22-40-19(4)(b): "Driver license number or other unique identification number created or collected by a
    # government body" - the vocabulary codes passport, military ID, taxpayer ID and IP PIN apart from government_id.
    assert covers("US-SD", ON, "name", element)
    assert not covers("US-SD", ON, element)  # (4) needs "a person's first name or first initial and last name"


def test_south_dakota_health_information_includes_insurance_numbers():
    # § 22-40-19(4)(d): "Health information as defined in 45 CFR 160.103" - which includes information relating to
    # "the past, present, or future payment for the provision of health care".
    assert covers("US-SD", ON, "name", "health_insurance")
    assert covers("US-SD", ON, "name", "medical")


def test_south_dakota_attorney_general_notice_has_no_fixed_period():
    # § 22-40-20: "shall disclose to the attorney general by mail or electronic mail any breach of system security
    # that exceeds two hundred fifty residents of this state" - no period is stated, so no due date is invented.
    ag = rule("US-SD", ON, "attorney_general")
    assert (ag.threshold.op, ag.threshold.value) == (">", 250)
    assert all(c.unit == "none" for c in ag.clocks)
    # "not later than sixty days from the discovery or notification of the breach of system security"
    (clock,) = rule("US-SD", ON, "individuals").clocks
    assert (clock.start, clock.unit, clock.amount) == ("discovery", "days", 60)
    assert version("US-SD", ON).reviewed_on == ON


# --- Pennsylvania: Act 33 of 2024 (73 P.S. § 2303(c.1), (c.2); § 2305) -----------------------------------------


def test_pennsylvania_attorney_general_more_than_500_concurrently():
    # § 3(c.1): "When notice of the breach of the security of the system under this section must be given to more
    # than 500 affected individuals in this Commonwealth, notice shall be made concurrently to the Office of
    # Attorney General." (c.2): "An entity subject to the requirements of 40 Pa.C.S. Ch. 45 ... shall be exempt".
    ag = rule("US-PA", ON, "attorney_general")
    assert (ag.threshold.op, ag.threshold.value) == (">", 500)
    assert not ag.threshold.holds(500) and ag.threshold.holds(501)
    assert ag.clocks[0].relation == "same_time" and ag.excluded_sectors == ["insurance_licensee"]


def test_pennsylvania_cra_notice_at_500_or_more_from_act_33():
    # Summaries citing Act 33: "If the breach affected 500 or more individuals, the entity must report to the
    # nationwide credit reporting agencies. The threshold ... was previously 1,000" (enrolled § 5 not read: the
    # reading that does not miss a notice is kept).
    cra = rule("US-PA", ON, "consumer_reporting_agencies")
    assert cra.threshold.holds(500) and not cra.threshold.holds(499)
    old = rule("US-PA", date(2024, 9, 25), "consumer_reporting_agencies")  # "more than 1,000 persons at one time"
    assert (old.threshold.op, old.threshold.value) == (">", 1000)
    assert version("US-PA", ON).reviewed_on == ON


# --- Ohio: HB 104 (2006-02-17) and SB 126 (2007-03-30), R.C. 1349.19 ----------------------------------------------


def test_ohio_hipaa_carve_out_only_from_sb_126():
    # SB 126 (in effect 2007-03-30) "exempts ... 'covered entities' under ... HIPAA from the disclosure requirement";
    # under HB 104 alone a covered entity owed every notice, including (G): "more than one thousand residents of
    # this state ... shall notify, without unreasonable delay, all consumer reporting agencies".
    before = rule("US-OH", date(2006, 6, 1), "consumer_reporting_agencies")
    assert "hipaa_covered_entity" not in before.excluded_sectors
    assert (before.threshold.op, before.threshold.value) == (">", 1000)
    after = rule("US-OH", date(2007, 3, 30), "consumer_reporting_agencies")
    assert after.excluded_sectors == ["hipaa_covered_entity"]


# --- Nevada: NRS 603A.020, 603A.040, 603A.220 (reviewed, no fix) ------------------------------------------------


def test_nevada_2005_definition_and_no_harm_threshold():
    # NRS 603A.040 (2005): name with "1. Social security number. 2. Driver's license number or identification card
    # number. 3. Account number, credit card number or debit card number, in combination with any required
    # security code, access code or password"; 603A.020: "unauthorized acquisition of computerized data that
    # materially compromises the security" - no risk-of-harm test.
    day = date(2010, 1, 1)
    assert covers("US-NV", day, "name", "ssn") and not covers("US-NV", day, "name", "health_insurance")
    assert not version("US-NV", day).risk_of_harm.exception
    # 603A.220(3): "must be made after the law enforcement agency determines that the notification will not
    # compromise the investigation" - the clock waits while the delay lasts.
    assert version("US-NV", ON).law_enforcement_tolling
    assert rule("US-NV", ON, "individuals").clocks[0].unit == "none"  # "most expedient time possible"


def test_south_dakota_has_no_maintainer_duty():
    # § 22-40-19(3): "'Information holder,' any person or business that conducts business in this state, and that
    # owns or licenses computerized personal or protected information" - no section of 22-40-19 to 22-40-26 sets a
    # maintainer's duty to tell the owner.
    assert "data_owner" not in {o.key for o in version("US-SD", ON).obligations}


# --- Oklahoma: SB 626 (2026-01-01) --------------------------------------------------------------------------------


@pytest.mark.parametrize("element", ["passport", "military_id", "tax_id", "government_id"])
def test_oklahoma_2026_other_government_ids_with_name(element):
    # SB 626 as summarised: other government-issued unique identification numbers (e.g. passport) join 24 O.S.
    # § 162(6); military ID and taxpayer ID are such numbers (coded apart from government_id). Not before 2026.
    assert covers("US-OK", date(2026, 1, 1), "name", element)
    assert not covers("US-OK", date(2025, 12, 31), "name", element)


# --- Nebraska: Neb. Rev. Stat. §§ 87-802, 87-803 (reviewed, no fix) ---------------------------------------------


def test_nebraska_notice_after_the_misuse_determination_and_ag_no_later():
    # § 87-803(1): "If the investigation determines that the use of information about a Nebraska resident for an
    # unauthorized purpose has occurred or is reasonably likely to occur ... Notice shall be made as soon as
    # possible and without unreasonable delay"; (2): "not later than the time when notice is provided to the
    # Nebraska resident, provide notice ... to the Attorney General".
    (clock,) = rule("US-NE", ON, "individuals").clocks
    assert (clock.start, clock.unit) == ("determination", "none")
    (ag,) = rule("US-NE", ON, "attorney_general").clocks
    assert (ag.start, ag.relation, ag.unit) == ("individual_notice", "same_time", "none")
    # § 87-802(3): "Data shall not be considered encrypted if the confidential process or key was or is reasonably
    # believed to have been acquired"
    assert version("US-NE", ON).encryption_safe_harbor.lost_if_key_compromised


# --- New Jersey: N.J.S.A. 56:8-161, 56:8-163 (reviewed, no fix) -------------------------------------------------


def test_new_jersey_credentials_are_linked_with_the_name_from_2019_09_01():
    # P.L.2019, c.95 adds to the elements "linked with" the name: "User name, email address, or any other account
    # holder identifying information, in combination with any password or security question and answer that
    # would permit access to an online account" (effective 2019-09-01; P.L.2005, c.226 effective 2006-01-01).
    assert covers("US-NJ", date(2019, 9, 1), "name", "email", "password")
    assert not covers("US-NJ", date(2019, 8, 31), "name", "email", "password")
    police = rule("US-NJ", ON, "state_police")  # "in advance of the disclosure to the customer"
    assert police.clocks[0].relation == "before"
    assert regimes()["US-NJ"].version_on(date(2005, 12, 31)) is None


def test_ohio_45_days_from_discovery():
    # R.C. 1349.19(B)(2): "in the most expedient time possible but not later than forty-five days following its
    # discovery or notification of the breach in the security of the system"
    (clock,) = rule("US-OH", ON, "individuals").clocks
    assert (clock.start, clock.unit, clock.amount) == ("discovery", "days", 45)
    assert version("US-OH", ON).reviewed_on == ON


def test_south_dakota_law_enforcement_delay_is_a_fresh_30_days():
    # § 22-40-20: "not later than sixty days ... unless a longer period of time is required due to the legitimate
    # needs of law enforcement as provided under § 22-40-21"; § 22-40-21 as summarised: notice within 30 days after
    # law enforcement determines that it will not compromise the investigation. A toll would give a later date
    # for a delay requested early (e.g. asked on day 10, released on day 100: toll day 150, the law day 130).
    delay = version("US-SD", ON).law_enforcement
    assert delay is not None and delay.effect == "fresh_period"
    assert (delay.unit, delay.amount, delay.keep_original) == ("days", 30, True)
    assert version("US-SD", ON).confidence == "medium"


@pytest.mark.parametrize(("released", "due"), [
    (datetime(2026, 4, 11), date(2026, 5, 11)),  # asked on day 10, released on day 100: 30 days from the release
    (datetime(2026, 1, 15), date(2026, 3, 2)),   # a short delay: the 60 days from discovery still apply
])
def test_south_dakota_law_enforcement_delay_through_the_engine(released, due):
    tz = ZoneInfo("America/Chicago")
    f = IncidentFacts.model_validate({
        "title": "Review incident", "entity": {"name": "Acme", "timezone": "America/Chicago"},
        "discovered_at": datetime(2026, 1, 1, 9, tzinfo=tz).isoformat(), "data_elements": ["name", "ssn"],
        "affected": {"US-SD": 10},
        "events": [{"type": "law_enforcement_delay", "at": datetime(2026, 1, 11, tzinfo=tz).isoformat(),
                    "end": released.replace(tzinfo=tz).isoformat(), "agency": "FBI", "written": True}],
    })
    (d,) = [d for d in evaluate(f, as_of=datetime(2026, 6, 1, tzinfo=tz), regimes=[regimes()["US-SD"]])
            if d.rule_key == "individuals"]
    assert d.required and d.due_date == due
