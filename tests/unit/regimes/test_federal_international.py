"""Key facts of the federal and international regimes, each tied to the rule's own words."""

from __future__ import annotations

from datetime import date

import pytest
from breachclock.playbooks.catalog import regimes

ON = date(2026, 6, 1)

# (regime, obligation key, quote from the rule, clock start, unit, amount)
CLOCKS = [
    ("US-FED-HIPAA", "individuals", "in no case later than 60 calendar days after discovery of a breach", "discovery", "days", 60),
    ("US-FED-HIPAA", "hhs", "contemporaneously with the notice required by § 164.404(a)", "discovery", "days", 60),
    ("US-FED-HIPAA", "hhs_annual_log", "not later than 60 days after the end of each calendar year", "calendar_year_end", "days", 60),
    ("US-FED-HIPAA", "media", "in no case later than 60 calendar days after discovery of a breach", "discovery", "days", 60),
    ("US-FED-HIPAA", "data_owner", "in no case later than 60 calendar days after discovery of a breach", "discovery", "days", 60),
    ("US-FED-FTC-SAFEGUARDS", "ftc", "no later than 30 days after discovery of the event", "discovery", "days", 30),
    ("US-FED-FTC-HBNR", "individuals", "in no case later than 60 calendar days after the discovery of a breach of security", "discovery", "days", 60),
    ("US-FED-FTC-HBNR", "ftc_annual_log", "no later than 60 calendar days following the end of the calendar year", "calendar_year_end", "days", 60),
    ("US-FED-SEC", "form_8k", "within four business days after the registrant determines that its cybersecurity incident is material", "materiality_determined", "business_days", 4),
    ("US-FED-BANK", "primary_regulator", "no later than 36 hours after the banking organization determines that a notification incident has occurred", "determination", "hours", 36),
    ("US-FED-BANK", "bank_customers", "as soon as possible when the bank service provider determines", "determination", "none", None),
    ("US-NY-DFS", "superintendent", "no later than 72 hours after determining that a cybersecurity incident has occurred", "determination", "hours", 72),
    ("US-NY-DFS", "extortion_payment", "within 24 hours of the extortion payment", "ransom_paid", "hours", 24),
    ("US-NY-DFS", "extortion_payment_description", "within 30 days of the extortion payment, a written description", "ransom_paid", "days", 30),
    ("EU-GDPR", "supervisory_authority", "not later than 72 hours after having become aware of it", "awareness", "hours", 72),
    ("EU-GDPR", "data_subjects", "shall communicate the personal data breach to the data subject without undue delay", "awareness", "none", None),
    ("EU-GDPR", "processor_to_controller", "The processor shall notify the controller without undue delay", "awareness", "none", None),
    ("EU-GDPR", "breach_record", "The controller shall document any personal data breaches", "awareness", "none", None),
    ("UK-GDPR", "ico", "not later than 72 hours after having become aware of it", "awareness", "hours", 72),
    ("UK-GDPR", "data_subjects", "without undue delay", "awareness", "none", None),
    ("UK-GDPR", "processor_to_controller", "The processor shall notify the controller without undue delay", "awareness", "none", None),
    ("CA-PIPEDA", "opc", "as soon as feasible after the organization determines that the breach has occurred", "determination", "none", None),
    ("CA-PIPEDA", "individuals", "as soon as feasible after the organization determines that the breach has occurred", "determination", "none", None),
    ("CA-PIPEDA", "breach_record", "keep and maintain ... a record of every breach of security safeguards", "determination", "none", None),
    ("CA-QC", "cai", "must promptly notify the Commission d'accès à l'information", "determination", "none", None),
    ("CA-QC", "persons_concerned", "It must also notify any person whose personal information is concerned", "determination", "none", None),
    ("AU-NDB", "assessment", "the assessment is completed within 30 days after the entity becomes aware", "awareness", "days", 30),
    ("AU-NDB", "oaic", "as soon as practicable after the entity becomes aware", "determination", "none", None),
    ("AU-NDB", "individuals", "as soon as practicable after the completion of the preparation of the statement", "determination", "none", None),
    ("SG-PDPA", "pdpc_significant_harm", "in any case no later than 3 calendar days after the day the organisation makes that assessment", "notifiability_assessed", "days", 3),
    ("SG-PDPA", "pdpc_significant_scale", "in any case no later than 3 calendar days after the day the organisation makes that assessment", "notifiability_assessed", "days", 3),
    ("SG-PDPA", "individuals", "on or after notifying the Commission", "notifiability_assessed", "none", None),
    ("BR-LGPD", "anpd", "no prazo de três dias úteis", "awareness", "business_days", 3),
    ("BR-LGPD", "data_subjects", "no prazo de três dias úteis", "awareness", "business_days", 3),
    ("IN-DPDP", "board_detailed", "within seventy-two hours of becoming aware of the same", "awareness", "hours", 72),
    ("IN-DPDP", "data_principals", "in a concise, clear and plain manner and without delay", "awareness", "none", None),
    ("JP-APPI", "ppc_preliminary", "事態を知った後、速やかに", "awareness", "none", None),
    ("JP-APPI", "ppc_final", "当該事態を知った日から三十日以内", "awareness", "days", 30),
]

