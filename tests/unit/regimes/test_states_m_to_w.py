"""Key facts of the US regimes MT-WY plus PR, GU and VI, each tied to the statute's own words."""

from datetime import date

import pytest
from breachclock.playbooks.catalog import regimes

ON = date(2026, 6, 1)

# id, statute quote, individual clock (unit, amount, start), {obligation key: (op, value) or None},
# encryption safe harbor applies, risk-of-harm exception
CASES = [
    ("US-MT", "without unreasonable delay", ("none", None, "discovery"), {"attorney_general": None}, True, True),
    ("US-NE", "not later than the time when notice is provided to the Nebraska resident", ("none", None, "determination"), {"attorney_general": None}, True, True),
    ("US-NV", "in the most expedient time possible and without unreasonable delay", ("none", None, "discovery"), {"consumer_reporting_agencies": (">", 1000)}, True, False),
    ("US-NH", "as soon as possible", ("none", None, "determination"), {"attorney_general": None, "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-NJ", "in advance of the disclosure to the customer", ("none", None, "discovery"), {"state_police": None, "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-NM", "not later than forty-five calendar days following discovery", ("days", 45, "discovery"), {"attorney_general": (">", 1000), "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-NY", "within thirty days after the breach has been discovered", ("days", 30, "discovery"), {"attorney_general": None, "consumer_reporting_agencies": (">", 5000), "attorney_general_no_harm": (">", 500)}, True, True),
    ("US-NC", "notify without unreasonable delay the Consumer Protection Division", ("none", None, "discovery"), {"attorney_general": None, "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-ND", "exceeds two hundred fifty individuals", ("none", None, "discovery"), {"attorney_general": (">", 250)}, True, False),
    ("US-OH", "not later than forty-five days following its discovery", ("days", 45, "discovery"), {"consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-OK", "in no event more than sixty (60) days after providing notice to affected residents", ("none", None, "discovery"), {"attorney_general": (">=", 500), "attorney_general_credit_bureau": (">=", 1000)}, True, True),
    ("US-OR", "not later than 45 days after discovering or receiving notification", ("days", 45, "discovery"), {"attorney_general": (">", 250), "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-PA", "more than 500 affected individuals in this Commonwealth", ("none", None, "discovery"), {"attorney_general": (">", 500), "consumer_reporting_agencies": (">=", 500)}, True, True),
    ("US-RI", "no later than forty-five (45) calendar days after confirmation of the breach", ("days", 45, "determination"), {"attorney_general": (">", 500), "consumer_reporting_agencies": (">", 500)}, True, True),
    ("US-SC", "in the most expedient time possible and without unreasonable delay", ("none", None, "discovery"), {"consumer_affairs": (">", 1000), "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-SD", "not later than sixty days from the discovery or notification", ("days", 60, "discovery"), {"attorney_general": (">", 250), "consumer_reporting_agencies": None}, True, True),
    ("US-TN", "no later than forty-five (45) days from the discovery", ("days", 45, "discovery"), {"consumer_reporting_agencies": (">", 1000)}, True, False),
    ("US-TX", "not later than the 60th day after the date on which the person determines that the breach occurred", ("days", 60, "determination"), {"attorney_general": (">=", 250), "consumer_reporting_agencies": (">", 10000)}, True, False),
    ("US-UT", "provide notification to the Office of the Attorney General and the Utah Cyber Center", ("none", None, "determination"), {"attorney_general": (">=", 500), "utah_cyber_center": (">=", 500), "consumer_reporting_agencies": (">=", 1000)}, True, True),
    ("US-VT", "not later than 45 days after the discovery or notification", ("days", 45, "discovery"), {"attorney_general": None, "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-VA", "without unreasonable delay", ("none", None, "discovery"), {"attorney_general": None, "consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-WA", "no more than thirty calendar days after the breach was discovered", ("days", 30, "discovery"), {"attorney_general": (">", 500)}, True, True),
    ("US-WV", "as soon as practicable following discovery", ("none", None, "discovery"), {"consumer_reporting_agencies": (">", 1000)}, True, True),
    ("US-WI", "not to exceed 45 days after the entity learns of the acquisition", ("days", 45, "awareness"), {"consumer_reporting_agencies": (">=", 1000)}, True, True),
    ("US-WY", "in the most expedient time possible and without unreasonable delay", ("none", None, "determination"), {}, False, True),
    ("US-PR", "within a non-extendable term of ten (10) days after the violation", ("none", None, "discovery"), {"daco": None}, True, False),
    ("US-GU", "without unreasonable delay", ("none", None, "discovery"), {}, True, True),
    ("US-VI", "in the most expedient time possible and without unreasonable delay", ("none", None, "discovery"), {}, True, False),
]


@pytest.mark.parametrize("rid, quote, ind, thresholds, enc, harm", CASES, ids=[c[0] for c in CASES])
def test_key_facts(rid, quote, ind, thresholds, enc, harm):
    regime = regimes()[rid]
    v = regime.version_on(ON)
    assert v is not None
    obligations = {o.key: o for o in v.obligations}
    texts = " ".join(c.text for o in v.obligations for c in o.clocks)
    assert quote.lower() in texts.lower(), f"{rid}: quote not found in any clock text"

    unit, amount, start = ind
    clock = obligations["individuals"].clocks[0]
    assert (clock.unit, clock.amount, clock.start) == (unit, amount, start)

    for key, expected in thresholds.items():
        t = obligations[key].threshold
        assert (None if t is None else (t.op, t.value)) == expected, key

    assert v.encryption_safe_harbor.applies is enc
    assert v.risk_of_harm.exception is harm
    assert v.applies_to.residents_of == [rid]
    assert regime.kind == ("territory" if rid in {"US-PR", "US-GU", "US-VI"} else "state")


def test_texas_attorney_general_deadline_shortened_by_sb_768():
    tx = regimes()["US-TX"]
    before = {o.key: o for o in tx.version_on(date(2023, 8, 31)).obligations}["attorney_general"].clocks[0]
    after = {o.key: o for o in tx.version_on(date(2023, 9, 1)).obligations}["attorney_general"].clocks[0]
    assert (before.start, before.unit, before.amount) == ("determination", "days", 60)
    assert (after.start, after.unit, after.amount) == ("determination", "days", 30)
    assert "30th day" in after.text


def test_texas_has_no_credential_element():
    pi = regimes()["US-TX"].version_on(ON).personal_information
    used = {e for combo in pi.with_name + pi.standalone for e in combo}
    assert not used & {"username", "password", "email", "security_qa"}


def test_vermont_preliminary_notice_in_business_days():
    ag = {o.key: o for o in regimes()["US-VT"].version_on(ON).obligations}["attorney_general"]
    assert (ag.clocks[0].start, ag.clocks[0].unit, ag.clocks[0].amount) == ("discovery", "business_days", 14)
    assert "within 14 business days" in ag.clocks[0].text


def test_anchored_regulator_notices():
    cases = {("US-NJ", "state_police"): "before", ("US-NE", "attorney_general"): "same_time", ("US-MT", "attorney_general"): "same_time",
             ("US-PA", "attorney_general"): "same_time"}
    for (rid, key), relation in cases.items():
        c = {o.key: o for o in regimes()[rid].version_on(ON).obligations}[key].clocks[0]
        assert (c.start, c.relation) == ("individual_notice", relation), rid
    ok = {o.key: o for o in regimes()["US-OK"].version_on(ON).obligations}["attorney_general"].clocks[0]
    assert (ok.start, ok.unit, ok.amount, ok.relation) == ("individual_notice", "days", 60, "within")
    pr = {o.key: o for o in regimes()["US-PR"].version_on(ON).obligations}["daco"].clocks[0]
    assert (pr.start, pr.unit, pr.amount) == ("discovery", "days", 10)


def test_kept_determinations():
    for rid, years in {"US-NJ": 5, "US-NY": 5, "US-OR": 5, "US-SD": 3}.items():
        v = regimes()[rid].version_on(ON)
        assert v.risk_of_harm.record_years == years
        rec = [o for o in v.obligations if o.recipient_kind == "record"]
        assert rec and all(o.only_with_harm_exception for o in rec), rid


def test_cra_sector_exclusions():
    def excl(rid):
        return {o.key: o for o in regimes()[rid].version_on(ON).obligations}["consumer_reporting_agencies"].excluded_sectors
    assert excl("US-OH") == ["hipaa_covered_entity"]
    assert excl("US-NH") == ["glba_financial_institution"]
    assert excl("US-WV") == ["glba_financial_institution"]


def test_versions_switch_on_amendment_dates():
    r = regimes()
    assert r["US-OK"].version_on(date(2025, 12, 31)).effective_to == date(2026, 1, 1)
    assert "attorney_general" not in {o.key for o in r["US-OK"].version_on(date(2025, 12, 31)).obligations}
    assert r["US-WA"].version_on(date(2020, 2, 29)).obligations[0].clocks[0].amount == 45
    assert r["US-NY"].version_on(date(2024, 1, 1)).obligations[0].clocks[0].unit == "none"
    assert r["US-PA"].version_on(date(2024, 1, 1)).obligations[1].threshold.value == 1000
