"""A scenario runs against local SendGrid and Twilio servers, with live channels and real PDF letters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notifications.fakes import FakeSendGridServer, FakeTwilioServer


@pytest.fixture
def providers(home: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
              ) -> Iterator[tuple[FakeSendGridServer, FakeTwilioServer]]:
    with FakeSendGridServer() as sendgrid, FakeTwilioServer() as twilio:
        for name, value in {
            "BREACHCLOCK_CHANNEL_BACKEND": "live",
            "BREACHCLOCK_SENDGRID_API_KEY": sendgrid.api_key,
            "BREACHCLOCK_SENDGRID_HOST": sendgrid.url,
            "BREACHCLOCK_EMAIL_FROM": "privacy@harborpine.test",
            "BREACHCLOCK_TWILIO_ACCOUNT_SID": twilio.account_sid,
            "BREACHCLOCK_TWILIO_AUTH_TOKEN": twilio.auth_token,
            "BREACHCLOCK_TWILIO_FROM_NUMBER": "+13125550999",
            "BREACHCLOCK_TWILIO_BASE_URL": twilio.url,
            "BREACHCLOCK_POSTAL_SENDER_BLOCK": "Harbor & Pine LLP\n1 Wacker Drive\nChicago, IL 60601",
            "BREACHCLOCK_PROVIDER_TIMEOUT_SECONDS": "5",
        }.items():
            monkeypatch.setenv(name, value)
        yield sendgrid, twilio