# (regime, obligation key, quote, measure, operator, value)
THRESHOLDS = [
    ("US-FED-HIPAA", "hhs", "involving 500 or more individuals", "total", ">=", 500),
    ("US-FED-HIPAA", "hhs_annual_log", "involving less than 500 individuals", "total", "<", 500),
    ("US-FED-HIPAA", "media", "involving more than 500 residents of a State or jurisdiction", "residents", ">", 500),
    ("US-FED-FTC-SAFEGUARDS", "ftc", "involving the information of at least 500 consumers", "total", ">=", 500),
    ("US-FED-FTC-HBNR", "ftc", "500 or more individuals", "total", ">=", 500),
    ("US-FED-FTC-HBNR", "ftc_annual_log", "fewer than 500 individuals", "total", "<", 500),
    ("SG-PDPA", "pdpc_significant_scale", "affects not fewer than 500 individuals", "total", ">=", 500),
    ("JP-APPI", "ppc_preliminary_scale", "本人の数が千人を超える", "total", ">", 1000),
    ("JP-APPI", "ppc_final_scale", "本人の数が千人を超える", "total", ">", 1000),
]

EEA = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
}


def _version(regime_id: str):
    version = regimes()[regime_id].version_on(ON)
    assert version is not None, f"{regime_id} has no version in force on {ON}"
    return version


def _rule(regime_id: str, key: str):
    rules = {o.key: o for o in _version(regime_id).obligations}
    assert key in rules, f"{regime_id} has no obligation {key!r}"
    return rules[key]


@pytest.mark.parametrize(("regime_id", "key", "quote", "start", "unit", "amount"), CLOCKS)
def test_clock(regime_id, key, quote, start, unit, amount):
    clock = _rule(regime_id, key).clocks[0]
    assert (clock.start, clock.unit, clock.amount) == (start, unit, amount), quote


@pytest.mark.parametrize(("regime_id", "key", "quote", "measure", "op", "value"), THRESHOLDS)
def test_threshold(regime_id, key, quote, measure, op, value):
    threshold = _rule(regime_id, key).threshold
    assert threshold is not None, quote
    assert (threshold.measure, threshold.op, threshold.value) == (measure, op, value), quote


def test_hipaa_media_notice_is_per_state():
    # § 164.406(a): "more than 500 residents of a State or jurisdiction ... notify prominent media outlets serving the State"
    assert _rule("US-FED-HIPAA", "media").per_jurisdiction is True
    assert _rule("US-FED-HIPAA", "hhs").per_jurisdiction is False


def test_hipaa_business_associate_notifies_covered_entity():
    # § 164.410(a)(1): "A business associate shall ... notify the covered entity of such breach."
    assert _rule("US-FED-HIPAA", "data_owner").roles == ["service_provider"]
    assert _version("US-FED-HIPAA").law_enforcement_tolling is True  # § 164.412


