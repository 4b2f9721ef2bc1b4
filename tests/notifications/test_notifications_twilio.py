"""TwilioSmsChannel against a local fake of the Messages API."""

from __future__ import annotations

import logging

import pytest
from breachclock.notifications.channels import DeliveryError
from breachclock.notifications.twilio_sms import MAX_SMS_CHARS, TwilioSmsChannel
from pydantic import SecretStr

from tests.notifications.fakes import FakeTwilioServer
from tests.notifications.samples import BODY_SECRET, RECIPIENT_PHONE, sms_message


def channel_for(server: FakeTwilioServer, timeout: float = 5) -> TwilioSmsChannel:
    return TwilioSmsChannel(
        server.account_sid, SecretStr(server.auth_token), "+14155550100", base_url=server.url, timeout=timeout
    )


def assert_no_personal_data(text: str) -> None:
    assert RECIPIENT_PHONE not in text
    assert RECIPIENT_PHONE[1:] not in text
    assert BODY_SECRET not in text


def test_send_succeeds_with_the_sid_as_receipt(twilio_server: FakeTwilioServer) -> None:
    receipt = channel_for(twilio_server).send(sms_message())

    assert receipt.provider == "twilio"
    assert receipt.provider_message_id.startswith("SM")
    assert receipt.status == "queued"
    assert twilio_server.deliveries == 1
    form = twilio_server.accepted[0].form()
    assert form["To"] == [RECIPIENT_PHONE]
    assert form["From"] == ["+14155550100"]
    assert form["Body"] == [sms_message().text]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(twilio_server: FakeTwilioServer, status: int) -> None:
    twilio_server.fail_next(status)
    with pytest.raises(DeliveryError) as info:
        channel_for(twilio_server).send(sms_message())
    assert (info.value.retryable, info.value.status) == (True, status)
    assert info.value.provider_code == str(20500 if status == 500 else 20503)


def test_rate_limit_is_retryable_with_retry_after(twilio_server: FakeTwilioServer) -> None:
    twilio_server.fail_next(429, retry_after=3)
    with pytest.raises(DeliveryError) as info:
        channel_for(twilio_server).send(sms_message())
    assert (info.value.retryable, info.value.status, info.value.provider_code) == (True, 429, "20429")
    assert info.value.retry_after == 3


def test_invalid_number_is_not_retryable_and_the_number_is_not_repeated(twilio_server: FakeTwilioServer) -> None:
    # The fake, like Twilio, quotes the bad number in its error message.
    with pytest.raises(DeliveryError) as info:
        channel_for(twilio_server).send(sms_message(to="+0123"))
    assert (info.value.retryable, info.value.status, info.value.provider_code) == (False, 400, "21211")
    assert "+0123" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert_no_personal_data(str(info.value))


def test_wrong_token_is_not_retryable(twilio_server: FakeTwilioServer) -> None:
    channel = TwilioSmsChannel(
        twilio_server.account_sid, SecretStr("wrong"), "+14155550100", base_url=twilio_server.url
    )
    with pytest.raises(DeliveryError) as info:
        channel.send(sms_message())
    assert (info.value.status, info.value.retryable) == (401, False)


def test_long_text_is_refused_before_sending(twilio_server: FakeTwilioServer) -> None:
    with pytest.raises(DeliveryError) as info:
        channel_for(twilio_server).send(sms_message(text="x" * (MAX_SMS_CHARS + 1)))
    assert info.value.provider_code == "text_too_long"
    assert twilio_server.requests == []


def test_timeout_is_retryable_and_maybe_delivered(twilio_server: FakeTwilioServer) -> None:
    twilio_server.delay_next(1.5)
    with pytest.raises(DeliveryError) as info:
        channel_for(twilio_server, timeout=0.3).send(sms_message())
    assert (info.value.retryable, info.value.maybe_delivered) == (True, True)
    assert_no_personal_data(str(info.value))


def test_lost_answer_is_retryable_and_maybe_delivered(twilio_server: FakeTwilioServer) -> None:
    twilio_server.drop_next()
    with pytest.raises(DeliveryError) as info:
        channel_for(twilio_server).send(sms_message())
    assert (info.value.retryable, info.value.maybe_delivered) == (True, True)
    assert twilio_server.deliveries == 1


def test_nothing_personal_is_logged(twilio_server: FakeTwilioServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    channel = channel_for(twilio_server)
    channel.send(sms_message())
    with pytest.raises(DeliveryError):
        channel.send(sms_message(to="+0123"))
    assert "N-2" in caplog.text
    assert_no_personal_data(caplog.text)
    assert "+0123" not in caplog.text


def test_a_message_whose_answer_was_lost_is_found_in_the_message_list(twilio_server: FakeTwilioServer) -> None:
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(seconds=5)
    channel = channel_for(twilio_server)
    assert channel.find(sms_message(), since).receipt is None  # never sent: certainly not there
    assert channel.find(sms_message(), since).certain
    twilio_server.drop_next()
    with pytest.raises(DeliveryError) as lost:
        channel.send(sms_message())
    assert lost.value.maybe_delivered
    found = channel.find(sms_message(), since)
    assert found.receipt is not None and found.receipt.provider_message_id.startswith("SM")
    # Another text to the same number is not taken for it.
    assert channel.find(sms_message(text="a different text"), since).receipt is None
