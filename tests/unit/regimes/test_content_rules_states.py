"""The content rules encoded for the other US states' notices to people, checked on the real US letter.

For each state: the letter a resident of that state gets (the US template with that state's guidance: its
agencies, statements, and the credit reporting agencies it always lists) passes every rule of the state's current
version; a letter that lacks what the statute asks for fails the named rule with its citation. A short quote of
the statute stands next to each assertion. The last test drafts the letters in the database and validates them as
counsel's approval does.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from breachclock.models.notice.content import person_content
from breachclock.notifications.templates import render_notice
from breachclock.playbooks.content_rules import Finding, NoticeFacts, blocking, check

from tests.factories import regime_rule

TODAY = date(2026, 12, 2)
CONTACT = "1-800-555-0142, privacy@example.test"
SUMMARY = "An attacker copied the intake folder from the file server."
PERIOD = "March 1, 2026 to March 2, 2026"
OFFER = "We are offering you 24 months of credit monitoring and identity theft protection through IDX, at no cost to you."
STATES = ["US-NY", "US-NC", "US-MD", "US-DC", "US-DE", "US-NM", "US-WV"]


def facts(elements: set[str], **over: Any) -> NoticeFacts:
    base: dict[str, Any] = {"channel": "postal", "elements": frozenset(elements), "summary": SUMMARY,
                            "breach_period": PERIOD, "monitoring_months": 24, "monitoring_text": OFFER,
                            "entity_contact": CONTACT}
    return NoticeFacts(**{**base, **over})


def letter(jurisdiction: str, elements: set[str], **over: Any) -> str:
    """The postal letter a resident of ``jurisdiction`` gets, as drafting builds its context (person_content)."""
    ctx = {"entity_name": "Example LLP", "entity_contact": CONTACT, "incident_summary": SUMMARY,
           "discovered_at": "March 2, 2026", "breach_period": PERIOD, "measures_taken": ["Reset credentials."],
           "law_enforcement_delayed": False, "notice_date": "March 20, 2026", "credit_monitoring_offer": OFFER,
           "recipient_name": "[Recipient name]", **person_content(jurisdiction, elements)}
    rendered = render_notice("individual", "postal", jurisdiction, {**ctx, **over})
    return f"{rendered.subject}\n{rendered.text}"


def findings(jurisdiction: str, text: str, notice: NoticeFacts) -> list[Finding]:
    rules = regime_rule(jurisdiction, TODAY, "individuals").content_rules
    return [f for r in rules if (f := check(jurisdiction, r, text, notice)) is not None]


def failed(jurisdiction: str, text: str, notice: NoticeFacts) -> dict[str, str]:
    return {f.rule: f.citation for f in blocking(findings(jurisdiction, text, notice))}


@pytest.mark.parametrize("jurisdiction", STATES)
@pytest.mark.parametrize("elements", [{"name", "ssn"}, {"name", "email", "password"}], ids=["ssn", "credentials"])
def test_the_real_letter_for_a_resident_passes_every_rule(jurisdiction, elements):
    found = findings(jurisdiction, letter(jurisdiction, elements), facts(elements))
    assert not blocking(found), [f.line() for f in blocking(found)]


def test_new_york_agencies_and_contact():
    ny, ok = "US-NY", {"name", "ssn"}
    # § 899-aa(7): "the telephone numbers and websites of the relevant state and federal agencies that provide
    # information regarding security breach response and identity theft prevention and protection information"
    text = letter(ny, ok)
    assert "New York State Attorney General: 1-800-771-7755" in text and "dos.ny.gov" in text
    assert failed(ny, letter(ny, ok, state_agencies=[]), facts(ok)) == {
        "state_and_federal_agencies": "N.Y. Gen. Bus. Law § 899-aa(7)"}
    # § 899-aa(7): "contact information for the person or business making the notification"
    assert failed(ny, letter(ny, ok, entity_contact="Example LLP"), facts(ok)) == {"contact": "N.Y. Gen. Bus. Law § 899-aa(7)"}
    # "a description of the categories of information ...": counsel confirms the list is complete.
    assert [f.rule for f in findings(ny, text, facts(ok)) if f.passed is None] == ["categories_of_information"]


def test_north_carolina_agencies_vigilance_and_description():
    nc, ok = "US-NC", {"name", "email", "password"}
    # § 75-65(d)(6): "The toll-free numbers and addresses for the major consumer reporting agencies" -- whatever
    # was exposed, so the letter lists them for credentials too.
    assert "P.O. Box 105788" in letter(nc, ok)
    assert "credit_agencies" in failed(nc, letter(nc, ok, cra_contacts=[]), facts(ok))
    # § 75-65(d)(7): "the Federal Trade Commission and the North Carolina Attorney General's Office, along with a
    # statement that the individual can obtain information from these sources about preventing identity theft"
    assert failed(nc, letter(nc, ok, state_agencies=[]), facts(ok)) == {
        "ftc_and_attorney_general": "N.C. Gen. Stat. § 75-65(d)(7)"}
    # § 75-65(d)(1): "The incident in general terms."
    assert failed(nc, letter(nc, ok, omit_nature=True), facts(ok)) == {
        "incident_in_general_terms": "N.C. Gen. Stat. § 75-65(d)(1)"}
    # § 75-65(d)(5): "Advice that directs the person to remain vigilant by reviewing account statements and
    # monitoring free credit reports."
    text = re.sub("remain vigilant", "stay alert", letter(nc, ok), flags=re.IGNORECASE)
    assert failed(nc, text, facts(ok)) == {"remain_vigilant": "N.C. Gen. Stat. § 75-65(d)(5)"}
    confirm = [f.rule for f in findings(nc, letter(nc, ok), facts(ok)) if f.passed is None]
    assert confirm == ["acts_to_protect", "telephone_number", "attorney_general_address"]


def test_maryland_agencies_and_contact():
    md, ok = "US-MD", {"name", "health_insurance"}
    # § 14-3504(g)(4): "the Federal Trade Commission and the Office of the Attorney General, and a statement that an
    # individual can obtain information from these sources about steps the individual can take to avoid identity theft"
    assert "200 St. Paul Place, 25th Floor, Baltimore, MD 21202" in letter(md, ok)
    assert failed(md, letter(md, ok, state_agencies=[]), facts(ok)) == {
        "ftc_and_attorney_general": "Md. Code, Com. Law § 14-3504(g)(4)"}
    # § 14-3504(g)(3): "The toll-free telephone numbers and addresses of the major consumer reporting agencies"
    assert failed(md, letter(md, ok, cra_contacts=[]), facts(ok)) == {"credit_agencies": "Md. Code, Com. Law § 14-3504(g)(3)"}
    # § 14-3504(g)(2): "Contact information for the business making the notification"
    assert failed(md, letter(md, ok, entity_contact="Example LLP"), facts(ok)) == {
        "contact": "Md. Code, Com. Law § 14-3504(g)(2)"}


def test_district_of_columbia_agencies_freeze_and_protection_services():
    dc, ssn = "US-DC", {"name", "ssn"}
    # § 28-3852(a-1)(1)(D): "the Federal Trade Commission and the Office of the Attorney General for the District of
    # Columbia, along with a statement ... about steps to take to avoid identity theft"
    assert failed(dc, letter(dc, ssn, state_agencies=[]), facts(ssn)) == {
        "ftc_and_attorney_general": "D.C. Code § 28-3852(a-1)(1)(D)"}
    # § 28-3852(a-1)(2): "notice of the right to obtain a security freeze free of charge" -- said with the agencies.
    without = failed(dc, letter(dc, ssn, cra_contacts=[]), facts(ssn))
    assert without == {"credit_agencies": "D.C. Code § 28-3852(a-1)(1)(C)", "security_freeze": "D.C. Code § 28-3852(a-1)(2)"}
    # § 28-3852.02: "identity theft protection services at no cost ... for a period of not less than 18 months"
    short = facts(ssn, monitoring_months=12, monitoring_text=OFFER.replace("24", "12"))
    assert failed(dc, letter(dc, ssn, credit_monitoring_offer=short.monitoring_text), short) == {
        "identity_theft_protection": "D.C. Code § 28-3852.02"}
    # ... only where "a social security number or taxpayer identification number" was exposed.
    creds = {"name", "email", "password"}
    assert not failed(dc, letter(dc, creds, credit_monitoring_offer=None), facts(creds, monitoring_months=None))


def test_delaware_credit_monitoring_for_social_security_numbers():
    de, ssn = "US-DE", {"name", "ssn"}
    # § 12B-102(e): "credit monitoring services at no cost to such resident for a period of 1 year"
    assert not failed(de, letter(de, ssn), facts(ssn))
    none = facts(ssn, monitoring_months=None, monitoring_text=None)
    assert failed(de, letter(de, ssn, credit_monitoring_offer=None), none) == {
        "credit_monitoring": "Del. Code Ann. tit. 6, § 12B-102(e)"}
    six = facts(ssn, monitoring_months=6, monitoring_text=OFFER.replace("24", "6"))
    assert failed(de, letter(de, ssn, credit_monitoring_offer=six.monitoring_text), six) == {
        "credit_monitoring": "Del. Code Ann. tit. 6, § 12B-102(e)"}
    card = {"name", "payment_card"}  # "If the breach of security includes a Social Security number"
    assert not failed(de, letter(de, card, credit_monitoring_offer=None), facts(card, monitoring_months=None))


def test_new_mexico_contents():
    nm, ok = "US-NM", {"name", "financial_account", "access_code"}
    # § 57-12C-7(G): "advice that informs the recipient ... of the recipient's rights pursuant to the federal Fair
    # Credit Reporting Act"
    assert "Fair Credit Reporting Act" in letter(nm, ok)
    assert failed(nm, letter(nm, ok, state_statements=[]), facts(ok)) == {
        "fair_credit_reporting_act": "N.M. Stat. Ann. § 57-12C-7(G)"}
    # § 57-12C-7(C): "the date of the security breach, the estimated date of the breach or the range of dates"
    assert failed(nm, letter(nm, ok, breach_period=None), facts(ok)) == {"breach_date": "N.M. Stat. Ann. § 57-12C-7(C)"}
    # § 57-12C-7(D): "a general description of the security breach incident"
    assert failed(nm, letter(nm, ok, omit_nature=True), facts(ok)) == {"general_description": "N.M. Stat. Ann. § 57-12C-7(D)"}
    # § 57-12C-7(E): "the toll-free telephone numbers and addresses of the major consumer reporting agencies"
    creds = {"name", "email", "password"}
    assert "credit_agencies" in failed(nm, letter(nm, creds, cra_contacts=[]), facts(creds))


def test_west_virginia_credit_agencies_and_freezes():
    wv, ok = "US-WV", {"name", "passport"}
    # § 46A-2A-102(d)(3): the major credit reporting agencies and how "to place a fraud alert or security freeze"
    assert not failed(wv, letter(wv, ok), facts(ok))
    assert failed(wv, letter(wv, ok, cra_contacts=[]), facts(ok)) == {"credit_agencies": "W. Va. Code § 46A-2A-102(d)(3)"}


def test_the_spanish_letter_names_the_state_agencies_and_statements_too():
    context = person_content("US-NM", {"name", "ssn"}, "es")
    assert context["state_statements_es"] and "Fair Credit Reporting Act" in context["state_statements_es"][0]
    assert person_content("US-NY", {"name", "ssn"}, "es")["state_agencies"][0]["phone"] == "1-800-771-7755"


def drafted_letters_pass(engine, open_incident, states) -> None:  # type: ignore[no-untyped-def]
    """The real drafts (database, drafting, the validator counsel's approval runs): every state's letter passes."""
    from breachclock.models import Incident, Notice
    from breachclock.models.db import session_scope
    from breachclock.models.incident.lifecycle import fire
    from breachclock.models.notice.drafting import draft_notices
    from breachclock.models.notice.validation import validate_notice

    iid = open_incident(playbook=None, summary="A laptop was stolen from a car.",
                        entity={"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"],
                                "contact": CONTACT},
                        breach_started_at="2026-03-01T09:00:00-05:00", breach_ended_at="2026-03-02T09:00:00-05:00",
                        affected={j: 20 for j in states})
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="a", reason="r")
        ids = [n.id for n in draft_notices(s, inc, actor="a").drafted]
        seen = set()
        for notice in (s.get(Notice, i) for i in ids):
            if notice.audience != "individual" or notice.jurisdiction not in states:
                continue
            seen.add(notice.jurisdiction)
            found = [f for f in validate_notice(s, notice) if f.regime == notice.jurisdiction]
            assert found and not blocking(found), [f.line() for f in blocking(found)]
    assert seen == set(states)


def test_drafted_letters_for_residents_of_each_state_can_be_approved(engine, open_incident):
    drafted_letters_pass(engine, open_incident, STATES)