def test_hipaa_low_probability_of_compromise_exception():
    # § 164.402: a breach is presumed "unless ... there is a low probability that the protected health information has been compromised"
    risk = _version("US-FED-HIPAA").risk_of_harm
    assert (risk.exception, risk.basis) == (True, "harm_likely")


def test_sec_counts_federal_business_days():
    clock = _rule("US-FED-SEC", "form_8k").clocks[0]
    assert clock.holidays == "US"
    assert _rule("US-FED-SEC", "form_8k").threshold is None  # materiality, no numeric threshold


def test_bank_service_provider_notice():
    # 12 CFR 53.4: "notify each affected banking organization customer as soon as possible ... for four or more hours"
    rule = _rule("US-FED-BANK", "bank_customers")
    assert rule.recipient_kind == "data_owner"
    assert rule.roles == ["service_provider"]


def test_nydfs_extortion_notices_need_a_payment():
    # 500.17(c): "in the event of an extortion payment made in connection with a cybersecurity event"
    for key in ("extortion_payment", "extortion_payment_description"):
        assert _rule("US-NY-DFS", key).requires_event == "ransom_paid"


def test_circia_is_not_in_force():
    # 6 U.S.C. 681b(a): reporting applies only under the final rule, which has not taken effect
    version = _version("US-FED-CIRCIA")
    assert version.status == "not_in_force"
    assert _rule("US-FED-CIRCIA", "cisa_incident").clocks[0].amount == 72
    ransom = _rule("US-FED-CIRCIA", "cisa_ransom_payment")
    assert (ransom.requires_event, ransom.clocks[0].start, ransom.clocks[0].unit, ransom.clocks[0].amount) == (
        "ransom_paid", "ransom_paid", "hours", 24,
    )


def test_gdpr_structure():
    version = _version("EU-GDPR")
    assert set(version.applies_to.residents_of) == EEA
    # Art. 33(1): "unless the personal data breach is unlikely to result in a risk"
    assert (version.risk_of_harm.exception, version.risk_of_harm.basis) == (True, "harm_likely")
    # Art. 34(1): "likely to result in a high risk"
    assert _rule("EU-GDPR", "data_subjects").requires_risk == "high_risk"
    # Art. 33(2): "The processor shall notify the controller"
    processor = _rule("EU-GDPR", "processor_to_controller")
    assert (processor.recipient_kind, processor.roles) == ("data_owner", ["processor"])
    # Art. 33(5): "document any personal data breaches"
    assert _rule("EU-GDPR", "breach_record").recipient_kind == "record"
    assert version.personal_information.any_personal_data is True


def test_uk_gdpr_protects_uk():
    assert _version("UK-GDPR").applies_to.residents_of == ["GB"]
    assert _rule("UK-GDPR", "data_subjects").requires_risk == "high_risk"


def test_pipeda_keeps_every_breach_24_months():
    # Regulations s. 6(1): "maintain a record ... for 24 months after the day on which the organization determines that the breach has occurred"
    assert _rule("CA-PIPEDA", "breach_record").recipient_kind == "record"
    assert _version("CA-PIPEDA").risk_of_harm.record_years == 2
    assert _version("CA-PIPEDA").applies_to.residents_of == ["CA"]


def test_quebec_covers_quebec_residents():
    assert _version("CA-QC").applies_to.residents_of == ["CA-QC"]
    assert _rule("CA-QC", "incident_register").recipient_kind == "record"


def test_brazil_counts_brazilian_business_days():
    assert _rule("BR-LGPD", "anpd").clocks[0].holidays == "BR"


def test_india_rule_7_not_yet_in_force():
    # DPDP Rules 2025, rule 1: rule 7 comes into force eighteen months after publication (Nov. 2025)
    assert _version("IN-DPDP").status == "not_in_force"
    later = regimes()["IN-DPDP"].version_on(date(2027, 6, 1))
    assert later is not None and later.status == "in_force"


def test_residents_of():
    expected = {"AU-NDB": ["AU"], "SG-PDPA": ["SG"], "BR-LGPD": ["BR"], "IN-DPDP": ["IN"], "JP-APPI": ["JP"]}
    for regime_id, residents in expected.items():
        assert _version(regime_id).applies_to.residents_of == residents, regime_id
