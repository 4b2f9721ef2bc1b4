"""Settings for the delivery channels and the factory that builds them.

Everything is read from ``BREACHCLOCK_*`` environment variables when
:class:`NotificationSettings` is instantiated, never at import. The ``memory``
backend (the default) gives in-memory email, SMS and page channels and a real
postal channel (it only writes files); ``live`` gives the provider-backed
channels and refuses to start when a credential they need is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from breachclock.notifications.channels import CHANNEL_NAMES, Channel, InMemoryChannel
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "BREACHCLOCK_"
# Used on letters written by the memory backend, so a test letter can never pass for a real one.
MEMORY_SENDER_BLOCK = "breachclock test sender\n(not a real notice)"


class ChannelConfigurationError(ValueError):
    """A live channel cannot be built; the message names the missing environment variables."""


class NotificationSettings(BaseSettings):
    """Which channel backend to use and the providers' credentials and endpoints."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    channel_backend: Literal["memory", "live"] = Field(
        default="memory",
        description="'memory' keeps email, SMS and pages in memory (tests, dry runs); 'live' sends them.",
    )
    home: Path | None = Field(
        default=None,
        description="breachclock's data folder (BREACHCLOCK_HOME); defaults to ~/.breachclock.",
    )
    sendgrid_api_key: SecretStr | None = Field(default=None, description="SendGrid API key with Mail Send access.")
    sendgrid_host: str = Field(
        default="https://api.sendgrid.com",
        description="SendGrid API base URL; https://api.eu.sendgrid.com for EU data residency.",
    )
    email_from: str | None = Field(default=None, description="Verified sender address notices are sent from.")
    twilio_account_sid: str | None = Field(default=None, description="Twilio account SID (AC...).")
    twilio_auth_token: SecretStr | None = Field(default=None, description="Twilio auth token.")
    twilio_from_number: str | None = Field(default=None, description="Twilio sending number in E.164 format.")
    twilio_base_url: str | None = Field(
        default=None,
        description="Override of Twilio's API base URL (a local fake in tests); the SDK default otherwise.",
    )
    postal_outbox_dir: Path | None = Field(
        default=None,
        description="Folder the PDF letters and manifest.csv are written to; defaults to <home>/outbox/postal.",
    )
    postal_sender_block: str | None = Field(
        default=None,
        description="Return address printed on letters, lines separated by newlines; required in live mode.",
    )
    pagerduty_routing_key: SecretStr | None = Field(
        default=None, description="PagerDuty Events API v2 integration (routing) key."
    )
    pagerduty_url: str = Field(
        default="https://events.pagerduty.com/v2/enqueue", description="PagerDuty Events API v2 endpoint."
    )
    provider_timeout_seconds: float = Field(
        default=10, gt=0, description="Connect and read timeout for every provider call, in seconds."
    )

    @model_validator(mode="after")
    def _default_outbox(self) -> NotificationSettings:
        if self.postal_outbox_dir is None:
            home = self.home or Path(os.path.expanduser("~/.breachclock"))
            self.postal_outbox_dir = home / "outbox" / "postal"
        return self


def build_channels(
    settings: NotificationSettings | None = None,
    channels: Iterable[str] = CHANNEL_NAMES,
) -> dict[str, Channel]:
    """The channels named in ``channels`` (all four by default), keyed by name.

    In live mode every missing setting of every requested channel is reported at
    once, by environment variable name.
    """
    settings = settings if settings is not None else NotificationSettings()
    wanted = list(dict.fromkeys(channels))
    unknown = [name for name in wanted if name not in CHANNEL_NAMES]
    if unknown:
        raise ValueError(f"unknown channels: {unknown}")
    if settings.channel_backend == "memory":
        return {name: _memory_channel(name, settings) for name in wanted}

    missing = [var for name in wanted for var in _missing_live_settings(name, settings)]
    if missing:
        raise ChannelConfigurationError(
            "live channels need these environment variables: " + ", ".join(dict.fromkeys(missing))
        )
    return {name: _live_channel(name, settings) for name in wanted}


def _env(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


_LIVE_REQUIRED: dict[str, tuple[str, ...]] = {
    "email": ("sendgrid_api_key", "email_from"),
    "sms": ("twilio_account_sid", "twilio_auth_token", "twilio_from_number"),
    "postal": ("postal_sender_block",),
    "filing": ("postal_sender_block",),
    "page": ("pagerduty_routing_key",),
}


def _missing_live_settings(name: str, settings: NotificationSettings) -> list[str]:
    missing = []
    for field in _LIVE_REQUIRED[name]:
        value = getattr(settings, field)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not value:
            missing.append(_env(field))
    return missing


def _outbox_dir(settings: NotificationSettings, name: str) -> Path:
    assert settings.postal_outbox_dir is not None  # filled in by the validator
    # Filings go beside the letters: the same outbox root, their own folder.
    return settings.postal_outbox_dir if name == "postal" else settings.postal_outbox_dir.parent / "filings"


def _memory_channel(name: str, settings: NotificationSettings) -> Channel:
    # Imported here so the memory backend never loads reportlab unless postal is asked for.
    if name in ("postal", "filing"):
        from breachclock.notifications.postal import FilingChannel, PostalLetterChannel

        kind = PostalLetterChannel if name == "postal" else FilingChannel
        return kind(_outbox_dir(settings, name), MEMORY_SENDER_BLOCK, simulated=True)
    return InMemoryChannel(name)


def _live_channel(name: str, settings: NotificationSettings) -> Channel:
    # The SDKs are imported only when a live channel is built.
    timeout = settings.provider_timeout_seconds
    if name == "email":
        from breachclock.notifications.sendgrid_email import SendGridEmailChannel

        assert settings.sendgrid_api_key is not None and settings.email_from is not None
        return SendGridEmailChannel(
            settings.sendgrid_api_key, settings.email_from, host=settings.sendgrid_host, timeout=timeout
        )
    if name == "sms":
        from breachclock.notifications.twilio_sms import TwilioSmsChannel

        assert settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number
        return TwilioSmsChannel(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from_number,
            base_url=settings.twilio_base_url,
            timeout=timeout,
        )
    if name in ("postal", "filing"):
        from breachclock.notifications.postal import FilingChannel, PostalLetterChannel

        assert settings.postal_sender_block is not None
        kind = PostalLetterChannel if name == "postal" else FilingChannel
        return kind(_outbox_dir(settings, name), settings.postal_sender_block)
    from breachclock.notifications.pagerduty import PagerDutyChannel

    assert settings.pagerduty_routing_key is not None
    return PagerDutyChannel(settings.pagerduty_routing_key, url=settings.pagerduty_url, timeout=timeout)
