"""Content rules for more US states' notices to people, checked on the real US letter (as in
test_content_rules_states.py): each state's letter passes every rule of its current version; a letter lacking what
the statute asks for fails the named rule with its citation. A short quote of the statute (or of the summary the
rule's text names) stands next to each assertion.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.factories import regime_rule
from tests.unit.regimes.test_content_rules_states import drafted_letters_pass, facts, findings, letter

STATES = ["US-HI", "US-VA", "US-MI", "US-MO", "US-VT", "US-WY", "US-OR", "US-IA", "US-NH", "US-WA"]
OK = {"name", "ssn"}
CREDS = {"name", "email", "password"}


def failed(jurisdiction: str, text: str, notice) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.rule: f.citation for f in findings(jurisdiction, text, notice) if f.passed is False}


def confirm(jurisdiction: str, elements: set[str]) -> list[str]:
    return [f.rule for f in findings(jurisdiction, letter(jurisdiction, elements), facts(elements)) if f.passed is None]


def without(text: str, phrase: str, instead: str = "…") -> str:
    return re.sub(re.escape(phrase), instead, text, flags=re.IGNORECASE)


@pytest.mark.parametrize("jurisdiction", STATES)
@pytest.mark.parametrize("elements", [OK, CREDS], ids=["ssn", "credentials"])
def test_the_real_letter_for_a_resident_passes_every_rule(jurisdiction, elements):
    found = findings(jurisdiction, letter(jurisdiction, elements), facts(elements))
    assert found and not [f.line() for f in found if f.passed is False]


@pytest.mark.parametrize(("jurisdiction", "cite"), [("US-HI", "Haw. Rev. Stat. § 487N-2(d)"),
                                                    ("US-VA", "Va. Code Ann. § 18.2-186.6 (notice contents (5))"),
                                                    ("US-MO", "Mo. Rev. Stat. § 407.1500.2(4)")])
def test_remain_vigilant_incident_and_type_hawaii_virginia_missouri(jurisdiction, cite):
    # "Advice that directs the person to remain vigilant by reviewing account statements and monitoring free
    # credit reports"
    text = without(letter(jurisdiction, OK), "remain vigilant", "stay alert")
    assert failed(jurisdiction, text, facts(OK)) == {"remain_vigilant": cite}
    # "The incident in general terms"
    assert set(failed(jurisdiction, letter(jurisdiction, OK, omit_nature=True), facts(OK))) == {"incident_in_general_terms"}
    # "The type of personal information that was subject to the unauthorized access and acquisition"
    text = without(letter(jurisdiction, OK), "The information involved may have included your", "")
    assert set(failed(jurisdiction, text, facts(OK))) == {"type_of_information"}
    # "A telephone number that the person may call for further information and assistance, if one exists"
    assert set(failed(jurisdiction, letter(jurisdiction, OK, entity_contact="Example LLP"), facts(OK))) == {"contact"}


def test_hawaii_and_virginia_confirm_the_acts_and_the_telephone():
    # "The general acts of the business to protect the personal information from further unauthorized access"
    assert confirm("US-HI", OK) == confirm("US-VA", OK) == ["acts_to_protect", "telephone_number"]


def test_virginia_2008_has_the_same_rules():
    # Foley (2008): Virginia "mandated the form of notice" from the start.
    assert regime_rule("US-VA", date(2010, 1, 1), "individuals").content_rules == \
        regime_rule("US-VA", date(2026, 12, 2), "individuals").content_rules


def test_michigan_vigilance_for_fraud_and_identity_theft():
    mi = "US-MI"
    # "Remind notice recipients of the need to remain vigilant for incidents of fraud and identity theft"
    text = without(letter(mi, CREDS), "remain vigilant", "stay alert")
    assert failed(mi, text, facts(CREDS)) == {"remain_vigilant": "Mich. Comp. Laws § 445.72(6)"}
    # "Describe the security breach in general terms"
    assert failed(mi, letter(mi, CREDS, omit_nature=True), facts(CREDS)) == {
        "breach_in_general_terms": "Mich. Comp. Laws § 445.72(6)"}
    # "written in a clear and conspicuous manner": what text cannot show.
    assert confirm(mi, CREDS) == ["clear_and_conspicuous", "acts_to_protect", "telephone_number"]


@pytest.mark.parametrize(("jurisdiction", "cite"), [("US-MO", "Mo. Rev. Stat. § 407.1500.2(4)"),
                                                    ("US-OR", "Or. Rev. Stat. § 646A.604(5)"),
                                                    ("US-IA", "Iowa Code § 715C.2(5)")])
def test_the_credit_agencies_are_listed_whatever_was_exposed(jurisdiction, cite):
    # "Contact information for consumer reporting agencies" -- for credentials too.
    assert "P.O. Box 105788" in letter(jurisdiction, CREDS)
    assert failed(jurisdiction, letter(jurisdiction, CREDS, cra_contacts=[]), facts(CREDS)) == {"credit_agencies": cite}


def test_vermont_date_and_toll_free_number():
    vt = "US-VT"
    # "The approximate date of the security breach" (since 2012)
    assert failed(vt, letter(vt, OK, breach_period=None), facts(OK)) == {"approximate_date": "Vt. Stat. Ann. tit. 9, § 2435(b)(5)"}
    # "A telephone number, toll-free if available": counsel confirms the toll-free number.
    assert confirm(vt, OK) == ["acts_to_protect", "toll_free_if_available"]
    assert not regime_rule(vt, date(2008, 1, 1), "individuals").content_rules  # 2007 text not encoded
    assert regime_rule(vt, date(2013, 1, 1), "individuals").content_rules == \
        regime_rule(vt, date(2026, 12, 2), "individuals").content_rules


def test_wyoming_toll_free_number_date_and_law_enforcement_delay():
    wy = "US-WY"
    # (e)(i): "A toll-free number ... That the individual may use to contact the person collecting the data"
    local = "(307) 555-0142, privacy@example.test"
    notice = facts(OK, entity_contact=local)
    assert failed(wy, letter(wy, OK, entity_contact=local), notice) == {"toll_free_number": "Wyo. Stat. Ann. § 40-12-502(e)(i)"}
    # (e)(iv): "The approximate date of the breach of security, if that information is reasonably possible to determine"
    assert failed(wy, letter(wy, OK, breach_period=None), facts(OK)) == {"approximate_date": "Wyo. Stat. Ann. § 40-12-502(e)(iv)"}
    # "Whether notification was delayed as a result of a law enforcement investigation" -- said either way.
    assert not failed(wy, letter(wy, OK, law_enforcement_delayed=True), facts(OK))
    text = without(letter(wy, OK), "This notice was not delayed as a result of a law enforcement investigation.", "")
    assert failed(wy, text, facts(OK)) == {"law_enforcement_delay": "Wyo. Stat. Ann. § 40-12-502(e)"}
    # "monitoring credit reports"
    assert "remain_vigilant" in failed(wy, without(letter(wy, OK), "account statements", "mail"), facts(OK))
    # Before 2015 the notice had to include "only 'toll-free numbers ...'" (Norton Rose Fulbright).
    assert [r.id for r in regime_rule(wy, date(2010, 1, 1), "individuals").content_rules] == [
        "toll_free_number", "credit_agencies_by_phone"]


def test_oregon_report_to_law_enforcement_attorney_general_and_ftc():
    orr = "US-OR"
    # "Advice to the consumer to report suspected identity theft to law enforcement, including the Attorney General
    # and the Federal Trade Commission"
    text = without(letter(orr, OK), "your state attorney general", "the authorities")
    assert failed(orr, text, facts(OK)) == {"report_identity_theft": "Or. Rev. Stat. § 646A.604(5)"}
    # "The approximate date of the breach of security"; "Contact information for the covered entity"
    assert set(failed(orr, letter(orr, OK, breach_period=None, entity_contact="Example LLP"), facts(OK))) == {
        "approximate_date", "contact"}
    # a free credit monitoring offer must not require a card number: counsel confirms.
    assert confirm(orr, OK) == ["monitoring_without_card"]
    assert regime_rule(orr, date(2018, 7, 1), "individuals").content_rules  # 2018 shares the obligation


def test_iowa_report_to_local_law_enforcement_or_attorney_general():
    ia = "US-IA"
    # "Advice to the consumer to report suspected incidents of identity theft to local law enforcement or the
    # attorney general"
    text = without(letter(ia, OK), "your local law enforcement", "the police")
    assert failed(ia, text, facts(OK)) == {"report_identity_theft": "Iowa Code § 715C.2(5)"}
    # "A description of the breach of security"; "The approximate date of the breach of security"
    assert set(failed(ia, letter(ia, OK, omit_nature=True, breach_period=None), facts(OK))) == {
        "description_of_breach", "approximate_date"}


def test_new_hampshire_contents():
    nh = "US-NH"
    # "The approximate date of breach"; "The telephonic contact information of the person"
    assert set(failed(nh, letter(nh, OK, breach_period=None, entity_contact="Example LLP"), facts(OK))) == {
        "approximate_date", "contact"}
    assert confirm(nh, OK) == ["telephone_number"]


def test_washington_time_frame_and_credit_agencies_for_ssn_and_licence():
    wa = "US-WA"
    # "A time frame of exposure, if known, including the date of the breach and the date of the discovery"
    assert failed(wa, letter(wa, OK, breach_period=None), facts(OK)) == {
        "time_frame_of_exposure": "Wash. Rev. Code § 19.255.010(6)"}
    text = without(letter(wa, OK), "We discovered the incident on", "We learned of it on")
    assert set(failed(wa, text, facts(OK))) == {"time_frame_of_exposure"}
    # "The toll-free telephone numbers and addresses of the major credit reporting agencies" where SSNs or licence
    # numbers were exposed; not for credentials.
    assert failed(wa, letter(wa, OK, cra_contacts=[]), facts(OK)) == {"credit_agencies": "Wash. Rev. Code § 19.255.010(6)"}
    assert not failed(wa, letter(wa, CREDS, cra_contacts=[]), facts(CREDS))
    assert confirm(wa, OK) == ["plain_language"]


def test_drafted_letters_for_residents_of_each_state_can_be_approved(engine, open_incident):
    drafted_letters_pass(engine, open_incident, STATES)
