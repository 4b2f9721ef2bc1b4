"""Scenarios end to end: who received what, how often, on which channel, with which content.

Every assertion reads the recipients' side (the fake providers' logs, the letters' text), never a status.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from breachclock.models import Client, Delivery, Notice
from breachclock.models.db import session_scope
from sqlalchemy import select

from tests.scenarios.harness import Received, Scenario, counts_by_jurisdiction, involved_section, plain

pytestmark = pytest.mark.slow


@pytest.fixture
def firm(home: Path, providers) -> Scenario:  # type: ignore[no-untyped-def]
    sendgrid, twilio = providers
    return Scenario.load("law_firm_business_associate", home, sendgrid, twilio)


def _client_messages(s: Scenario) -> dict[str, list[Received]]:
    with session_scope(s.engine) as session:
        clients = {c.id: c for c in session.scalars(select(Client))}
    out: dict[str, list[Received]] = {cid: [] for cid in clients}
    for r in s.received():
        for cid, c in clients.items():
            contact = c.notice_contact
            if (r.channel in ("email", "sms") and r.to == contact) or (
                    r.channel == "postal" and contact.splitlines()[0] in r.text and "Dear" in r.text
                    and "Testperson" not in r.text):
                out[cid].append(r)
    return out


def test_a_firm_that_is_owner_business_associate_and_vendor_notifies_exactly_whom_the_law_requires(
        firm: Scenario, home: Path) -> None:
    final = firm.run_to_end(home / "extract.csv")
    assert firm.state() == firm.spec["expect"]["state"], final

    # Clients: each gets its own notices, on its own channel, about its own data; nobody else gets them.
    messages = _client_messages(firm)
    names = {c["id"]: c["name"] for c in firm.spec["clients"]}
    for cid, want in firm.spec["expect"]["clients"].items():
        got = messages[cid]
        assert len(got) == want["notices"], (cid, [m.text[:80] for m in got])
        assert {m.channel for m in got} == {want["channel"]}
        for m in got:
            others = [n for other, n in names.items() if other != cid]
            assert not any(n in m.text for n in others), (cid, m.text)  # never about another client
    # A client's data-owner notice names its own people per jurisdiction, not the firm's or another client's.
    lakeside = [m for m in messages["lakeside-bank"] if "New York: 7" in m.text]
    assert len(lakeside) == 1 and "Dear General Counsel" in lakeside[0].text

    # People: exactly the ones the law requires the firm to notify, each once, on the expected channel.
    received = {p.index: firm.received_by(p) for p in firm.people}
    for p in firm.people:
        got = received[p.index]
        if not p.notified:
            assert got == [], (p.name, p.data_set, p.jurisdiction, [g.channel for g in got])
            continue
        assert len(got) == 1, (p.name, p.jurisdiction, [g.channel for g in got])
        assert got[0].channel == p.expected_channel, (p.name, got[0].channel)
        if got[0].channel == "postal" and p.address and not p.state_field and p.jurisdiction.startswith("US-"):
            # A ZIP-only row: the letter's address carries the state its residency came from, or it is not mailable.
            assert f"{p.address[1]} {p.jurisdiction[3:]} {p.address[3]}" in got[0].text, (p.name, got[0].text[:200])
        # Their own exposed elements, in plain words; none of anyone else's.
        section = involved_section(got[0].text)
        for element in ("ssn", "dob", "drivers_license", "medical", "financial_account"):
            assert (plain(element, p.jurisdiction) in section) == (element in p.elements), (p.name, element, section)
        assert "Sir or Madam" not in got[0].text and p.name.split()[0] in got[0].text

    # The count of people owed notice per jurisdiction equals what the engine says is covered there.
    obligations = firm.obligations()
    covered: Counter[str] = Counter()
    for o in obligations:
        if o.required and o.recipient_kind == "individual":
            covered.update(o.counts)
    owed = Counter(p.jurisdiction for p in firm.people if p.owed)
    assert owed == covered, (owed, covered)
    assert counts_by_jurisdiction(firm.people, received) == Counter(p.jurisdiction for p in firm.people if p.notified)

    # A business associate files nothing with HHS and owes no notice to the patients.
    rules = {(o.regime, o.rule_key): o for o in obligations if o.data_set == "mercy-phi"}
    for key in firm.spec["expect"]["not_required"]:
        regime, rule = key.split("/")
        assert rules[(regime, rule)].required is False
    assert rules[("US-FED-HIPAA", "data_owner")].required is True
    # Illinois and Michigan duties apply to the firm's own residents even though it is a BA for Mercy's.
    own = {(o.regime, o.rule_key) for o in obligations if o.data_set == "firm-records" and o.required}
    assert ("US-IL", "individuals") in own and ("US-MI", "individuals") in own

    # Duties whose people cannot all be reached stay open, with the reason.
    open_ = {o.regime for o in obligations if o.required and o.fulfilled_at is None and o.recipient_kind != "record"}
    assert set(firm.spec["expect"]["open_regimes"]) <= open_, open_
    with session_scope(firm.engine) as s:
        substitutes = sorted(n.jurisdiction for n in s.scalars(select(Notice).where(
            Notice.incident_id == firm.incident_id, Notice.audience == "substitute")))
    assert substitutes == firm.spec["expect"].get("substitute", []), substitutes
    said = " ".join(final.split())
    assert ("obligation(s) not yet met" in said) == bool(firm.spec["expect"]["open_regimes"]), said
    assert all(regime in said for regime in firm.spec["expect"]["open_regimes"]), said


def test_regulator_filings_state_that_jurisdictions_own_count(firm: Scenario, home: Path) -> None:
    firm.run_to_end(home / "extract.csv")
    filings = [r for r in firm.received() if r.channel == "filing"]
    assert filings, "no regulator or agency filing was prepared"
    with session_scope(firm.engine) as session:
        for n in session.scalars(select(Notice).where(Notice.incident_id == firm.incident_id,
                                                      Notice.audience.in_(["regulator", "cra"]))):
            (delivery,) = session.scalars(select(Delivery).where(Delivery.notice_id == n.id))
            assert delivery.status == "sent" and delivery.receipt  # filed by a person, with the receipt
            # The count it states is that jurisdiction's own owed people, counted from the extract by hand.
            owed = sum(1 for p in firm.people if p.owed and p.data_set == n.data_set
                       and (p.jurisdiction == n.jurisdiction or p.jurisdiction.startswith(n.jurisdiction + "-")))
            assert n.context["residents_count"] == owed, (n.recipient, n.context["residents_count"], owed)
            text = " ".join(next(f.text for f in filings if f.key == delivery.idempotency_key).split())
            figures = {int(x.replace(",", "")) for x in re.findall(r"(\d[\d,]*) [A-Z][A-Za-z .'-]*? residents?", text)}
            assert figures == {owed}, (n.recipient, figures, owed)
            if n.audience == "regulator" and n.jurisdiction in ("GB", "CA"):
                # Their residents get their country's letter: the filing says they are being told.
                assert "is notifying the affected individuals in writing" in text, (n.recipient, text[:300])
