"""The fakes require what the providers' published OpenAPI specs require: run with BREACHCLOCK_CONTRACTS_DIR
naming a folder holding ``sendgrid_v3_mail_send.json`` and ``twilio_api_v2010_messages.json`` (skipped otherwise)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.notifications.fakes import SENDGRID_REQUIRED_FIELDS, TWILIO_REQUIRED_FIELDS

CONTRACTS = Path(os.environ.get("BREACHCLOCK_CONTRACTS_DIR") or "contracts-not-given")


def load(name: str) -> dict:
    path = CONTRACTS / name
    if not path.exists():
        pytest.skip(f"contract file {path} not found (set BREACHCLOCK_CONTRACTS_DIR)")
    return json.loads(path.read_text(encoding="utf-8"))


def test_sendgrid_fake_requires_the_contract_fields() -> None:
    spec = load("sendgrid_v3_mail_send.json")
    schema = spec["paths"]["/v3/mail/send"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == set(SENDGRID_REQUIRED_FIELDS)


def test_twilio_fake_requires_the_contract_fields() -> None:
    spec = load("twilio_api_v2010_messages.json")
    post = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["post"]
    schema = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(schema["required"]) == set(TWILIO_REQUIRED_FIELDS)
    assert "201" in post["responses"]
