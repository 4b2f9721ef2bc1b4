"""Key facts of the US state regimes AL..MO, each tied to the statute's own words.

Every row keeps a short quote of the law next to the facts it implies, so a
reviewer can check the data against the words rather than against memory:
the individual clock, every regulator/CRA threshold (operator and value), and
the encryption safe-harbor and risk-of-harm flags. The version checked is the
one in force on 2026-06-01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from breachclock.playbooks.catalog import regimes

ON = date(2026, 6, 1)


@dataclass(frozen=True)
class Row:
    regime_id: str
    quote: str  # the statute's words for the individual deadline
    start: str
    unit: str
    amount: int | None
    # obligation key -> (op, value) or None (owed regardless of number), with the statute's words
    thresholds: dict[str, tuple[tuple[str, int] | None, str]] = field(default_factory=dict)
    encryption: bool = True
    # Statutes silent on key compromise are read conservatively: a stolen key defeats the safe harbor.
    key_loss: bool = True
    harm_exception: bool = True
    record_years: int | None = None


ROWS = [
    Row(
        "US-AL",
        "within 45 days of the covered entity's ... determination that a breach has occurred",
        "determination", "days", 45,
        {
            "attorney_general": ((">", 1000), "number of individuals ... exceeds 1,000"),
            "consumer_reporting_agencies": ((">", 1000), "notice ... of more than 1,000 individuals at a single time"),
        },
        record_years=5,
    ),
    Row(
        "US-AK",
        "in the most expeditious time possible and without unreasonable delay",
        "discovery", "none", None,
        {
            "consumer_reporting_agencies": ((">", 1000), "more than 1,000 state residents"),
            "attorney_general_no_harm": (None, "after written notification to the attorney general"),
        },
        record_years=5,
    ),
    Row(
        "US-AZ",
        "within 45 days after the determination that there has been a security system breach",
        "determination", "days", 45,
        {
            "attorney_general": ((">", 1000), "required to notify more than 1,000 individuals"),
            "homeland_security": ((">", 1000), "required to notify more than 1,000 individuals"),
            "consumer_reporting_agencies": ((">", 1000), "required to notify more than 1,000 individuals"),
        },
    ),
    Row(
        "US-AR",
        "in the most expedient time and manner possible and without unreasonable delay",
        "discovery", "none", None,
        {"attorney_general": ((">", 1000), "affects the personal information of more than 1,000 individuals")},
        record_years=5,
    ),
    Row(
        "US-CO",
        "not later than thirty days after the date of determination that a security breach occurred",
        "determination", "days", 30,
        {
            "attorney_general": ((">=", 500), "five hundred Colorado residents or more"),
            "consumer_reporting_agencies": ((">", 1000), "more than one thousand Colorado residents"),
        },
    ),
    Row(
        "US-CT",
        "not later than sixty days after the discovery of such breach",
        "discovery", "days", 60,
        {"attorney_general": (None, "not later than the time when notice is provided to the resident")},
    ),
    Row(
        "US-DE",
        "not later than 60 days after determination of the breach of security",
        "determination", "days", 60,
        {"attorney_general": ((">", 500), "the number of affected Delaware residents ... exceeds 500")},
    ),
    Row(
        "US-DC",
        "in the most expedient time possible and without unreasonable delay",
        "discovery", "none", None,
        {
            "attorney_general": ((">=", 50), "required to notify 50 or more District residents"),
            "consumer_reporting_agencies": ((">", 1000), "more than 1,000 persons"),
        },
    ),
    Row(
        "US-FL",
        "no later than 30 days after the determination of a breach or reason to believe a breach occurred",
        "determination", "days", 30,
        {
            "department_of_legal_affairs": ((">=", 500), "a breach ... affecting 500 or more individuals in this state"),
            "consumer_reporting_agencies": ((">", 1000), "more than 1,000 individuals at a single time"),
        },
        record_years=5,
    ),
    Row(
        "US-GA",
        "in the most expedient time possible and without unreasonable delay",
        "discovery", "none", None,
        {"consumer_reporting_agencies": ((">", 10000), "more than 10,000 residents of this state at one time")},
        harm_exception=False,
    ),
    Row(
        "US-HI",
        "without unreasonable delay",
        "discovery", "none", None,
        {
            "office_of_consumer_protection": ((">", 1000), "more than 1,000 persons at one time"),
            "consumer_reporting_agencies": ((">", 1000), "more than 1,000 persons at one time"),
        },
    ),
    Row(
        "US-ID",
        "give notice as soon as possible ... in the most expedient time possible and without unreasonable delay",
        "awareness", "none", None,
        {},
    ),
    Row(
        "US-IL",
        "in the most expedient time possible and without unreasonable delay",
        "discovery", "none", None,
        {"attorney_general": ((">", 500), "more than 500 Illinois residents are affected by the same breach")},
        harm_exception=False,
    ),
    Row(
        "US-IN",
        "not more than forty-five (45) days after the discovery of the breach",
        "discovery", "days", 45,
        {
            "attorney_general": (None, "shall also disclose the breach to the attorney general"),
            "consumer_reporting_agencies": ((">", 1000), "disclosure to more than one thousand (1,000) consumers"),
        },
    ),
    Row(
        "US-IA",
        "in the most expeditious manner possible and without unreasonable delay",
        "discovery", "none", None,
        # operator unread (review d1): "more than five hundred" as commonly quoted, "at least 500" on the AG's page
        {"attorney_general": ((">=", 500), "a breach of security affecting 500 or more Iowa residents (JD Supra; AG: at least 500)")},
        record_years=5,
    ),
    Row(
        "US-KS",
        "in the most expedient time possible and without unreasonable delay",
        "awareness", "none", None,
        {"consumer_reporting_agencies": ((">", 1000), "more than 1,000 consumers at one time")},
    ),
    Row(
        "US-KY",
        "in the most expedient time possible and without unreasonable delay",
        "discovery", "none", None,
        {"consumer_reporting_agencies": ((">", 1000), "more than 1,000 persons at one time")},
    ),
    Row(
        "US-LA",
        "not later than sixty days from the discovery of the breach",
        "discovery", "days", 60,
        {"attorney_general": (None, "timely if received within 10 days of distribution of notice to Louisiana citizens")},
        record_years=5,
    ),
    Row(
        "US-ME",
        "no more than 30 days after becoming aware of a breach of security and identifying its scope",
        "awareness", "days", 30,
        {
            "state_regulator": (None, "the appropriate state regulators ... or ... the Attorney General"),
            "consumer_reporting_agencies": ((">", 1000), "more than 1,000 persons at a single time"),
        },
    ),
    Row(
        "US-MD",
        "not later than 45 days after the business discovers or is notified of the breach",
        "discovery", "days", 45,
        {
            "attorney_general": (None, "prior to giving the notification ... to the Office of the Attorney General"),
            "consumer_reporting_agencies": ((">=", 1000), "notice ... to 1,000 or more individuals"),
        },
        record_years=3,
    ),
    Row(
        "US-MA",
        "as soon as practicable and without unreasonable delay",
        "awareness", "none", None,
        {
            "attorney_general": (None, "provide notice ... to the attorney general"),
            "ocabr_director": (None, "the director of consumer affairs and business regulation"),
            "consumer_reporting_agencies": (None, "consumer reporting agencies ... identified by the director"),
        },
        # § 3(b)(2): notice also when PI "was acquired or used by an unauthorized person", with no harm test
        harm_exception=False,
    ),
    Row(
        "US-MI",
        "without unreasonable delay",
        "discovery", "none", None,
        {"consumer_reporting_agencies": ((">", 1000), "does not apply if ... notice ... to 1,000 or fewer residents")},
    ),
    Row(
        "US-MN",
        "in the most expedient time possible and without unreasonable delay",
        "discovery", "none", None,
        {"consumer_reporting_agencies": ((">", 500), "notification ... of more than 500 persons at one time")},
        harm_exception=False,
    ),
    Row(
        "US-MS",
        "without unreasonable delay, subject to ... the completion of an investigation",
        "discovery", "none", None,
        {},
    ),
    Row(
        "US-MO",
        "without unreasonable delay",
        "discovery", "none", None,
        {
            "attorney_general": ((">", 1000), "more than one thousand consumers at one time"),
            "consumer_reporting_agencies": ((">", 1000), "more than one thousand consumers at one time"),
        },
        record_years=5,
    ),
]

_OP_WORDS = {">": ("more than", "exceeds", "fewer"), ">=": ("or more",)}


def _version(regime_id: str):
    version = regimes()[regime_id].version_on(ON)
    assert version is not None, f"{regime_id}: no version in force on {ON}"
    return version


def test_table_covers_exactly_the_a_to_m_states() -> None:
    ids = [row.regime_id for row in ROWS]
    assert len(ids) == len(set(ids)) == 25
    assert set(ids) <= set(regimes())


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.regime_id)
def test_individual_clock(row: Row) -> None:
    version = _version(row.regime_id)
    (individuals,) = [o for o in version.obligations if o.recipient_kind == "individual"]
    clock = individuals.clocks[0]
    assert (clock.start, clock.unit, clock.amount) == (row.start, row.unit, row.amount), row.quote
    if row.amount is not None:
        # the quote must carry the number the data encodes (as digits or in words)
        words = {30: "thirty", 45: "forty-five", 60: "sixty"}
        assert str(row.amount) in row.quote or words.get(row.amount, "?") in row.quote


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.regime_id)
def test_regulator_and_cra_thresholds(row: Row) -> None:
    version = _version(row.regime_id)
    by_key = {o.key: o for o in version.obligations}
    for key, (expected, quote) in row.thresholds.items():
        assert key in by_key, f"{row.regime_id}: missing obligation {key!r} ({quote})"
        threshold = by_key[key].threshold
        if expected is None:
            assert threshold is None, f"{row.regime_id}.{key}: law sets no number ({quote})"
            continue
        op, value = expected
        assert threshold is not None, f"{row.regime_id}.{key}: expected {op}{value} ({quote})"
        assert (threshold.op, threshold.value) == (op, value), quote
        # the quote's own wording must match the operator
        assert any(w in quote for w in _OP_WORDS[op]), f"{quote!r} does not read as {op}"
    # every regulator/CRA rule with a threshold is in the table, so no number goes unchecked
    for rule in version.obligations:
        if rule.recipient_kind in ("regulator", "cra") and rule.threshold is not None:
            assert rule.key in row.thresholds, f"{row.regime_id}.{rule.key} threshold not checked"


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.regime_id)
def test_safe_harbor_and_risk_of_harm(row: Row) -> None:
    version = _version(row.regime_id)
    enc = version.encryption_safe_harbor
    assert (enc.applies, enc.lost_if_key_compromised) == (row.encryption, row.key_loss)
    roh = version.risk_of_harm
    assert roh.exception is row.harm_exception
    assert roh.record_years == row.record_years
    records = [o for o in version.obligations if o.recipient_kind == "record"]
    if row.record_years:
        assert records and all(o.only_with_harm_exception for o in records)
        assert str(row.record_years) in records[0].recipient
    else:
        assert not records


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.regime_id)
def test_residency_and_service_provider_duty(row: Row) -> None:
    version = _version(row.regime_id)
    assert version.applies_to.residents_of == [row.regime_id]
    owner_rules = [o for o in version.obligations if o.recipient_kind == "data_owner"]
    assert owner_rules and all(o.roles == ["service_provider"] for o in owner_rules)


def test_georgia_binds_only_information_brokers_and_agencies() -> None:
    version = _version("US-GA")
    assert set(version.applies_to.sectors_any) == {"information_broker", "government_agency"}
    (owner,) = [o for o in version.obligations if o.key == "data_owner"]
    assert (owner.clocks[0].unit, owner.clocks[0].amount) == ("hours", 24)  # "within 24 hours following discovery"


@pytest.mark.parametrize(
    ("regime_id", "key", "start", "unit", "amount", "relation", "quote"),
    [
        ("US-AR", "attorney_general", "individual_notice", "none", None, "same_time", "at the same time the security breach is disclosed"),
        ("US-IA", "attorney_general", "individual_notice", "business_days", 5, "within", "within five business days after giving notice"),
        ("US-LA", "attorney_general", "individual_notice", "days", 10, "within", "within 10 days of distribution of notice"),
        ("US-MD", "attorney_general", "individual_notice", "none", None, "before", "prior to giving the notification"),
        ("US-CT", "attorney_general", "individual_notice", "none", None, "same_time", "not later than the time when notice is provided"),
        ("US-MN", "consumer_reporting_agencies", "discovery", "hours", 48, "within", "shall also notify, within 48 hours"),
        ("US-FL", "data_owner", "determination", "days", 10, "within", "no later than 10 days following the determination"),
        ("US-MD", "data_owner", "discovery", "days", 10, "within", "not later than 10 days after the business discovers"),
        ("US-AL", "data_owner", "determination", "days", 10, "within", "no later than 10 days following the determination"),
    ],
)
def test_anchored_and_short_clocks(regime_id, key, start, unit, amount, relation, quote) -> None:
    (rule,) = [o for o in _version(regime_id).obligations if o.key == key]
    clock = rule.clocks[0]
    assert (clock.start, clock.unit, clock.amount, clock.relation) == (start, unit, amount, relation), quote


def test_arkansas_ag_whichever_first() -> None:
    # "at the same time ... or within 45 days after ... determines ... reasonable likelihood of harm ..., whichever first occurs"
    (rule,) = [o for o in _version("US-AR").obligations if o.key == "attorney_general"]
    assert [(c.start, c.unit, c.amount) for c in rule.clocks] == [
        ("individual_notice", "none", None),
        ("notifiability_assessed", "days", 45),
    ]


@pytest.mark.parametrize(
    ("regime_id", "before", "after", "old", "new"),
    [
        # "not later than ninety days" -> "not later than sixty days" (PA 21-59)
        ("US-CT", date(2021, 9, 30), date(2021, 10, 1), 90, 60),
        # "without unreasonable delay" -> "not more than forty-five (45) days" (HEA 1351)
        ("US-IN", date(2022, 6, 30), date(2022, 7, 1), None, 45),
    ],
)
def test_amended_deadlines_switch_on_effective_date(regime_id, before, after, old, new) -> None:
    def amount(day):
        version = regimes()[regime_id].version_on(day)
        (ind,) = [o for o in version.obligations if o.recipient_kind == "individual"]
        return ind.clocks[0].amount

    assert (amount(before), amount(after)) == (old, new)
