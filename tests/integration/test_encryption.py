"""The encryption key: generated once with owner-only permissions, taken from the environment when set."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from models import crypto
from models.settings import get_settings


def test_key_is_generated_once_owner_only(home) -> None:
    sealer = crypto.get_sealer()
    key_file = home / "encryption.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = sealer.seal({"full_name": "Ada Lovelace"})
    assert b"Ada" not in token
    crypto.get_sealer.cache_clear()
    again = crypto.get_sealer()
    assert again.unseal(token) == {"full_name": "Ada Lovelace"}
    assert again.identity("ada lovelace") == sealer.identity("ada lovelace")


def test_environment_key_wins_and_a_wrong_key_fails_clearly(home, monkeypatch) -> None:
    token = crypto.get_sealer().seal({"email": "ada@example.test"})
    monkeypatch.setenv("BREACHCLOCK_ENCRYPTION_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
    with pytest.raises(crypto.KeyError_, match="does not open") as exc:
        crypto.get_sealer().unseal(token)
    assert "ada@" not in str(exc.value)


def test_invalid_environment_key_is_rejected(home, monkeypatch) -> None:
    monkeypatch.setenv("BREACHCLOCK_ENCRYPTION_KEY", "not-a-key")
    get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
    with pytest.raises(crypto.KeyError_, match="not a valid key"):
        crypto.get_sealer()
