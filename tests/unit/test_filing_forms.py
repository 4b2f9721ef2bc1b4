"""The filing forms as data: every regulator rule of every regime version resolves to a form (its own, or the
labelled generic fallback), every form names rules that exist, and its fields are well formed."""

from __future__ import annotations

import pytest
from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.filings import GENERIC_FORM, Form, form_for, forms
from pydantic import ValidationError


def _regulator_rules() -> set[tuple[str, str]]:
    return {(rid, o.key) for rid, r in regimes().items() for v in r.versions for o in v.obligations
            if o.recipient_kind == "regulator"}


def test_every_regulator_rule_resolves_to_a_form_or_the_labelled_fallback() -> None:
    rules = _regulator_rules()
    assert len(rules) > 80
    for regime, key in rules:
        form = form_for(regime, key)
        named = any(s.regime == regime and key in s.rules for s in form.serves)
        assert named or (form.id == GENERIC_FORM and form.kind == "generic"), (regime, key)
    generic = forms()[GENERIC_FORM]
    assert "not" in generic.name.lower() or "no form" in generic.name.lower()
    assert generic.confidence == "low" and not any(f.required for f in generic.fields)


@pytest.mark.parametrize(("regime", "rule"), [
    ("US-FED-HIPAA", "hhs"), ("US-FED-HIPAA", "hhs_annual_log"), ("EU-GDPR", "supervisory_authority"),
    ("UK-GDPR", "ico"), ("CA-PIPEDA", "opc"), ("AU-NDB", "oaic"), ("US-TX", "attorney_general"),
    ("US-MA", "attorney_general"), ("US-MA", "ocabr_director"), ("US-NY", "attorney_general"),
    ("US-CA", "attorney_general"), ("US-WA", "attorney_general"), ("US-OR", "attorney_general"),
    ("US-FL", "department_of_legal_affairs")])
def test_the_main_regulators_have_their_own_form(regime: str, rule: str) -> None:
    assert form_for(regime, rule).id != GENERIC_FORM


def test_every_form_serves_rules_that_exist_and_is_sourced() -> None:
    rules = _regulator_rules()
    for form in forms().values():
        for s in form.serves:
            for key in s.rules:
                assert (s.regime, key) in rules, (form.id, s.regime, key)
        assert form.citation and form.confidence_notes and form.as_of
        if form.kind != "generic":
            assert form.url and form.sources, form.id
            assert any(f.required for f in form.fields), form.id


def test_forms_asking_for_a_copy_are_the_laws_that_do() -> None:
    copy = {fid for fid, f in forms().items() if f.copy_of_notice == "required"}
    assert {"US-CA", "US-WA", "US-FL", "US-NY", "US-OR"} <= copy
    assert not copy & {"US-FED-HIPAA", "EU-GDPR", "UK-GDPR", "CA-PIPEDA", "US-TX", GENERIC_FORM}


def test_the_statutory_lists_are_complete() -> None:
    cited = {f.citation for f in forms()["CA-PIPEDA"].fields if f.citation}
    assert cited == {f"s. 2(1)({c})" for c in "abcdefg"}
    cited = {f.citation for f in forms()["US-TX"].fields if f.citation}
    assert cited == {f"521.053(i)({n})" for n in range(1, 7)}
    cited = {f.citation for f in forms()["AU-NDB"].fields if f.citation}
    assert cited == {f"s 26WK(3)({c})" for c in "abcd"}
    assert {"Art. 33(3)(a)", "Art. 33(3)(b)", "Art. 33(3)(c)", "Art. 33(3)(d)"} <= {
        f.citation for f in forms()["EU-GDPR"].fields}


def test_a_malformed_form_is_refused() -> None:
    base = {"id": "X", "name": "x", "authority": "x", "kind": "form", "serves": [{"regime": "US-TX",
            "rules": ["attorney_general"]}], "citation": "x", "as_of": "2026-12-03", "confidence": "high",
            "confidence_notes": "x", "copy_of_notice": "no",
            "fields": [{"id": "a", "label": "A", "required": True, "source": "entity.name"}]}
    Form.model_validate(base)
    for change in ({"fields": [{"id": "a", "label": "A", "required": True, "source": "person.name"}]},
                   {"copy_of_notice": "required"}, {"serves": []}, {"kind": "generic"},
                   {"fields": [base["fields"][0], base["fields"][0]]}):
        with pytest.raises(ValidationError):
            Form.model_validate(base | change)


def test_the_regimes_doc_lists_every_form_and_every_source() -> None:
    from pathlib import Path
    from typing import get_args

    from breachclock.playbooks.filings import Source

    text = (Path(__file__).resolve().parents[2] / "docs" / "regimes.md").read_text(encoding="utf-8")
    assert not [fid for fid in forms() if f"| `{fid}` |" not in text]
    assert not [s for s in get_args(Source) if f"`{s}`" not in text]
