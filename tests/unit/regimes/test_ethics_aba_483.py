"""ABA Formal Opinion 483 (2018): a lawyer's duty to tell clients of a data breach, read from the opinion's words.

"When a data breach occurs involving, or having a substantial likelihood of involving, material client
information, lawyers have a duty to notify clients of the breach"; a breach is "a data event where material client
confidential information is misappropriated, destroyed or otherwise compromised, or where a lawyer's ability to
perform the legal services for which the lawyer is hired is significantly impaired by the episode"; and the
Committee is "unwilling to require notice to a former client as a matter of legal ethics in the absence of a black
letter provision requiring such notice".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks import catalog
from breachclock.playbooks.engine import Decision, evaluate
from breachclock.playbooks.facts import ClientTerms, IncidentFacts
from breachclock.playbooks.schema import RegimeVersion
from pydantic import ValidationError

NY = ZoneInfo("America/New_York")
DISCOVERED = datetime(2026, 3, 2, 10, 0, tzinfo=NY)
ACME = {"id": "acme", "name": "Acme Corp", "notice_contact": "gc@acme.example"}
BETA = {"id": "beta", "name": "Beta LLC", "notice_contact": "legal@beta.example"}
OLD = {"id": "old-co", "name": "Old Co", "notice_contact": "counsel@old.example"}


def firm(**kw: Any) -> dict[str, Any]:
    return {"name": "Example LLP", "timezone": "America/New_York", "sectors": ["law_firm"], **kw}


def facts(impacts: list[dict[str, Any]], clients: list[dict[str, Any]] | None = None, **kw: Any) -> IncidentFacts:
    base: dict[str, Any] = {
        "title": "Document management system intrusion",
        "entity": firm(),
        "discovered_at": DISCOVERED.isoformat(),
        "data_elements": [],  # privileged advice and deal files: no personal data at all
        "clients": clients if clients is not None else [ACME, BETA, OLD],
        "client_impacts": impacts,
    }
    base.update(kw)
    return IncidentFacts.model_validate(base)


def run(f: IncidentFacts, *, regimes: list[str] | None = ("US-ABA-483",), **kw: Any) -> list[Decision]:
    chosen = None if regimes is None else [catalog.regimes()[r] for r in regimes]
    return evaluate(f, as_of=DISCOVERED + timedelta(days=1), regimes=chosen, **kw)


def aba(ds: list[Decision], key: str, client: str) -> Decision:
    found = [d for d in ds if d.regime == "US-ABA-483" and d.rule_key == key and d.recipient_ref == f"client:{client}"]
    assert len(found) == 1, found
    return found[0]


def test_current_client_whose_confidential_information_was_compromised_is_owed_notice_without_personal_data():
    f = facts([{"client": "acme", "confidential_information": "compromised",
                "information": "draft merger agreement and privileged advice"}])
    assert not f.involves_personal_data()
    d = aba(run(f), "current_client", "acme")
    assert d.required is True
    assert d.recipient_kind == "data_owner" and d.recipient.startswith("Acme Corp")
    assert "material confidential information was compromised" in d.reason and "current client" in d.reason
    assert "affected, as the incident records: draft merger agreement and privileged advice" in d.notes


def test_substantial_likelihood_of_compromise_is_enough():
    # "involving, or having a substantial likelihood of involving, material client information"
    d = aba(run(facts([{"client": "acme", "confidential_information": "substantially_likely"}])),
            "current_client", "acme")
    assert d.required is True and "substantially likely" in d.reason


def test_significantly_impaired_services_alone_trigger_notice():
    # "... or where a lawyer's ability to perform the legal services for which the lawyer is hired is
    # significantly impaired by the episode" (ransomware that locks the files without taking them).
    d = aba(run(facts([{"client": "acme", "confidential_information": "not_compromised",
                        "services_impaired": True}])), "current_client", "acme")
    assert d.required is True and "significantly impaired" in d.reason


def test_a_client_recorded_as_unaffected_is_not_owed_notice_and_the_record_says_why():
    d = aba(run(facts([{"client": "acme", "confidential_information": "not_compromised"}])), "current_client", "acme")
    assert d.required is False
    assert "not compromised" in d.reason and "not significantly impaired" in d.reason


def test_former_client_is_owed_no_notice_under_the_model_rules():
    ds = run(facts([{"client": "old-co", "relationship": "former", "confidential_information": "compromised"}]))
    current = aba(ds, "current_client", "old-co")
    assert current.required is False
    assert "former client" in current.reason and "unwilling to require notice to a former client" in current.reason
    agreed = aba(ds, "former_client_by_agreement", "old-co")
    assert agreed.required is False and "no agreement" in agreed.reason


def test_former_client_that_agreed_to_notice_is_owed_it():
    ds = run(facts([{"client": "old-co", "relationship": "former", "confidential_information": "compromised",
                     "notice_agreed": True}]))
    assert aba(ds, "former_client_by_agreement", "old-co").required is True
    assert aba(ds, "current_client", "old-co").required is False


def test_no_fixed_deadline_the_firm_policy_target_is_labelled_policy():
    d = aba(run(facts([{"client": "acme", "confidential_information": "compromised"}]), policy_target_days=10),
            "current_client", "acme")
    assert d.due is None and d.due_date is None
    assert d.due_text.startswith("no fixed deadline: none in the opinion") and "reasonably informed" in d.due_text
    assert d.policy_due == datetime(2026, 3, 12, 23, 59, 59, 999999, tzinfo=NY)
    assert "no fixed legal deadline; firm policy target 10 days (policy, not law)" in d.notes


def test_notice_goes_to_the_affected_client_only():
    # Three clients named in the incident; only Acme's files were taken, Beta's were looked at and found untouched.
    f = facts([{"client": "acme", "confidential_information": "compromised"},
               {"client": "beta", "confidential_information": "not_compromised"}])
    ds = [d for d in run(f) if d.regime == "US-ABA-483"]
    owed = [d for d in ds if d.required]
    assert [(d.rule_key, d.recipient_ref, d.data_set) for d in owed] == [("current_client", "client:acme",
                                                                          "client:acme")]
    assert {d.recipient_ref for d in ds} == {"client:acme", "client:beta"}  # Old Co, not listed, gets nothing


def test_the_client_contract_clock_still_applies_on_top():
    terms = ClientTerms.model_validate({**ACME, "notice_hours": 48, "contract_reference": "Engagement letter s. 7"})
    f = facts([{"client": "acme", "confidential_information": "compromised"}], clients=[ACME])
    ds = run(f, clients=[terms])
    contract = [d for d in ds if d.regime == "CONTRACT:acme"]
    assert len(contract) == 1 and contract[0].required
    assert contract[0].due == DISCOVERED + timedelta(hours=48) and contract[0].recipient_ref == "client:acme"
    assert aba(ds, "current_client", "acme").required is True


def test_only_a_law_firm_owes_it():
    f = facts([{"client": "acme", "confidential_information": "compromised"}], entity=firm(sectors=[]))
    d = aba(run(f), "current_client", "acme")
    assert d.required is False and "law firm" in d.reason


def test_a_law_firm_that_records_no_client_impacts_is_asked_not_told_no():
    ds = [d for d in run(facts([])) if d.regime == "US-ABA-483"]
    assert ds and all(d.required is None for d in ds)
    assert "client_impacts" in ds[0].reason and ds[0].recipient_ref is None


def test_before_the_opinion_counsel_decides():
    # The opinion reads Model Rules in force before it: an earlier incident is a question, not a silent no.
    f = facts([{"client": "acme", "confidential_information": "compromised"}],
              discovered_at="2018-06-01T10:00:00-04:00")
    d = aba(evaluate(f, as_of=datetime(2018, 6, 2, tzinfo=NY), regimes=[catalog.regimes()["US-ABA-483"]]),
            "current_client", "acme")
    assert d.required is None and "counsel must decide" in d.reason


def test_whole_catalog_without_personal_data_the_statutes_stand_aside():
    ds = run(facts([{"client": "acme", "confidential_information": "compromised"}]), regimes=None)
    assert aba(ds, "current_client", "acme").required is True
    ny = [d for d in ds if d.regime == "US-NY"]
    assert ny and all(d.required is False and "no personal data" in d.reason for d in ny)


def test_unknown_client_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match=r"client_impacts: client\(s\) ghost not among the incident's clients "
                                              r"\(clients: acme, beta, old-co\)"):
        facts([{"client": "ghost", "confidential_information": "compromised"}])


def test_a_client_listed_twice_or_without_an_assessment_is_refused():
    with pytest.raises(ValidationError, match="acme listed more than once"):
        facts([{"client": "acme", "confidential_information": "compromised"},
               {"client": "acme", "confidential_information": "not_compromised"}])
    with pytest.raises(ValidationError, match="confidential_information"):
        facts([{"client": "acme"}])
    with pytest.raises(ValidationError, match="relationship"):
        facts([{"client": "acme", "relationship": "prospective", "confidential_information": "compromised"}])


def test_a_client_duty_only_in_a_client_based_version():
    version = catalog.regimes()["US-ABA-483"].versions[0].model_dump()
    version["applies_to"]["client_based"] = False
    with pytest.raises(ValidationError, match="client_based"):
        RegimeVersion.model_validate(version)
