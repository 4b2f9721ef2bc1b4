"""SendGridEmailChannel against a local fake of the v3 mail/send API."""

from __future__ import annotations

import logging

import pytest
from breachclock.notifications.channels import DeliveryError
from breachclock.notifications.sendgrid_email import SendGridEmailChannel
from pydantic import SecretStr

from tests.notifications.fakes import FakeSendGridServer
from tests.notifications.samples import BODY_SECRET, RECIPIENT_EMAIL, email_message


def channel_for(server: FakeSendGridServer, timeout: float = 5) -> SendGridEmailChannel:
    return SendGridEmailChannel(SecretStr(server.api_key), "notices@acme.test", host=server.url, timeout=timeout)


def assert_no_personal_data(text: str) -> None:
    assert RECIPIENT_EMAIL not in text
    assert BODY_SECRET not in text
    assert "Jane" not in text


def test_send_succeeds_and_passes_ids_as_custom_args(sendgrid_server: FakeSendGridServer) -> None:
    receipt = channel_for(sendgrid_server).send(email_message("key-123"))

    assert receipt.provider == "sendgrid"
    assert receipt.status == "accepted"
    assert receipt.accepted_at.tzinfo is not None
    assert receipt.provider_message_id == sendgrid_server.accepted[0].reply_headers["X-Message-Id"]
    assert sendgrid_server.deliveries == 1
    mail = sendgrid_server.accepted[0].json()
    assert mail["custom_args"] == {
        "idempotency_key": "key-123",
        "notice_id": "N-1",
        "incident_id": "I-1",
        "delivery_id": "D-1",
    }
    assert mail["personalizations"][0]["to"] == [{"email": RECIPIENT_EMAIL}]
    assert [c["type"] for c in mail["content"]] == ["text/plain", "text/html"]
    assert mail["tracking_settings"]["click_tracking"]["enable"] is False


def test_text_only_email_is_valid(sendgrid_server: FakeSendGridServer) -> None:
    channel_for(sendgrid_server).send(email_message(html=None))
    assert [c["type"] for c in sendgrid_server.accepted[0].json()["content"]] == ["text/plain"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(sendgrid_server: FakeSendGridServer, status: int) -> None:
    sendgrid_server.fail_next(status)
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server).send(email_message())
    assert info.value.retryable is True
    assert info.value.status == status
    assert info.value.notice_id == "N-1"
    assert_no_personal_data(str(info.value))


def test_rate_limit_is_retryable_with_retry_after(sendgrid_server: FakeSendGridServer) -> None:
    sendgrid_server.fail_next(429, retry_after=7)
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server).send(email_message())
    assert info.value.retryable is True
    assert info.value.status == 429
    assert info.value.retry_after == 7
    assert info.value.maybe_delivered is False


def test_bad_request_is_not_retryable_and_names_the_field_not_the_value(sendgrid_server: FakeSendGridServer) -> None:
    sendgrid_server.fail_next(
        400,
        body={"errors": [{"message": f"{RECIPIENT_EMAIL} is invalid", "field": "personalizations.0.to.0.email"}]},
    )
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server).send(email_message())
    assert info.value.retryable is False
    assert info.value.status == 400
    assert info.value.provider_code == "field:personalizations.0.to.0.email"
    assert_no_personal_data(str(info.value))
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_wrong_api_key_is_not_retryable(sendgrid_server: FakeSendGridServer) -> None:
    channel = SendGridEmailChannel(SecretStr("SG.wrong"), "notices@acme.test", host=sendgrid_server.url)
    with pytest.raises(DeliveryError) as info:
        channel.send(email_message())
    assert (info.value.status, info.value.retryable) == (401, False)
    assert sendgrid_server.deliveries == 0


def test_fake_rejects_a_request_missing_required_fields(sendgrid_server: FakeSendGridServer) -> None:
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server).send(email_message(text=""))  # content value must not be empty
    assert info.value.status == 400
    assert info.value.retryable is False


def test_missing_subject_fails_before_calling_the_provider(sendgrid_server: FakeSendGridServer) -> None:
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server).send(email_message(subject=None))
    assert info.value.retryable is False
    assert sendgrid_server.requests == []


def test_timeout_is_retryable_and_maybe_delivered(sendgrid_server: FakeSendGridServer) -> None:
    sendgrid_server.delay_next(1.5)
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server, timeout=0.3).send(email_message())
    assert info.value.retryable is True
    assert info.value.maybe_delivered is True
    assert_no_personal_data(str(info.value))


def test_lost_answer_is_retryable_and_maybe_delivered(sendgrid_server: FakeSendGridServer) -> None:
    sendgrid_server.drop_next()
    with pytest.raises(DeliveryError) as info:
        channel_for(sendgrid_server).send(email_message())
    assert (info.value.retryable, info.value.maybe_delivered) == (True, True)
    assert sendgrid_server.deliveries == 1  # the provider did take it: the outbox must reconcile


def test_connection_refused_is_retryable() -> None:
    server = FakeSendGridServer().start()
    url = server.url
    server.stop()
    channel = SendGridEmailChannel(SecretStr("SG.fake-key"), "notices@acme.test", host=url, timeout=2)
    with pytest.raises(DeliveryError) as info:
        channel.send(email_message())
    assert info.value.retryable is True


def test_nothing_personal_is_logged_even_at_debug(
    sendgrid_server: FakeSendGridServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = channel_for(sendgrid_server)
    channel.send(email_message("k-1"))
    sendgrid_server.fail_next(400, body={"errors": [{"message": f"bad {RECIPIENT_EMAIL}", "field": "x"}]})
    with pytest.raises(DeliveryError):
        channel.send(email_message("k-2"))
    assert "N-1" in caplog.text  # the notice id is what we log
    assert_no_personal_data(caplog.text)


def test_the_activity_feed_finds_a_message_by_our_key_and_is_never_certain_it_is_absent() -> None:
    from datetime import UTC, datetime

    from tests.notifications.fakes import FakeSendGridServer

    with FakeSendGridServer() as server:
        channel = SendGridEmailChannel(SecretStr(server.api_key), "from@example.test", host=server.url, timeout=5)
        absent = channel.find(email_message(key="k-1"), datetime.now(UTC))
        assert absent.receipt is None and not absent.certain  # the feed lags: "not yet" is not "never"
        channel.send(email_message(key="k-1"))
        found = channel.find(email_message(key="k-1"), datetime.now(UTC))
        assert found.receipt is not None and found.certain
        assert found.receipt.provider_message_id == server.accepted[0].reply_headers["X-Message-Id"]
    with FakeSendGridServer(activity_enabled=False) as server:
        channel = SendGridEmailChannel(SecretStr(server.api_key), "from@example.test", host=server.url, timeout=5)
        channel.send(email_message(key="k-2"))
        assert channel.find(email_message(key="k-2"), datetime.now(UTC)).receipt is None  # no add-on: cannot tell
