"""The content rules as the rule data encodes them, checked on rendered notices: every required element is
caught when missing and every prohibited one when present (the statutes' words are in each rule's text)."""

from __future__ import annotations

from typing import Any

import pytest
from breachclock.notifications.templates import render_notice
from breachclock.playbooks import catalog
from breachclock.playbooks.content_rules import ContentRule, NoticeFacts, blocking, check
from pydantic import ValidationError


def all_rules() -> list[tuple[str, str, ContentRule]]:
    out, seen = [], set()
    for regime in catalog.regimes().values():
        for version in regime.versions:
            for rule in version.obligations:
                for c in rule.content_rules:
                    if (regime.id, rule.key, c.id) not in seen:
                        seen.add((regime.id, rule.key, c.id))
                        out.append((regime.id, rule.key, c))
    return out


RULES = all_rules()
FACTS = NoticeFacts(channel="postal", elements=frozenset({"name", "ssn", "drivers_license", "tax_id"}),
                    residents_counts=(1204,), summary="An attacker copied the intake folder from the file server.",
                    breach_period="March 1, 2026 to March 2, 2026", monitoring_months=24,
                    monitoring_text="We are offering you 24 months of credit monitoring.",
                    entity_contact="1-800-555-0142, privacy@example.test",
                    likely_consequences="Someone could try to open accounts in your name.")


def compliant_text(rule: ContentRule) -> str:
    parts = [*rule.phrases] if rule.must == "include" else []
    parts += rule.any_of[:1]
    parts += [FACTS.breach_period or "", FACTS.monitoring_text or "", FACTS.entity_contact or "", FACTS.summary or "",
              FACTS.likely_consequences or ""]
    return "\n".join(parts)


def test_the_rule_data_encodes_the_statutes_checked_here():
    ids = {(r, c.id) for r, _, c in RULES}
    assert {("US-CA", "title"), ("US-CA", "headings"), ("US-CA", "credit_agencies"),
            ("US-CA", "identity_protection_offer"), ("US-MA", "no_nature_of_breach"),
            ("US-MA", "no_number_of_residents"), ("US-MA", "credit_monitoring"), ("US-IL", "no_number_of_residents"),
            ("US-IL", "ftc"), ("US-CT", "identity_theft_prevention"), ("US-FED-HIPAA", "toll_free_contact")} <= ids


@pytest.mark.parametrize(("regime", "key", "rule"), [r for r in RULES if r[2].must == "include"],
                         ids=[f"{r}:{c.id}" for r, _, c in RULES if c.must == "include"])
def test_each_required_element_passes_when_present_and_is_caught_when_missing(regime, key, rule):
    text = compliant_text(rule)
    ok = check(regime, rule, text, FACTS)
    assert ok is not None and ok.passed, ok
    for phrase in rule.phrases:
        assert check(regime, rule, text.replace(phrase, ""), FACTS).passed is False, phrase  # type: ignore[union-attr]
    if rule.in_order:
        shuffled = "\n".join(reversed(rule.phrases)) + "\n" + text.split("\n", len(rule.phrases))[-1]
        assert check(regime, rule, shuffled, FACTS).passed is False  # type: ignore[union-attr]
    if rule.any_of:
        assert check(regime, rule, text.replace(rule.any_of[0], ""), FACTS).passed is False  # type: ignore[union-attr]
    if rule.fact == "monitoring_offer":
        short = NoticeFacts(**{**FACTS.__dict__, "monitoring_months": (rule.min_months or 1) - 1 or None})
        assert check(regime, rule, text, short).passed is False  # type: ignore[union-attr]
        assert check(regime, rule, text.replace(FACTS.monitoring_text or "", ""), FACTS).passed is False  # type: ignore[union-attr]
    if rule.fact == "breach_period":
        assert check(regime, rule, text.replace(FACTS.breach_period or "", ""), FACTS).passed is False  # type: ignore[union-attr]
    if rule.fact == "likely_consequences":  # GDPR Art. 33(3)(c): in the incident's own words
        assert check(regime, rule, text.replace(FACTS.likely_consequences or "", ""), FACTS).passed is False  # type: ignore[union-attr]
        none = NoticeFacts(**{**FACTS.__dict__, "likely_consequences": None})
        assert check(regime, rule, text, none).passed is False  # type: ignore[union-attr]
    if rule.fact == "contact":
        assert check(regime, rule, text.replace(FACTS.entity_contact or "", ""), FACTS).passed is False  # type: ignore[union-attr]
    if rule.fact == "nature":  # what happened, in the incident's own words
        assert check(regime, rule, text.replace(FACTS.summary or "", ""), FACTS).passed is False  # type: ignore[union-attr]
        no_summary = NoticeFacts(**{**FACTS.__dict__, "summary": None})
        assert check(regime, rule, text, no_summary).passed is False  # type: ignore[union-attr]
    if rule.fact == "toll_free_number":
        no_number = NoticeFacts(**{**FACTS.__dict__, "entity_contact": "privacy@example.test"})
        assert check(regime, rule, text, no_number).passed is False  # type: ignore[union-attr]


@pytest.mark.parametrize(("regime", "key", "rule"), [r for r in RULES if r[2].must == "exclude"],
                         ids=[f"{r}:{c.id}" for r, _, c in RULES if c.must == "exclude"])
