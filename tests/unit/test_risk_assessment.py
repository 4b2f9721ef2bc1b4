"""The risk-of-harm assessment as a record, from the words of the laws whose exceptions it invokes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks import catalog
from breachclock.playbooks.engine import Decision, evaluate
from breachclock.playbooks.facts import IncidentFacts
from breachclock.playbooks.risk import SignOff, assessment_digest, assessment_record
from pydantic import ValidationError

from tests.factories import DOCUMENTED_NO_HARM, signed_off

NY = ZoneInfo("America/New_York")
DISCOVERED = datetime(2026, 3, 2, 10, 0, tzinfo=NY)
ASSESSED = datetime(2026, 3, 9, 12, 0, tzinfo=NY)
AS_OF = datetime(2026, 3, 11, tzinfo=UTC)


def facts(risk: dict[str, Any], **overrides: Any) -> IncidentFacts:
    base: dict[str, Any] = {"title": "Lost laptop", "entity": {"name": "Clinic", "timezone": "America/New_York"},
                            "discovered_at": DISCOVERED.isoformat(), "data_elements": ["name", "ssn"], "risk": risk}
    base.update(overrides)
    return IncidentFacts.model_validate(base)


def hipaa(risk: dict[str, Any], **kw: Any) -> dict[str, Decision]:
    f = facts(risk, entity={"name": "Clinic", "timezone": "America/New_York", "sectors": ["hipaa_covered_entity"]},
              data_elements=["name", "medical"], affected={"US-CA": 600})
    return by_key(evaluate(f, as_of=AS_OF, regimes=[catalog.regimes()["US-FED-HIPAA"]], **kw))


def by_key(ds: list[Decision]) -> dict[str, Decision]:
    return {d.rule_key if d.jurisdiction in ("US", d.regime) else f"{d.rule_key}/{d.jurisdiction}": d for d in ds}


def run(f: IncidentFacts, regime: str, **kw: Any) -> dict[str, Decision]:
    return by_key(evaluate(f, as_of=AS_OF, regimes=[catalog.regimes()[regime]], **kw))


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=NY)


def test_hipaa_bare_boolean_is_not_a_four_factor_assessment():
    # 45 CFR 164.402(2): a use or disclosure "is presumed to be a breach unless the covered entity ... demonstrates
    # that there is a low probability that the protected health information has been compromised based on a risk
    # assessment of at least the following factors". A bare "harm not likely" rebuts nothing: notice stays owed.
    d = hipaa({"harm_likely": False})
    for key in ("individuals", "hhs", "media/US-CA"):
        assert d[key].required is True, key
        assert d[key].due == eod(2026, 5, 1)
    reason = d["individuals"].reason
    assert "not relied on" in reason and "45 CFR 164.402" in reason
    for factor in ("phi_nature_extent", "unauthorized_person", "acquired_or_viewed", "risk_mitigated"):
        assert factor in reason
    assert "risk.assessed_by" in reason and "counsel's sign-off" in reason
    record = d["risk_assessment_record"]
    assert record.required is False and "cannot yet" in record.reason


def test_hipaa_documented_assessment_waits_for_counsel():
    d = hipaa(DOCUMENTED_NO_HARM)
    assert d["individuals"].required is True
    assert d["individuals"].reason.endswith("until the record has counsel's sign-off of the assessment "
                                            "(breachclock risk approve)")


def test_hipaa_signed_off_four_factor_assessment_excuses_notice_and_is_kept():
    f = facts(DOCUMENTED_NO_HARM)
    d = hipaa(DOCUMENTED_NO_HARM, risk_signoff=signed_off(f))
    for key in ("individuals", "hhs", "media/US-CA"):
        assert d[key].required is False, key
    reason = d["individuals"].reason
    assert "Pat Analyst, privacy officer on 2026-03-09" in reason and "signed off by counsel Jane Counsel" in reason
    assert "keep it 6 years" in reason
    record = d["risk_assessment_record"]
    assert record.required is True and record.clock_start["at"] == ASSESSED


def test_an_assessment_changed_after_sign_off_needs_a_new_one():
    f = facts(DOCUMENTED_NO_HARM)
    old = signed_off(f)
    changed = {**DOCUMENTED_NO_HARM, "factors": {**DOCUMENTED_NO_HARM["factors"],
                                                 "acquired_or_viewed": "Unknown: the image was not taken."}}
    d = hipaa(changed, risk_signoff=old)
    assert d["individuals"].required is True
    assert "has changed since" in d["individuals"].reason and "Jane Counsel" in d["individuals"].reason


def test_florida_determination_goes_to_the_department_within_30_days_of_it():
    # Fla. Stat. § 501.171(4)(c): the determination "must be documented in writing and maintained for at least 5
    # years" and provided "to the department within 30 days after the determination"; (3)(a): the Department's
    # breach notice (500 or more) is not excused.
    f = facts(DOCUMENTED_NO_HARM, affected={"US-FL": 800})
    d = run(f, "US-FL", risk_signoff=signed_off(f))
    assert d["individuals"].required is False
    no_harm = d["department_no_harm"]
    assert no_harm.required and no_harm.due == eod(2026, 4, 8)  # 9 March + 30 calendar days
    assert no_harm.clock_start == {"event": "risk_assessed", "at": ASSESSED}
    assert d["written_determination"].required
    department = d["department_of_legal_affairs"]
    assert department.required and "does not excuse this notice" in department.reason


def test_florida_without_the_law_enforcement_consultation_the_exception_fails():
    # § 501.171(4)(c): "after an appropriate investigation and consultation with relevant federal, state, or local
    # law enforcement agencies".
    risk = {**DOCUMENTED_NO_HARM, "factors": {"appropriate_investigation": "done"}}
    f = facts(risk, affected={"US-FL": 800})
    d = run(f, "US-FL", risk_signoff=signed_off(f))
    assert d["individuals"].required is True and "law_enforcement_consulted" in d["individuals"].reason
    assert d["department_no_harm"].required is False


def test_new_york_written_determination_to_the_ag_within_ten_days_over_500():
    # N.Y. Gen. Bus. Law § 899-aa(2)(a): "If the incident affects over five hundred residents of New York, the
    # person or business shall provide the written determination to the state attorney general within ten days
    # after the determination."
    over = facts(DOCUMENTED_NO_HARM, affected={"US-NY": 501})
    d = run(over, "US-NY", risk_signoff=signed_off(over))
    assert d["individuals"].required is False
    assert d["attorney_general_no_harm"].required and d["attorney_general_no_harm"].due == eod(2026, 3, 19)
    assert d["harm_determination_record"].required
    at_500 = facts(DOCUMENTED_NO_HARM, affected={"US-NY": 500})
    d = run(at_500, "US-NY", risk_signoff=signed_off(at_500))
    assert d["attorney_general_no_harm"].required is False and "500 is not more than 500" in \
        d["attorney_general_no_harm"].reason


def test_new_york_exception_is_only_for_an_inadvertent_disclosure_by_an_authorized_person():
    risk = {**DOCUMENTED_NO_HARM, "factors": {k: v for k, v in DOCUMENTED_NO_HARM["factors"].items()
                                              if k != "inadvertent_authorized_disclosure"}}
    f = facts(risk, affected={"US-NY": 10})
    d = run(f, "US-NY", risk_signoff=signed_off(f))
    assert d["individuals"].required is True and "inadvertent_authorized_disclosure" in d["individuals"].reason


def test_alaska_no_harm_needs_the_written_notice_to_the_attorney_general():
    # Alaska Stat. § 45.48.010(c): "disclosure is not required if, after an appropriate investigation and after
    # written notification to the attorney general of this state, the covered person determines ..."
    f = facts(DOCUMENTED_NO_HARM, affected={"US-AK": 20})
    d = run(f, "US-AK", risk_signoff=signed_off(f))
    assert d["individuals"].required is False
    assert d["attorney_general_no_harm"].required and d["written_determination"].required


def test_a_law_without_a_harm_exception_ignores_the_assessment_and_says_so():
    f = facts(DOCUMENTED_NO_HARM, affected={"US-TX": 20})
    d = run(f, "US-TX", risk_signoff=signed_off(f))
    assert d["individuals"].required is True
    assert "does not excuse notice under" in d["individuals"].reason
    assert "no risk-of-harm exception" in d["individuals"].reason
    # With harm assessed as likely there is nothing to say.
    assert "risk" not in run(facts({}, affected={"US-TX": 20}), "US-TX")["individuals"].reason


def test_the_old_booleans_are_still_accepted():
    f = facts({"harm_likely": False, "high_risk": False, "assessment": "no exfiltration"})
    assert f.risk.harm_likely is False and f.risk.factors == {}


@pytest.mark.parametrize(("risk", "words"), [
    ({"factors": {"phi_nature": "x"}}, "unknown risk factor(s) phi_nature"),
    ({"factors": {"risk_mitigated": "   "}}, "write the finding"),
    ({"assessed_at": "2026-03-01T00:00:00-05:00"}, "risk.assessed_at is before discovered_at"),
    ({"assessed_at": "2026-03-09T12:00:00"}, "timezone"),
    ({"harm_likely": "no"}, "valid boolean"),
])
def test_a_bad_assessment_is_refused_with_the_reason(risk: dict[str, Any], words: str):
    with pytest.raises(ValidationError) as caught:
        facts(risk)
    assert words in str(caught.value)


def test_the_record_shows_the_assessment_and_each_law_it_does_or_does_not_excuse():
    f = facts(DOCUMENTED_NO_HARM)
    day = DISCOVERED.date()
    versions = [(i, catalog.regimes()[i].version_on(day)) for i in ("US-FED-HIPAA", "US-FL", "US-TX")]
    record = assessment_record(f.risk, signed_off(f), versions)  # type: ignore[arg-type]
    assert record["assessed_by"] == "Pat Analyst, privacy officer"
    assert record["conclusion"] == {"harm_likely": False, "high_risk": False}
    assert record["sign_off"]["counsel"] == "Jane Counsel" and record["sign_off"]["current"] is True
    assert record["regimes"]["US-FED-HIPAA"]["relied_on"] is True
    assert record["regimes"]["US-FED-HIPAA"]["factors"] == ["phi_nature_extent", "unauthorized_person",
                                                            "acquired_or_viewed", "risk_mitigated"]
    assert record["regimes"]["US-TX"]["exception"] is False
    assert "does not excuse notice" in record["regimes"]["US-TX"]["status"]
    stale = SignOff("Jane Counsel", datetime(2026, 3, 10, tzinfo=UTC), "0" * 64)
    assert assessment_record(f.risk, stale)["sign_off"]["current"] is False
    assert record["sha256"] == assessment_digest(f.risk)


def test_the_determination_clock_waits_for_its_date():
    risk = {k: v for k, v in DOCUMENTED_NO_HARM.items() if k != "assessed_at"}
    f = facts(risk, affected={"US-FL": 800})
    # Undated, Florida's written determination is incomplete: the exception is not relied on.
    d = run(f, "US-FL", risk_signoff=signed_off(f))
    assert d["individuals"].required is True and "risk.assessed_at" in d["individuals"].reason
    assert timedelta(0) < d["individuals"].due - DISCOVERED
