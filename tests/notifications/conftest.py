"""Fixtures for the notification tests: the local provider fakes, one per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.fakes import FakePagerDutyServer, FakeSendGridServer, FakeTwilioServer


@pytest.fixture
def sendgrid_server() -> Iterator[FakeSendGridServer]:
    with FakeSendGridServer() as server:
        yield server


@pytest.fixture
def twilio_server() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer() as server:
        yield server


@pytest.fixture
def pagerduty_server() -> Iterator[FakePagerDutyServer]:
    with FakePagerDutyServer() as server:
        yield server
