"""PagerDutyChannel against a local fake of the Events API v2."""

from __future__ import annotations

import pytest
from breachclock.notifications.channels import DeliveryError, OutgoingMessage
from breachclock.notifications.pagerduty import PagerDutyChannel
from pydantic import SecretStr

from tests.notifications.fakes import FakePagerDutyServer


def page(key: str = "incident-I-1-page-1") -> OutgoingMessage:
    return OutgoingMessage(
        channel="page",
        to="privacy-oncall",
        subject="Breach I-1: individual notice deadline in 24 hours",
        text="Approve notice N-9 in breachclock.",
        html=None,
        idempotency_key=key,
        metadata={"incident_id": "I-1", "notice_id": "N-9"},
    )


def channel_for(server: FakePagerDutyServer, timeout: float = 5) -> PagerDutyChannel:
    return PagerDutyChannel(SecretStr(server.routing_key), url=server.enqueue_url, timeout=timeout)


def test_trigger_uses_the_idempotency_key_as_dedup_key(pagerduty_server: FakePagerDutyServer) -> None:
    channel = channel_for(pagerduty_server)
    first = channel.send(page())
    second = channel.send(page())

    assert first.provider == "pagerduty"
    assert first.provider_message_id == second.provider_message_id == "incident-I-1-page-1"
    assert pagerduty_server.alerts == {"incident-I-1-page-1": 2}  # PagerDuty folds them into one alert
    event = pagerduty_server.accepted[0].json()
    assert event["event_action"] == "trigger"
    assert event["payload"]["summary"].startswith("Breach I-1")
    assert event["payload"]["custom_details"]["notice_id"] == "N-9"


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, True), (400, False)])
def test_error_mapping(pagerduty_server: FakePagerDutyServer, status: int, retryable: bool) -> None:
    pagerduty_server.fail_next(status, retry_after=2 if status == 429 else None)
    with pytest.raises(DeliveryError) as info:
        channel_for(pagerduty_server).send(page())
    assert (info.value.status, info.value.retryable) == (status, retryable)
    if status == 429:
        assert info.value.retry_after == 2
        assert info.value.provider_code == "throttle event"


def test_wrong_routing_key_is_not_retryable(pagerduty_server: FakePagerDutyServer) -> None:
    channel = PagerDutyChannel(SecretStr("wrong"), url=pagerduty_server.enqueue_url)
    with pytest.raises(DeliveryError) as info:
        channel.send(page())
    assert (info.value.status, info.value.retryable, info.value.provider_code) == (400, False, "invalid event")


def test_timeout_is_retryable(pagerduty_server: FakePagerDutyServer) -> None:
    pagerduty_server.delay_next(1.5)
    with pytest.raises(DeliveryError) as info:
        channel_for(pagerduty_server, timeout=0.3).send(page())
    assert (info.value.retryable, info.value.maybe_delivered) == (True, True)
