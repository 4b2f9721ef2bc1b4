"""NotificationSettings and build_channels."""

from __future__ import annotations

from pathlib import Path

import pytest
from breachclock.notifications.channels import Channel, InMemoryChannel
from breachclock.notifications.config import ChannelConfigurationError, NotificationSettings, build_channels
from breachclock.notifications.pagerduty import PagerDutyChannel
from breachclock.notifications.postal import PostalLetterChannel
from breachclock.notifications.sendgrid_email import SendGridEmailChannel
from breachclock.notifications.twilio_sms import TwilioSmsChannel
from pydantic import SecretStr


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("BREACHCLOCK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_defaults_are_memory_and_an_outbox_under_home(tmp_path: Path) -> None:
    settings = NotificationSettings()
    assert settings.channel_backend == "memory"
    assert settings.postal_outbox_dir == tmp_path / "home" / ".breachclock" / "outbox" / "postal"


def test_breachclock_home_moves_the_outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BREACHCLOCK_HOME", str(tmp_path / "bc"))
    assert NotificationSettings().postal_outbox_dir == tmp_path / "bc" / "outbox" / "postal"


def test_settings_are_read_from_the_environment_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACHCLOCK_SENDGRID_API_KEY", "SG.secret")
    monkeypatch.setenv("BREACHCLOCK_PROVIDER_TIMEOUT_SECONDS", "3.5")
    settings = NotificationSettings()
    assert isinstance(settings.sendgrid_api_key, SecretStr)
    assert "SG.secret" not in repr(settings)
    assert settings.provider_timeout_seconds == 3.5


def test_memory_backend_builds_simulated_channels_only(tmp_path: Path) -> None:
    channels = build_channels(NotificationSettings(postal_outbox_dir=tmp_path))
    assert set(channels) == {"email", "sms", "postal", "filing", "page"}
    assert all(isinstance(c, Channel) for c in channels.values())
    # Everything the memory backend builds says it is simulated, letters and filings included (test sender).
    assert all(c.simulated for c in channels.values())
    assert isinstance(channels["email"], InMemoryChannel) and channels["email"].name == "email"
    assert isinstance(channels["postal"], PostalLetterChannel)
    assert channels["postal"].outbox_dir == tmp_path
    assert channels["filing"].outbox_dir == tmp_path.parent / "filings"


def test_live_backend_names_every_missing_variable() -> None:
    with pytest.raises(ChannelConfigurationError) as info:
        build_channels(NotificationSettings(channel_backend="live"))
    message = str(info.value)
    for var in (
        "BREACHCLOCK_SENDGRID_API_KEY",
        "BREACHCLOCK_EMAIL_FROM",
        "BREACHCLOCK_TWILIO_ACCOUNT_SID",
        "BREACHCLOCK_TWILIO_AUTH_TOKEN",
        "BREACHCLOCK_TWILIO_FROM_NUMBER",
        "BREACHCLOCK_POSTAL_SENDER_BLOCK",
        "BREACHCLOCK_PAGERDUTY_ROUTING_KEY",
    ):
        assert var in message


def test_live_backend_can_build_a_subset() -> None:
    settings = NotificationSettings(
        channel_backend="live", pagerduty_routing_key=SecretStr("R" * 32), postal_sender_block="Acme"
    )
    channels = build_channels(settings, channels=["page", "postal"])
    assert isinstance(channels["page"], PagerDutyChannel)
    assert isinstance(channels["postal"], PostalLetterChannel)
    with pytest.raises(ChannelConfigurationError, match="BREACHCLOCK_SENDGRID_API_KEY"):
        build_channels(settings, channels=["email"])


def test_live_backend_builds_the_provider_channels(tmp_path: Path) -> None:
    settings = NotificationSettings(
        channel_backend="live",
        sendgrid_api_key=SecretStr("SG.x"),
        email_from="notices@acme.test",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=SecretStr("t"),
        twilio_from_number="+14155550100",
        twilio_base_url="http://127.0.0.1:9",
        postal_outbox_dir=tmp_path,
        postal_sender_block="Acme",
        pagerduty_routing_key=SecretStr("R" * 32),
    )
    channels = build_channels(settings)
    assert isinstance(channels["email"], SendGridEmailChannel)
    assert isinstance(channels["sms"], TwilioSmsChannel)
    assert {name: c.name for name, c in channels.items()} == {n: n for n in channels}


def test_unknown_channel_is_an_error() -> None:
    with pytest.raises(ValueError, match="fax"):
        build_channels(NotificationSettings(), channels=["fax"])
