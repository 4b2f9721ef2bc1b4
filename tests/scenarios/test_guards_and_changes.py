"""Scenarios that try to get a notice out the wrong way: during a hold, through a simulated channel, twice after
the contact details changed, or with content nobody approved. Judged at the providers."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from breachclock.models import AuditEvent, Delivery, Incident, Notice, NoticeVariant
from breachclock.models.db import session_scope
from breachclock.models.incident.models import load_facts
from sqlalchemy import func, select

from tests.scenarios.harness import Scenario

pytestmark = pytest.mark.slow


@pytest.fixture
def small(home: Path, providers) -> Scenario:  # type: ignore[no-untyped-def]
    sendgrid, twilio = providers
    return Scenario.load("small_firm", home, sendgrid, twilio)


def _ready_for_approval(s: Scenario, home: Path) -> None:
    s.open()
    s.cli("run", s.incident_id)
    s.complete_tasks("containment")
    s.people = s.generate_extract(home / "extract.csv")
    s.scope(home / "extract.csv")
    s.complete_tasks("investigation")
    s.cli("run", s.incident_id)


def test_a_small_firm_incident_reaches_notified_and_each_person_got_one_approved_message(small: Scenario,
                                                                                         home: Path) -> None:
    out = small.run_to_end(home / "extract.csv")
    assert small.state() == "notified", out
    for p in small.people:
        got = small.received_by(p)
        assert len(got) == (1 if p.notified else 0), p.name
    # What each person received is the approved e-mail variant, rendered for them.
    with session_scope(small.engine) as s:
        subjects = {v.subject for v in s.scalars(select(NoticeVariant).join(Notice).where(
            Notice.incident_id == small.incident_id, Notice.audience == "individual",
            NoticeVariant.channel == "email"))}
    assert {r.subject for p in small.people if p.notified for r in small.received_by(p)} <= subjects
    duties = json.loads(small.cli("status", small.incident_id, "--json"))["obligations"]
    told = [d for d in duties if d["required"] and d["recipient_kind"] != "record"]
    late = [(d["regime"], d["rule"], d["fulfillment"], d["on_time"]) for d in told if not (d["met"] and d["on_time"])]
    assert told and not late, late
    assert {d["fulfillment"] for d in told} >= {"sent", "filed"}
    # Each filed regulator notice is the event clocks anchored to it run from (an AG's after HHS's).
    with session_scope(small.engine) as s:
        events = load_facts(s.get(Incident, small.incident_id)).events  # type: ignore[arg-type]
    filed = {d["regime"] for d in told if d["recipient_kind"] == "regulator" and d["met"]}
    assert filed and filed <= {e.regime for e in events if e.type == "regulator_notice_sent"}


def test_nothing_leaves_during_a_law_enforcement_hold_by_any_entry_point(small: Scenario, home: Path) -> None:
    _ready_for_approval(small, home)
    small.approve_all()
    small.cli("hold", small.incident_id, "--agency", "FBI Chicago", "--reason", "case 24-118: delay notice")
    before = (small.sendgrid.deliveries, small.twilio.deliveries)
    # The flow waits, and the send-ahead command refuses, for every notice.
    out = " ".join(small.cli("run", small.incident_id).split())
    assert "law-enforcement hold" in out
    for n in small.notices():
        refused = small.cli("notice", "send", n.id, code=1)
        assert "law-enforcement hold" in " ".join(refused.split())
    from breachclock.models.outbox.service import SendRefused, send

    with pytest.raises(SendRefused, match="law-enforcement hold"):
        send(small.engine, small.incident_id, lambda names: {}, actor="anyone")
    assert (small.sendgrid.deliveries, small.twilio.deliveries) == before
    assert not list((home / "outbox").rglob("*.pdf")) if (home / "outbox").exists() else True
    small.cli("release", small.incident_id, "--reason", "the FBI says notice no longer impedes the case")
    # The approved text said the notice was not delayed; it now is, so it is redrafted and approved again.
    small.cli("run", small.incident_id)
    assert small.state() == "awaiting_approval"
    assert (small.sendgrid.deliveries, small.twilio.deliveries) == before
    from breachclock.models.notice.approval import notices_lacking_approval

    individual = {n.id for n in small.notices() if n.audience == "individual"}
    with session_scope(small.engine) as s:
        lacking = {n.id for n in notices_lacking_approval(s, small.incident_id)}
        texts = [" ".join(v.text.split()) for v in s.scalars(select(NoticeVariant).where(
            NoticeVariant.notice_id.in_(individual), NoticeVariant.channel == "email"))]
    assert individual and lacking >= individual
    assert texts and all("delayed at the request of a law enforcement agency" in t and "was not delayed" not in t
                         for t in texts)
    small.approve_all()
    small.cli("run", small.incident_id)
    small.hand_over()
    small.cli("run", small.incident_id)
    assert small.state() == "notified"
    assert all(len(small.received_by(p)) == int(p.notified) for p in small.people)


def test_a_real_incident_never_sends_through_the_memory_backend(small: Scenario, home: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _ready_for_approval(small, home)
    small.approve_all()
    monkeypatch.setenv("BREACHCLOCK_CHANNEL_BACKEND", "memory")
    out = " ".join(small.cli("run", small.incident_id).split())
    assert "simulated" in out and "cannot notify anyone in a real incident" in out
    with session_scope(small.engine) as s:
        assert s.get(Incident, small.incident_id).status == "notifying"
        assert s.scalar(select(Delivery.id).join(Notice).where(Notice.incident_id == small.incident_id,
                                                               Delivery.status != "pending")) is None
    assert not (home / "outbox").exists() or not list((home / "outbox").rglob("*.pdf"))


def test_a_changed_contact_never_brings_a_second_notice(small: Scenario, home: Path) -> None:
    _ready_for_approval(small, home)
    small.approve_all()
    small.cli("run", small.incident_id)
    small.hand_over()
    small.cli("run", small.incident_id)
    emails_before = small.sendgrid.deliveries
    # A second extract finds postal addresses for the same New Yorkers (same names and e-mail addresses).
    again = home / "again.csv"
    group = dict(small.spec["extract"]["groups"][0], contact="both")
    small.generate_extract(again, groups=[group], start=0)
    small.scope(again)
    small.cli("run", small.incident_id)
    small.hand_over() if small.state() != "notified" else None
    small.cli("run", small.incident_id)
    assert small.sendgrid.deliveries == emails_before
    letters = list((home / "outbox" / "postal").glob("*.pdf")) if (home / "outbox" / "postal").exists() else []
    assert letters == [], "a person already e-mailed got a letter too"
    for p in small.people:
        assert len(small.received_by(p)) == int(p.notified), p.name


def test_a_contact_change_before_sending_moves_the_notice_to_the_new_channel(small: Scenario, home: Path) -> None:
    _ready_for_approval(small, home)
    small.approve_all()
    # Queue the notices (a send attempt that fails for every e-mail leaves them pending).
    small.sendgrid.fail_next(400, times=50)
    small.cli("run", small.incident_id)
    with session_scope(small.engine) as s:
        failed = list(s.scalars(select(Delivery.id).where(Delivery.status == "failed")))
    for did in failed:  # a person decides they are to be sent again
        small.cli("notice", "resolve", str(did), "--not-delivered", "--reason", "SendGrid rejected the batch")
    small.sendgrid.reset()
    group = dict(small.spec["extract"]["groups"][0], contact="both")
    small.generate_extract(home / "again.csv", groups=[group], start=0)
    small.scope(home / "again.csv")
    small.cli("run", small.incident_id)
    ny = [p for p in small.people if p.group == 0]
    letters = [r for r in small.received() if r.channel == "postal"]
    for p in ny:
        got = [r for r in letters if p.name in r.text] + [r for r in small.received()
                                                          if r.channel == "email" and r.to == p.email]
        assert [g.channel for g in got] == ["postal"], (p.name, [g.channel for g in got])


def test_a_client_whose_channel_cannot_carry_its_contact_is_refused_when_loaded(small: Scenario, home: Path) -> None:
    bad = home / "bad-clients.yaml"
    bad.write_text(yaml.safe_dump({"clients": [
        {"id": "x-corp", "name": "X", "notice_channel": "sms", "notice_contact": "legal@x.test"}]}))
    out = small.cli("clients", "load", str(bad), code=2)
    assert "international format" in " ".join(out.split())
    assert "x-corp" not in small.cli("open", "--help")  # nothing registered; the command still works
    from breachclock.models import Client

    with session_scope(small.engine) as s:
        assert s.get(Client, "x-corp") is None


def test_new_jersey_residents_are_told_only_after_the_state_police_filing(small: Scenario, home: Path) -> None:
    # N.J.S.A. 56:8-163(c)(1): report to the Division of State Police "in advance of the disclosure to the customer".
    small.spec["extract"]["groups"] = [
        {"data_set": "firm-records", "count": 3, "residency": {"state": "NJ"}, "jurisdiction": "US-NJ",
         "contact": "email", "elements": ["ssn"], "notified": True}]
    _ready_for_approval(small, home)
    small.approve_all()
    out = " ".join(small.cli("run", small.incident_id).split())
    assert "before the people are told" in out, out
    nj = small.people
    assert all(small.received_by(p) == [] for p in nj)  # the State Police have not been told yet
    small.hand_over()  # a paralegal files the State Police report (and the rest)
    small.cli("run", small.incident_id)
    assert all(len(small.received_by(p)) == 1 for p in nj)
    duties = json.loads(small.cli("status", small.incident_id, "--json"))["obligations"]
    police = next(d for d in duties if d["regime"] == "US-NJ" and d["rule"] == "state_police")
    people = next(d for d in duties if d["regime"] == "US-NJ" and d["recipient_kind"] == "individual")
    assert police["fulfilled_at"] <= people["fulfilled_at"]


def test_a_client_notice_sent_after_its_contract_hours_shows_how_late(small: Scenario, home: Path) -> None:
    small.spec["incident"]["discovered_hours_ago"] = 30  # the contract allows 24
    small.open()
    small.cli("run", small.incident_id)
    small.approve_all()
    (notice,) = small.notices()
    small.cli("notice", "send", notice.id)
    duties = json.loads(small.cli("status", small.incident_id, "--json"))["obligations"]
    contract = next(d for d in duties if d["regime"] == "CONTRACT:delta-corp")
    assert contract["met"] and contract["on_time"] is False
    assert 5.9 * 3600 < contract["late_seconds"] < 6.2 * 3600
    assert "late" in " ".join(small.cli("status", small.incident_id).split())


def test_a_reimport_that_changes_or_adds_e_mail_addresses_never_brings_a_second_notice(small: Scenario,
                                                                                        home: Path) -> None:
    groups = [
        {"data_set": "firm-records", "count": 4, "residency": {"state": "NY"}, "jurisdiction": "US-NY",
         "contact": "both", "elements": ["ssn"], "notified": True},
        {"data_set": "firm-records", "count": 3, "residency": {"state": "NY"}, "jurisdiction": "US-NY",
         "contact": "postal", "elements": ["ssn"], "notified": True},
    ]
    small.spec["extract"]["groups"] = groups
    _ready_for_approval(small, home)
    small.approve_all()
    small.cli("run", small.incident_id)
    small.hand_over()
    small.cli("run", small.incident_id)
    before = (small.sendgrid.deliveries, len(list((home / "outbox" / "postal").glob("*.pdf"))))
    # The second system's extract: new e-mail addresses for the first group, an e-mail added for the second.
    again = home / "again.csv"
    small.generate_extract(again, groups=[dict(groups[0]), dict(groups[1], contact="both")], email_tag=".new")
    out = " ".join(small.scope(again).split())
    assert "0 new people" in out and "7 merged" in out, out
    small.cli("run", small.incident_id)
    after = (small.sendgrid.deliveries, len(list((home / "outbox" / "postal").glob("*.pdf"))))
    assert after == before, "someone already notified was notified again"


def test_the_source_systems_record_id_recognises_a_person_whose_only_contact_changed(small: Scenario,
                                                                                     home: Path) -> None:
    groups = [{"data_set": "firm-records", "count": 5, "residency": {"state": "NY"}, "jurisdiction": "US-NY",
               "contact": "email", "elements": ["ssn"], "notified": True}]
    small.spec["extract"]["groups"] = groups
    small.open()
    small.cli("run", small.incident_id)
    small.complete_tasks("containment")
    small.people = small.generate_extract(home / "first.csv", record_ids=True)
    small.scope(home / "first.csv")
    small.complete_tasks("investigation")
    small.cli("run", small.incident_id)
    small.approve_all()
    small.cli("run", small.incident_id)
    sent = small.sendgrid.deliveries
    small.generate_extract(home / "second.csv", record_ids=True, email_tag=".moved")
    assert "0 new people" in " ".join(small.scope(home / "second.csv").split())
    small.cli("run", small.incident_id)
    assert small.sendgrid.deliveries == sent


def _notifying_with_everything_pending(small: Scenario, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Approved and notifying, nothing sent yet (a run through the simulated backend queues and refuses)."""
    _ready_for_approval(small, home)
    small.approve_all()
    live = os.environ["BREACHCLOCK_CHANNEL_BACKEND"]
    monkeypatch.setenv("BREACHCLOCK_CHANNEL_BACKEND", "memory")
    small.cli("run", small.incident_id)
    monkeypatch.setenv("BREACHCLOCK_CHANNEL_BACKEND", live)
    assert small.state() == "notifying"