def test_each_prohibited_element_is_caught_when_present(regime, key, rule):
    clean = "We are writing about an incident. What Information Was Involved: your name."
    assert check(regime, rule, clean, FACTS).passed  # type: ignore[union-attr]
    for phrase in rule.phrases:
        assert check(regime, rule, f"{clean}\n{phrase}\n", FACTS).passed is False  # type: ignore[union-attr]
    if rule.fact == "residents_count":
        for said in ("1,204 Illinois residents", "1204 residents of the Commonwealth", "1,204 people"):
            found = check(regime, rule, f"{clean} The incident affected {said}.", FACTS)
            assert found is not None and found.passed is False, said
        # Other numbers are not the count of people: a phone number, a date, 1,204 pages.
        fine = f"{clean} Call 1-800-555-0142 by March 2, 2026 about the 1,204 pages copied."
        assert check(regime, rule, fine, FACTS).passed  # type: ignore[union-attr]
    if rule.fact == "nature":
        assert check(regime, rule, f"{clean} {FACTS.summary}", FACTS).passed is False  # type: ignore[union-attr]


def test_element_conditions_and_channels_decide_whether_a_rule_applies():
    (ca_offer,) = [c for r, _, c in RULES if r == "US-CA" and c.id == "identity_protection_offer"]
    email_only = NoticeFacts(channel="postal", elements=frozenset({"name", "email", "password"}))
    assert check("US-CA", ca_offer, "", email_only) is None  # no SSN, licence or ID: no offer is required
    assert check("US-CA", ca_offer, "", NoticeFacts(channel="sms", elements=frozenset({"ssn"}))) is None


def _letter(jurisdiction: str, **context: Any) -> str:
    base = {"entity_name": "Example LLP", "entity_contact": "1-800-555-0142, privacy@example.test",
            "incident_summary": FACTS.summary, "discovered_at": "March 2, 2026", "breach_period": FACTS.breach_period,
            "measures_taken": ["Reset credentials."], "law_enforcement_delayed": False, "notice_date": "March 20, 2026",
            "data_elements": ["name", "Social Security number"], "steps_for_individuals": [],
            "credit_monitoring_offer": FACTS.monitoring_text, "recipient_name": "[Recipient name]",
            "cra_contacts": catalog.guidance("US-MA", {"ssn"})[1]}
    letter = render_notice("individual", "postal", jurisdiction, {**base, **context})
    return f"{letter.subject}\n{letter.text}"  # the letter prints its subject as its title


def test_a_massachusetts_letter_passes_only_without_the_nature_of_the_breach():
    rules = [c for r, k, c in RULES if r == "US-MA" and k == "individuals"]
    told = [check("US-MA", c, _letter("US-MA"), FACTS) for c in rules]
    assert {f.rule for f in blocking([f for f in told if f])} == {"no_nature_of_breach"}
    quiet = [check("US-MA", c, _letter("US-MA", omit_nature=True), FACTS) for c in rules]
    assert not blocking([f for f in quiet if f])


def test_a_california_letter_meets_the_title_headings_and_agencies_rules():
    rules = [c for r, k, c in RULES if r == "US-CA" and k == "individuals"]
    findings = [f for c in rules if (f := check("US-CA", c, _letter("US-CA"), FACTS))]
    assert not blocking(findings), [f.line() for f in blocking(findings)]
    assert [f.rule for f in findings if f.passed is None] == ["type_size"]  # counsel confirms what text cannot show
    without_offer = NoticeFacts(**{**FACTS.__dict__, "monitoring_months": None})
    (offer,) = [c for c in rules if c.id == "identity_protection_offer"]
    assert "credit_monitoring" in check("US-CA", offer, _letter("US-CA"), without_offer).detail  # type: ignore[union-attr]


def test_a_rule_must_say_what_it_checks():
    with pytest.raises(ValidationError, match="say what to check"):
        ContentRule(id="x", must="include", citation="c", text="t")
    with pytest.raises(ValidationError, match="min_months"):
        ContentRule(id="x", must="include", fact="monitoring_offer", citation="c", text="t")


def test_blank_texts_never_pass_as_said():
    # A folded blank string is "in" every text: the checks must not take it for the law's content.
    nature = ContentRule(id="what", must="include", fact="nature", citation="c", text="t")
    consequences = ContentRule(id="cons", must="include", fact="likely_consequences", citation="c", text="t")
    blank = NoticeFacts(**{**FACTS.__dict__, "summary": "   ", "likely_consequences": " \n "})
    assert check("X", nature, "What Happened\n\n", blank).passed is False  # type: ignore[union-attr]
    assert check("X", consequences, "What This May Mean for You\n\n", blank).passed is False  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "count", "contact", "states_it"), [
    ("We notified five customers by phone.", 5, None, True),
    ("Hemos escrito a los tres residentes afectados.", 3, None, True),
    ("We wrote to the 1.234 residentes affected.", 1234, None, True),
    ("Call 1-800-555-0100 (press 2 for customers).", 2, "1-800-555-0100 (press 2 for customers)", False),
    ("We are one of the region's largest employers of residents.", 1, None, False),
    ("We have written to the 24 Massachusetts residents affected.", 24, None, True),
    ("We are offering 24 months of credit monitoring.", 24, None, False)])
def test_the_number_of_residents_is_found_in_figures_and_words_but_not_in_the_contact_line(
        text, count, contact, states_it) -> None:  # type: ignore[no-untyped-def]
    # M.G.L. c. 93H § 3(b): the notice "shall not include ... the number of residents of the commonwealth affected"
    from breachclock.playbooks.content_rules import ContentRule, NoticeFacts, check

    rule = ContentRule(id="no_number_of_residents", must="exclude", fact="residents_count",
                       citation="M.G.L. c. 93H, § 3(b)", text="the number of residents")
    found = check("US-MA", rule, text, NoticeFacts(channel="email", elements=frozenset(), residents_counts=(count,),
                                                   entity_contact=contact))
    assert found is not None and found.passed is (not states_it)
