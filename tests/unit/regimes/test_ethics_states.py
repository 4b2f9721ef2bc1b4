"""State ethics opinions on a lawyer's duty after a data breach, read from the opinions' words, and where the firm's
lawyers are admitted (entity.bar_admissions), which decides whether a state's opinion binds them.

State Bar of California Formal Op. No. 2020-203, Digest: "In the event of a breach, lawyers have an obligation to
conduct a reasonable inquiry to determine the extent and consequences of the breach and to notify any client whose
interests have a reasonable possibility of being negatively impacted by the breach."

Maine Professional Ethics Commission Opinion #220 (April 11, 2019), Short Answer: the lawyer's obligations are "to
investigate and ascertain whether confidential information relating to clients has been, or may have been,
compromised; to determine whether the representation of current clients has been, or may have been, significantly
impacted or impaired; and to promptly notify current and former clients"; former clients are "entitled to no less
protection and candor than a current client in the case of compromised secrets and confidences".
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from breachclock.playbooks import catalog
from breachclock.playbooks.engine import Decision, evaluate
from breachclock.playbooks.facts import IncidentFacts
from breachclock.playbooks.schema import RegimeVersion
from pydantic import ValidationError

from tests.factories import law_decision, law_facts, regime_rule, regime_version

NY = ZoneInfo("America/New_York")
DISCOVERED = datetime(2026, 3, 2, 10, 0, tzinfo=NY)
AS_OF = DISCOVERED + timedelta(days=1)
CA = "US-CA-ETHICS-2020-203"
ME = "US-ME-ETHICS-220"
ABA = "US-ABA-483"
ACME = {"id": "acme", "name": "Acme Corp", "notice_contact": "gc@acme.example"}
OLD = {"id": "old-co", "name": "Old Co", "notice_contact": "counsel@old.example"}
UNSET = object()


def firm(admissions: Any = UNSET, **kw: Any) -> dict[str, Any]:
    entity = {"name": "Example LLP", "timezone": "America/New_York", "sectors": ["law_firm"], **kw}
    if admissions is not UNSET:
        entity["bar_admissions"] = admissions
    return entity


def facts(impact: dict[str, Any], admissions: Any = UNSET, **kw: Any) -> IncidentFacts:
    """One client's impact, no personal data at all (privileged advice and deal files)."""
    client = OLD if impact.get("relationship") == "former" else ACME
    extra: dict[str, Any] = {"entity": firm(admissions), "clients": [client],
                             "client_impacts": [{"client": client["id"], **impact}], **kw}
    return law_facts(DISCOVERED, {}, [], **extra)


def one(f: IncidentFacts, regime: str, key: str = "current_client") -> Decision:
    return law_decision(f, regime, key, AS_OF)


COMPROMISED = {"confidential_information": "compromised", "information": "draft merger agreement"}
UNTOUCHED = {"confidential_information": "not_compromised"}


# --- where the lawyers are admitted ------------------------------------------------------------------------


def test_californias_opinion_applies_to_a_firm_admitted_in_california():
    # "notify any client whose interests have a reasonable possibility of being negatively impacted by the breach"
    d = one(facts(COMPROMISED, ["US-CA"]), CA)
    assert d.required is True
    assert d.recipient_ref == "client:acme" and d.recipient.startswith("Acme Corp")
    assert "material confidential information was compromised" in d.reason and "lower trigger" in d.reason
    assert d.jurisdiction == "US-CA" and "Formal Opinion No. 2020-203" in d.citation


def test_not_owed_where_the_lawyers_are_admitted_elsewhere_and_the_reason_says_so():
    # A state opinion reads that state's rules of professional conduct (California Rules 1.1, 1.4, 1.6...).
    f = facts(COMPROMISED, ["US-NY"])
    d = one(f, CA)
    assert d.required is False
    assert d.reason.startswith("not admitted there: ")
    assert "lawyers admitted in California (US-CA)" in d.reason and "admitted in New York (US-NY)" in d.reason
    assert one(f, ABA).required is True  # the ABA opinion reads the Model Rules: it applies whatever the admissions