def test_a_hold_that_starts_while_notices_go_out_stops_the_next_message(small: Scenario, home: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from breachclock.models.incident.service import get_incident, hold
    from breachclock.models.outbox.service import live_channels, send

    _notifying_with_everything_pending(small, home, monkeypatch)

    class HoldAfterFirst:
        """The live e-mail channel; the FBI calls right after the first message is accepted."""

        def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
            self.inner, self.sent = inner, 0

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self.inner, name)

        def send(self, message):  # type: ignore[no-untyped-def]
            receipt = self.inner.send(message)
            self.sent += 1
            if self.sent == 1:
                with session_scope(small.engine) as s:
                    hold(s, get_incident(s, small.incident_id), agency="FBI", actor="responder",
                         reason="delay notice")
            return receipt

    def channels(names: list[str]):  # type: ignore[no-untyped-def]
        built = live_channels(names)
        built["email"] = HoldAfterFirst(built["email"])
        return built

    report = send(small.engine, small.incident_id, channels, actor="responder")
    assert small.sendgrid.deliveries == 1, "only the message already accepted before the hold went out"
    assert any("law_enforcement_hold" in r for r in report.refused)
    assert small.state() == "law_enforcement_hold"


def test_letters_and_filings_are_not_recorded_as_handed_over_inside_a_hold_unless_said(
        small: Scenario, home: Path) -> None:
    _ready_for_approval(small, home)
    small.approve_all()
    small.cli("run", small.incident_id)
    with session_scope(small.engine) as s:
        filing = s.scalar(select(Delivery).join(Notice).where(Notice.incident_id == small.incident_id,
                                                              Delivery.channel == "filing",
                                                              Delivery.status == "prepared"))
        assert filing is not None
        filing_id, prepared = filing.id, filing.prepared_at
    # Before the filing existed: refused.
    early = (prepared - timedelta(hours=1)).isoformat()
    out = small.cli("filed", str(filing_id), "--receipt", "portal 1", "--at", early, code=1)
    assert "before the letter or filing existed" in " ".join(out.split())
    small.cli("hold", small.incident_id, "--agency", "FBI", "--reason", "delay notice")
    out = small.cli("filed", str(filing_id), "--receipt", "portal 1", code=1)
    assert "law-enforcement hold" in " ".join(out.split())
    with session_scope(small.engine) as s:
        assert s.get(Delivery, filing_id).status == "prepared"
    # It was filed anyway: recorded as it happened, and the record says it was during the hold.
    small.cli("filed", str(filing_id), "--receipt", "portal 1", "--during-hold")
    with session_scope(small.engine) as s:
        assert s.get(Delivery, filing_id).status == "sent"
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.incident_id == small.incident_id)))
    assert "filing_recorded_during_hold" in actions


