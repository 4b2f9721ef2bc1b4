"""Review batch b2 (December 2026): Tennessee, Virginia, Washington, Wisconsin, West Virginia, Wyoming, Guam,
Puerto Rico and the U.S. Virgin Islands.

Every test keeps a short quote of the law (or of the authoritative summary the fix rests on) next to the fact it
implies. The small helpers are copied from ``test_law_review_2026.py`` (tests do not import each other).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
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












def hold(start: datetime, end: datetime, **extra: Any) -> dict[str, Any]:
    return {"type": "law_enforcement_delay", "at": start.isoformat(), "end": end.isoformat(), **extra}


# --- Tennessee: § 47-18-2107(d) as amended by SB 2005 (2016) and SB 547 (2017) -----------------------------


@pytest.mark.parametrize("day", [date(2016, 7, 1), date(2017, 4, 4), date(2026, 6, 1)])
def test_tennessee_law_enforcement_delay_gives_45_days_after_release(day):
    # "even then, notice must be made within 45 days after law enforcement determines that notification will no
    # longer compromise an investigation" (Orrick on SB 2005); SB 547: "an additional 45 days may be taken"
    v = version("US-TN", day)
    for key in ("individuals", "data_owner"):
        d = delay_rule(v, rule("US-TN", day, key))
        assert (d.effect, d.unit, d.amount, d.keep_original) == ("fresh_period", "days", 45, False)


def test_tennessee_law_enforcement_release_starts_a_fresh_45_days():
    tz = ZoneInfo("America/Chicago")
    found = datetime(2026, 3, 2, 9, tzinfo=tz)
    f = facts(found, {"US-TN": 10}, ["name", "ssn"],
              events=[hold(datetime(2026, 3, 12, 9, tzinfo=tz), datetime(2026, 4, 30, 9, tzinfo=tz))])
    d = decide(f, "US-TN", "individuals", datetime(2026, 5, 1, tzinfo=tz))
    # "no later than forty-five (45) days" after the agency's determination of 2026-04-30, not the days left over
    assert d.required and d.due_date == date(2026, 6, 14)


def test_tennessee_original_act_has_no_fixed_days():
    # 2005 text (2010 code): "in the most expedient time possible and without unreasonable delay"
    clock = rule("US-TN", date(2010, 1, 1), "individuals").clocks[0]
    assert clock.unit == "none" and clock.amount is None
    assert version("US-TN", date(2010, 1, 1)).law_enforcement is None


# --- Puerto Rico: 10 L.P.R.A. §§ 4051, 4052 (Act 111-2005 as amended by Act 97-2008) -------------------------


def test_puerto_rico_department_notice_is_not_extended_by_law_enforcement():
    # § 4052: "Within a non-extendable term of ten (10) days after the violation of the system's security has been
    # detected, the parties responsible shall inform the Department"
    day = date(2026, 6, 1)
    v = version("US-PR", day)
    assert delay_rule(v, rule("US-PR", day, "daco")).effect == "none"
    # the clients' notice takes "into consideration the need of law enforcement agencies"
    assert delay_rule(v, rule("US-PR", day, "individuals")).effect == "toll"


def test_puerto_rico_department_due_date_ignores_a_hold():
    tz = ZoneInfo("America/Puerto_Rico")
    found = datetime(2026, 3, 2, 9, tzinfo=tz)
    f = facts(found, {"US-PR": 10}, ["name", "ssn"],
              events=[hold(datetime(2026, 3, 3, 9, tzinfo=tz), datetime(2026, 4, 30, 9, tzinfo=tz), written=True)])
    d = decide(f, "US-PR", "daco", datetime(2026, 3, 4, tzinfo=tz))
    assert d.required and d.due_date == date(2026, 3, 12)


@pytest.mark.parametrize("element", ["passport", "military_id", "government_id", "drivers_license"])
def test_puerto_rico_other_official_identification(element):
    # § 4051: "Driver's license number, voter's identification or other official identification"
    assert covers("US-PR", date(2026, 6, 1), "name", element)


def test_puerto_rico_version_starts_with_act_97_of_june_19_2008():
    # § 4052 history: "Sept. 7, 2005, No. 111, § 3; June 19, 2008, No. 97, § 2"
    v = version("US-PR", date(2008, 6, 19))
    assert v.effective_from == date(2008, 6, 19) and v.reviewed_on == REVIEWED
    assert regimes()["US-PR"].version_on(date(2008, 6, 18)) is None  # Act 111 text not modelled: counsel decides


# --- Wyoming: § 40-12-502(b) ------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2010, 1, 1), date(2026, 6, 1)])
def test_wyoming_only_a_written_law_enforcement_determination_delays_notice(day):
    # § 40-12-502(b): "may be delayed if a law enforcement agency determines in writing"
    v = version("US-WY", day)
    d = delay_rule(v, rule("US-WY", day, "individuals"))
    assert (d.effect, d.written_only) == ("toll", True)


def test_wyoming_breach_definition_elements_exclude_address_and_telephone():
    # § 6-3-901(b): "(i) Address; (ii) Telephone number; (iii) Social security number; ..." - the breach law's
    # elements (tribal ID to ITIN in the Mintz summary) do not include address or telephone number
    day = date(2026, 6, 1)
    assert not covers("US-WY", day, "name", "address")
    assert not covers("US-WY", day, "name", "phone")
    for element in ("ssn", "tax_id", "biometric", "health_insurance"):
        assert covers("US-WY", day, "name", element)
    assert version("US-WY", day).reviewed_on == REVIEWED


# --- West Virginia § 46A-2A-101(6) and Guam 9 GCA § 48.20: no 'other government ID' ----------------------------


@pytest.mark.parametrize(("regime_id", "quote"), [
    ("US-WV", "§ 46A-2A-101(6): driver's license number or state identification card number issued in lieu of a "
              "driver's license"),
    ("US-GU", "§ 48.20: driver's license number or Guam identification card number issued in lieu of a driver's "
              "license"),
])
def test_state_id_in_lieu_of_a_licence_is_not_other_government_id(regime_id, quote):
    day = date(2026, 6, 1)
    assert not covers(regime_id, day, "name", "government_id"), quote
    assert covers(regime_id, day, "name", "drivers_license"), quote
    assert covers(regime_id, day, "name", "ssn")
    assert covers(regime_id, day, "name", "payment_card", "access_code")
    assert not covers(regime_id, day, "name", "payment_card")


def test_west_virginia_encrypted_data_rule_and_review():
    # § 46A-2A-102(b): notice "if encrypted information is accessed and acquired in an unencrypted form or if the
    # security breach involves a person with access to the encryption key"
    v = version("US-WV", date(2026, 6, 1))
    assert v.encryption_safe_harbor.applies and v.encryption_safe_harbor.lost_if_key_compromised
    assert v.reviewed_on == REVIEWED
    # (c): the maintainer notifies the owner "as soon as practicable following discovery" (no fixed days)
    assert rule("US-WV", date(2026, 6, 1), "data_owner").clocks[0].unit == "none"