def test_admissions_not_recorded_make_a_state_opinion_a_question_for_counsel_never_a_no():
    f = facts(COMPROMISED)  # entity.bar_admissions left out
    assert f.entity.bar_admissions is None
    for regime in (CA, ME):
        d = one(f, regime)
        assert d.required is None
        assert d.reason.startswith("unknown: the incident file does not say where the firm's lawyers are admitted")
        assert "counsel must decide" in d.reason
    assert one(f, ABA).required is True  # ABA 483 keeps applying as before


def test_admitted_in_several_states_each_opinion_applies():
    f = facts(COMPROMISED, ["US-NY", "US-ME", "US-CA"])
    assert f.entity.bar_admissions == ["US-CA", "US-ME", "US-NY"]
    assert one(f, CA).required is True and one(f, ME).required is True


def test_a_firm_that_is_not_a_law_firm_owes_no_ethics_duty_wherever_it_is_admitted():
    f = law_facts(DISCOVERED, {}, [], entity=firm(["US-CA"], sectors=[]), clients=[ACME],
                  client_impacts=[{"client": "acme", **COMPROMISED}])
    d = one(f, CA)
    assert d.required is False and "law firm" in d.reason


# --- California: a lower trigger ---------------------------------------------------------------------------


def test_california_trigger_is_lower_than_abas():
    # ABA 483: "material client information" compromised, or "a substantial likelihood"; California: "a reasonable
    # possibility" that the client's "interests" are "negatively impacted", whatever the information's materiality.
    f = facts({**UNTOUCHED, "interests_possibly_impacted": True}, ["US-CA"])
    assert one(f, ABA).required is False
    d = one(f, CA)
    assert d.required is True
    assert "reasonable possibility that Acme Corp's interests are negatively impacted" in d.reason


def test_a_client_unaffected_under_abas_terms_but_not_assessed_under_californias_is_asked_not_told_no():
    # The lower trigger may be met where ABA's is not: without the assessment it cannot be settled.
    d = one(facts(UNTOUCHED, ["US-CA"]), CA)
    assert d.required is None
    assert "reasonable possibility" in d.reason and "interests_possibly_impacted" in d.reason
    assert "counsel must decide" in d.reason


def test_no_reasonable_possibility_of_negative_impact_recorded_is_not_owed():
    d = one(facts({**UNTOUCHED, "interests_possibly_impacted": False}, ["US-CA"]), CA)
    assert d.required is False and "no reasonable possibility" in d.reason


def test_services_significantly_impaired_meet_californias_trigger_too():
    # Ransomware that locks the files (the opinion's third scenario) without taking them.
    d = one(facts({**UNTOUCHED, "services_impaired": True}, ["US-CA"]), CA)
    assert d.required is True and "significantly impaired" in d.reason


def test_californias_duty_to_former_clients_is_left_to_counsel():
    # The Digest says "any client"; whether that reaches former clients was not found in what was read.
    f = facts({"relationship": "former", **COMPROMISED}, ["US-CA"])
    d = one(f, CA, "former_client")
    assert d.required is None
    assert '"any client whose interests have a reasonable possibility of being negatively impacted' in d.reason
    assert one(f, CA).required is False  # its current-client rule: "owed to current clients only"
    assert one(f, ABA, "former_client_by_agreement").required is False  # ABA: only by agreement


def test_a_former_client_whose_interests_are_not_at_risk_is_not_owed():
    f = facts({"relationship": "former", **UNTOUCHED, "interests_possibly_impacted": False}, ["US-CA"])
    assert one(f, CA, "former_client").required is False


# --- Maine: former clients too ---------------------------------------------------------------------------