def test_a_notice_no_longer_owed_is_not_sent(small: Scenario, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _notifying_with_everything_pending(small, home, monkeypatch)
    ca = next(n for n in small.notices() if n.audience == "individual" and n.jurisdiction == "US-CA")
    # Counsel learns the Californians' data was encrypted with a key that was not taken: no state duty remains.
    facts = home / "facts.yaml"
    facts.write_text(yaml.safe_dump({"encrypted": True}))
    small.cli("update", small.incident_id, str(facts), "--reason", "the disk was encrypted; the key is safe")
    out = small.cli("notice", "send", ca.id, code=1)
    assert "no longer owed" in " ".join(out.split())
    assert small.sendgrid.deliveries == 0


def test_a_closed_incident_takes_no_more_facts_events_or_people(small: Scenario, home: Path) -> None:
    small.run_to_end(home / "extract.csv")
    small.cli("advance", small.incident_id, "close", "--reason", "all notices delivered")
    with session_scope(small.engine) as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.incident_id == small.incident_id))
    facts = home / "facts.yaml"
    facts.write_text(yaml.safe_dump({"affected_count": 99}))
    for args in (("update", small.incident_id, str(facts), "--reason", "late count"),
                 ("event", small.incident_id, "determined", "--at", "2026-01-01T00:00:00Z", "--reason", "late"),
                 ("scope", small.incident_id, str(home / "extract.csv"))):
        out = small.cli(*args, code=1)
        assert "no longer changes" in " ".join(out.split()), args
    with session_scope(small.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.incident_id == small.incident_id)) == events
