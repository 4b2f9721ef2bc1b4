"""The channel types and the in-memory channel."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from breachclock.notifications.channels import Channel, DeliveryError, InMemoryChannel, Receipt

from tests.notifications.samples import RECIPIENT_EMAIL, email_message


def test_message_rejects_personal_metadata_and_unknown_channels() -> None:
    with pytest.raises(ValueError, match="ids only"):
        email_message(metadata={"email": RECIPIENT_EMAIL})
    with pytest.raises(ValueError):
        email_message(channel="fax")
    with pytest.raises(ValueError):
        email_message(key="")


def test_message_repr_hides_personal_data() -> None:
    assert RECIPIENT_EMAIL not in repr(email_message())


def test_receipt_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        Receipt("p", "id", datetime(2026, 1, 1), "accepted")  # naive: the point of the test


def test_delivery_error_text_is_built_from_safe_fields_only() -> None:
    error = DeliveryError("rejected by provider", channel="email", retryable=False, status=400, notice_id="N-1")
    assert str(error) == "email delivery failed: rejected by provider notice_id=N-1 status=400 retryable=False"


def test_delivery_error_survives_pickling() -> None:
    error = DeliveryError(
        "x", channel="sms", retryable=True, provider_code="20429", status=429, retry_after=3, maybe_delivered=False
    )
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.retryable, clone.provider_code, clone.status, clone.retry_after) == (True, "20429", 429, 3)
    assert str(clone) == str(error)


def test_in_memory_channel_is_a_channel_and_idempotent() -> None:
    channel = InMemoryChannel("email", clock=lambda: datetime(2026, 4, 1, tzinfo=UTC))
    assert isinstance(channel, Channel)
    first = channel.send(email_message("k1"))
    again = channel.send(email_message("k1", text="changed"))
    other = channel.send(email_message("k2"))

    assert again == first
    assert other.provider_message_id != first.provider_message_id
    assert [m.idempotency_key for m in channel.sent] == ["k1", "k2"]
    assert InMemoryChannel("email").send(email_message("k1")).provider_message_id == first.provider_message_id


def test_injected_failures() -> None:
    channel = InMemoryChannel("sms")
    channel.fail_next(2, retryable=False)
    for _ in range(2):
        with pytest.raises(DeliveryError) as info:
            channel.send(email_message())
        assert info.value.retryable is False
    assert channel.sent == []
    channel.send(email_message())
    assert len(channel.sent) == 1


def test_injected_failure_after_accept_looks_like_a_lost_answer() -> None:
    channel = InMemoryChannel("email")
    channel.fail_next(after_accept=True)
    with pytest.raises(DeliveryError) as info:
        channel.send(email_message("k"))
    assert (info.value.retryable, info.value.maybe_delivered) == (True, True)
    assert channel.receipt_for("k") is not None  # reconcile, don't resend
    assert channel.send(email_message("k")) == channel.receipt_for("k")
    assert len(channel.sent) == 1