def test_maine_owes_former_clients_notice_where_aba_does_not():
    # "promptly notify current and former clients"; ABA 483: no notice "to a former client as a matter of legal
    # ethics in the absence of a black letter provision requiring such notice"
    f = facts({"relationship": "former", **COMPROMISED}, ["US-ME"])
    d = one(f, ME, "former_client")
    assert d.required is True and "Old Co is a former client" in d.reason
    assert one(f, ABA, "former_client_by_agreement").required is False
    assert one(f, ME).required is False  # the current-client rule


def test_maine_current_clients_as_aba():
    # "to determine whether the representation of current clients has been, or may have been, significantly
    # impacted or impaired"
    assert one(facts(COMPROMISED, ["US-ME"]), ME).required is True
    assert one(facts({**UNTOUCHED, "services_impaired": True}, ["US-ME"]), ME).required is True
    d = one(facts(UNTOUCHED, ["US-ME"]), ME)
    assert d.required is False and "not compromised" in d.reason


def test_maine_former_client_impaired_services_alone_do_not_count():
    # The impairment test concerns "the representation of current clients"; a former one is owed no services.
    f = facts({"relationship": "former", **UNTOUCHED, "services_impaired": True}, ["US-ME"])
    d = one(f, ME, "former_client")
    assert d.required is False and "significantly impaired" not in d.reason


def test_maine_not_admitted_there():
    d = one(facts({"relationship": "former", **COMPROMISED}, ["US-CA"]), ME, "former_client")
    assert d.required is False and "lawyers admitted in Maine (US-ME)" in d.reason


# --- clocks, dates, data ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("regime", "words"), [
    (CA, "a reasonable inquiry to determine the extent and consequences of the breach"),
    (ME, "promptly notify current and former clients"),
])
def test_no_fixed_deadline_the_firm_policy_target_is_labelled_policy(regime, words):
    d = law_decision(facts(COMPROMISED, ["US-CA", "US-ME"]), regime, "current_client", AS_OF, policy_target_days=10)
    assert d.due is None and d.due_date is None
    assert d.due_text.startswith("no fixed deadline: none in the opinion") and words in d.due_text
    assert d.policy_due == datetime(2026, 3, 12, 23, 59, 59, 999999, tzinfo=NY)
    assert "no fixed legal deadline; firm policy target 10 days (policy, not law)" in d.notes
    assert all(c.unit == "none" for o in regime_version(regime, date(2026, 3, 2)).obligations for c in o.clocks)


@pytest.mark.parametrize(("regime", "first", "day_before"), [
    (CA, date(2020, 9, 30), "2020-09-29T10:00:00-04:00"),
    (ME, date(2019, 4, 11), "2019-04-10T10:00:00-04:00"),  # "Date Issued: April 11, 2019"
])
def test_effective_from_the_opinion_and_counsel_decides_before_it(regime, first, day_before):
    r = catalog.regimes()[regime]
    assert [v.effective_from for v in r.versions] == [first] and not r.history_from_enactment
    v = r.versions[0]
    assert r.kind == "ethics" and v.confidence == "medium" and v.reviewed_on == date(2026, 12, 3)
    f = facts(COMPROMISED, ["US-CA", "US-ME"], discovered_at=day_before)
    (d,) = [d for d in evaluate(f, as_of=datetime.fromisoformat(day_before) + timedelta(days=1), regimes=[r])
            if d.rule_key == "current_client"]
    assert d.required is None and "counsel must decide" in d.reason


def test_the_rules_say_whom_they_are_owed_to_in_the_opinions_words():
    ca = regime_rule(CA, date(2026, 3, 2), "former_client").clients
    assert ca.trigger == "possible_negative_impact" and ca.unsettled and ca.relationships == ["former"]
    me = regime_rule(ME, date(2026, 3, 2), "former_client").clients
    assert me.trigger == "material" and not me.services and not me.agreed_only
    assert "entitled to no less protection and candor than a current client" in me.text
    assert regime_version(CA, date(2026, 3, 2)).applies_to.admitted_in == ["US-CA"]
    assert regime_version(ME, date(2026, 3, 2)).applies_to.admitted_in == ["US-ME"]
    assert regime_version(ABA, date(2026, 3, 2)).applies_to.admitted_in == []


