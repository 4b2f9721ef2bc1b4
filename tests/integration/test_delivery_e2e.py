"""Notices over the wire: the outbox against a local server speaking SendGrid's API, failures included."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from breachclock.models import Delivery, Incident, Notice
from breachclock.models.db import session_scope
from breachclock.models.incident.service import open_incident
from breachclock.models.incident.stages import STAGES, run_stage
from breachclock.models.notice.approval import decide
from breachclock.models.outbox.handover import resolve_uncertain
from breachclock.models.outbox.queue import queue
from breachclock.models.outbox.service import SendRefused, send
from breachclock.notifications.config import NotificationSettings, build_channels
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from breachclock.cli import app
from tests.factories import contained_incident_with_people
from tests.notifications.fakes import FakeSendGridServer


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGridServer() as server:
        yield server


def _channels(sendgrid: FakeSendGridServer, home: Path):  # type: ignore[no-untyped-def]
    settings = NotificationSettings(channel_backend="live", sendgrid_api_key=SecretStr("SG.fake-key"),
                                    sendgrid_host=sendgrid.url, email_from="privacy@example-law.test",
                                    postal_sender_block="Example LLP\n1 Main St\nBoston MA 02110",
                                    postal_outbox_dir=home / "letters", provider_timeout_seconds=2)
    return build_channels(settings, channels=["email", "postal"])


def _ready_to_notify(engine, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    iid = contained_incident_with_people(engine, tmp_path, 6)
    for stage in STAGES[:6]:
        run_stage(stage, iid, engine=engine)
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    assert run_stage("approval", iid, engine=engine).outcome == "done"
    return iid


def _emails(engine, iid: str) -> list[Delivery]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.scalars(select(Delivery).join(Notice).where(Notice.incident_id == iid,
                                                                  Delivery.channel == "email")))


def test_provider_failure_is_retried_once_and_nothing_is_sent_twice(engine, home, tmp_path, sendgrid) -> None:
    iid = _ready_to_notify(engine, tmp_path)
    channels = _channels(sendgrid, home)
    sendgrid.fail_next(429, retry_after=1)  # rate limited: refused, safe to send again
    first = run_stage("notification", iid, engine=engine, channels=channels)
    assert first.outcome == "waiting" and "1 to retry" in first.message
    second = run_stage("notification", iid, engine=engine, channels=channels)
    assert second.outcome == "done", second.message
    emails = _emails(engine, iid)
    assert len(emails) == 6 and sendgrid.deliveries == 6
    keys = [json.loads(r.body)["custom_args"]["idempotency_key"] for r in sendgrid.accepted]
    assert sorted(keys) == sorted(d.idempotency_key for d in emails)
    assert all(d.provider_message_id for d in emails)
    # Running the stage again sends nothing more.
    run_stage("notification", iid, engine=engine, channels=channels)
    assert sendgrid.deliveries == 6


def test_a_lost_answer_is_never_resent_until_a_person_decides(engine, home, tmp_path) -> None:
    # Without SendGrid's activity feed nothing can tell whether the lost one arrived: a person decides.
    with FakeSendGridServer(activity_enabled=False) as sendgrid:
        iid = _ready_to_notify(engine, tmp_path)
        channels = _channels(sendgrid, home)
        sendgrid.drop_next()
        result = run_stage("notification", iid, engine=engine, channels=channels)
        assert result.outcome == "waiting" and "1 in doubt" in result.message
        assert sendgrid.deliveries == 6  # the dropped one was accepted by the provider
        again = run_stage("notification", iid, engine=engine, channels=channels)
        assert sendgrid.deliveries == 6  # ... and not sent again
        assert "1 in doubt" in again.message and "settled" not in again.message  # still a doubt, not "reconciled"
        (uncertain,) = [d for d in _emails(engine, iid) if d.status == "uncertain"]
        listed = CliRunner().invoke(app, ["notice", "uncertain", iid, "--json"])
        assert [r["delivery"] for r in json.loads(listed.output)] == [uncertain.id]
        with session_scope(engine) as s:
            resolve_uncertain(s, uncertain.id, delivered=True, actor="ops",
                                     reason="SendGrid activity feed shows it delivered")
        assert run_stage("notification", iid, engine=engine, channels=channels).outcome == "done"
        assert sendgrid.deliveries == 6


def test_a_lost_answer_is_settled_from_the_providers_activity_feed(engine, home, tmp_path, sendgrid) -> None:
    iid = _ready_to_notify(engine, tmp_path)
    channels = _channels(sendgrid, home)
    sendgrid.drop_next()
    run_stage("notification", iid, engine=engine, channels=channels)
    # The next run looks the message up by our idempotency key and finds SendGrid accepted it.
    settled = run_stage("notification", iid, engine=engine, channels=channels)
    assert settled.outcome == "done" and "1 settled with the provider" in settled.message
    assert "in doubt" not in settled.message
    assert sendgrid.deliveries == 6
    assert all(d.status == "sent" and d.provider_message_id for d in _emails(engine, iid))


def test_queueing_is_idempotent_and_each_sent_message_is_content_addressed(engine, home, tmp_path,
                                                                           sendgrid) -> None:
    iid = _ready_to_notify(engine, tmp_path)
    with session_scope(engine) as s:
        ids = [n.id for n in s.scalars(select(Notice).where(Notice.incident_id == iid))]
        first = queue(s, s.get(Incident, iid), actor="t", notice_ids=ids)
    with session_scope(engine) as s:
        again = queue(s, s.get(Incident, iid), actor="t", notice_ids=ids)
    assert first.queued == 6 and again.queued == 0  # six Californians by e-mail; no threshold is met
    run_stage("notification", iid, engine=engine, channels=_channels(sendgrid, home))
    with session_scope(engine) as s:
        hashes = list(s.scalars(select(Delivery.content_hash).where(Delivery.person_id.is_not(None))))
    # Each person's message has its own content address: the hash of exactly what the provider received.
    assert len(hashes) == len(set(hashes)) == 6
    sent = {json.loads(r.body)["custom_args"]["delivery_id"]: r.json() for r in sendgrid.accepted}
    with session_scope(engine) as s:
        for d in s.scalars(select(Delivery).where(Delivery.person_id.is_not(None))):
            mail = sent[str(d.id)]
            text = next(c["value"] for c in mail["content"] if c["type"] == "text/plain")
            html = next(c["value"] for c in mail["content"] if c["type"] == "text/html")
            to = mail["personalizations"][0]["to"][0]["email"]
            parts = ("email", to, mail["subject"], text, html)
            assert d.content_hash == hashlib.sha256("\0".join(parts).encode()).hexdigest()


def test_an_approved_client_notice_goes_out_at_triage_and_is_not_sent_again(engine, home, tmp_path,
                                                                            sendgrid) -> None:
    from tests.factories import sample_facts

    client = {"id": "acme-corp", "name": "Acme", "notice_hours": 24, "notice_contact": "sec@acme.example"}
    with session_scope(engine) as s:
        discovered = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        iid = open_incident(s, sample_facts(clients=[client], discovered_at=discovered), source=b"t",
                                      playbook=None, actor="t").id
    result = run_stage("triage", iid, engine=engine)
    (notice_id,) = result.message.split("client notice(s) ")[1].split(" drafted")[0].split(", ")
    channels = _channels(sendgrid, home)
    with pytest.raises(SendRefused, match="not approved"):
        send(engine, iid, channels, actor="t", notice_ids=[notice_id])
    with session_scope(engine) as s:
        decide(s, notice_id, counsel="Jane Counsel", approve=True)
    assert send(engine, iid, channels, actor="t", notice_ids=[notice_id]).sent == 1
    with session_scope(engine) as s:
        from breachclock.models import Obligation

        contract = s.scalars(select(Obligation).where(Obligation.incident_id == iid,
                                                      Obligation.regime == "CONTRACT:acme-corp")).one()
        assert contract.fulfilled_at is not None and contract.fulfilled_at <= contract.due
        assert contract.fulfillment == "sent"
    # Later, the whole notification does not send it again.
    assert send(engine, iid, channels, actor="t", notice_ids=[notice_id]).sent == 0
    assert sendgrid.deliveries == 1
    assert sendgrid.accepted[0].json()["personalizations"][0]["to"][0]["email"] == "sec@acme.example"


def test_a_persons_letter_that_fails_a_content_rule_is_not_sent(engine, home, tmp_path, sendgrid,
                                                                 monkeypatch) -> None:
    """Counsel approved the draft; each person's own letter is checked again as it goes out. If what fits a person
    lost something a law requires (here California's agency addresses for an exposed SSN, removed from the
    guidance data after approval), their letter is refused and named, never sent."""
    import breachclock.models.outbox.messages as messages

    iid = _ready_to_notify(engine, tmp_path)
    real = messages.person_content
    monkeypatch.setattr(messages, "person_content",
                        lambda jurisdiction, elements, translation=None: {
                            **real(jurisdiction, elements, translation), "cra_contacts": []})
    result = run_stage("notification", iid, engine=engine, channels=_channels(sendgrid, home))
    assert result.outcome == "waiting" and "6 failed" in result.message, result.message
    assert sendgrid.deliveries == 0
    emails = _emails(engine, iid)
    assert {d.status for d in emails} == {"failed"}
    assert all("US-CA credit_agencies" in d.last_error and "1798.82" in d.last_error for d in emails)
    assert all("Example" not in d.last_error and "@" not in d.last_error for d in emails)