def test_the_client_contract_clock_and_aba_apply_alongside():
    f = facts(COMPROMISED, ["US-CA"])
    ds = evaluate(f, as_of=AS_OF)
    owed = {(d.regime, d.rule_key) for d in ds if d.required and d.recipient_ref == "client:acme"}
    assert {(ABA, "current_client"), (CA, "current_client")} <= owed
    assert not [d for d in ds if d.regime == ME and d.required is not False]  # not admitted in Maine


# --- the incident file ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("admissions", "message"), [
    (["US-ZZ"], "bar_admissions: unknown jurisdiction code 'US-ZZ'"),
    (["California"], "bar_admissions: unknown jurisdiction code 'California'"),
    (["unknown"], "bar_admissions: unknown jurisdiction code 'unknown'"),
    (["CA"], "bar_admissions: 'CA' is Canada, not California: California is 'US-CA'"),
    (["US"], "bar_admissions: 'US' is the United States: lawyers are admitted by a state"),
    ([], "bar_admissions: list where the firm's lawyers are admitted"),
    ("US-CA", "bar_admissions"),
])
def test_bar_admissions_must_be_known_jurisdiction_codes(admissions, message):
    with pytest.raises(ValidationError, match=message):
        facts(COMPROMISED, admissions)


def test_interests_possibly_impacted_is_a_strict_flag():
    with pytest.raises(ValidationError, match="interests_possibly_impacted"):
        facts({**UNTOUCHED, "interests_possibly_impacted": "yes"}, ["US-CA"])


def test_admitted_in_only_for_a_client_duty_and_only_subdivisions():
    data = regime_version(CA, date(2026, 3, 2)).model_dump()
    bad = {**data, "applies_to": {**data["applies_to"], "admitted_in": ["US"]}}
    with pytest.raises(ValidationError, match="admitted_in: 'US' is not a subdivision code"):
        RegimeVersion.model_validate(bad)
    state_law = regime_version("US-CA", date(2026, 3, 2)).model_dump()
    state_law["applies_to"]["admitted_in"] = ["US-CA"]
    with pytest.raises(ValidationError, match="client_based duty of legal ethics only"):
        RegimeVersion.model_validate(state_law)


# --- the CLI -------------------------------------------------------------------------------------------


def _incident(tmp_path: Path, admissions: Any) -> Path:
    data = {"title": "Document management system intrusion", "entity": firm(admissions),
            "discovered_at": DISCOVERED.isoformat(), "data_elements": [], "clients": [ACME],
            "client_impacts": [{"client": "acme", **COMPROMISED}]}
    path = tmp_path / "incident.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_cli_obligations_lists_californias_duty_for_a_firm_admitted_in_california(home, tmp_path):
    from typer.testing import CliRunner

    from breachclock.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["obligations", str(_incident(tmp_path, ["US-CA"])), "--json",
                                 "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    rows = {(o["regime"], o["rule_key"]): o for o in json.loads(result.stdout)["obligations"]}
    ca = rows[(CA, "current_client")]
    assert ca["required"] is True and ca["recipient_ref"] == "client:acme" and ca["due"] is None
    assert ca["due_text"].startswith("no fixed deadline")
    assert rows[(ABA, "current_client")]["required"] is True
    assert rows[(ME, "current_client")]["required"] is False
    table = runner.invoke(app, ["obligations", str(_incident(tmp_path, ["US-CA"])), "--as-of", AS_OF.isoformat()],
                          env={"COLUMNS": "300"})
    assert table.exit_code == 0 and CA in table.output


def test_cli_refuses_a_bad_admission_code_naming_the_field(home, tmp_path):
    from typer.testing import CliRunner

    from breachclock.cli import app

    result = CliRunner().invoke(app, ["obligations", str(_incident(tmp_path, ["US-XX"]))])
    assert result.exit_code == 2
    assert "entity.bar_admissions" in result.output and "unknown jurisdiction code 'US-XX'" in result.output
