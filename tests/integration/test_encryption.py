"""The encryption key: generated once with owner-only permissions, taken from the environment when set."""

from __future__ import annotations

import stat

import pytest
from breachclock.models.person import crypto
from breachclock.models.settings import get_settings
from cryptography.fernet import Fernet


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


def _cli(*args: str):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from breachclock.cli import app

    return CliRunner().invoke(app, list(args))


def _fresh_process_caches() -> None:
    from breachclock.models.db import forget_engines

    get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
    forget_engines()


def test_a_lost_key_is_never_regenerated_over_existing_data(database_url, home, open_incident) -> None:
    open_incident()
    (home / "encryption.key").unlink()
    _fresh_process_caches()
    result = _cli("status")
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = " ".join(result.output.split())
    assert "encryption key is missing" in said and "Restore the key file" in said
    assert not (home / "encryption.key").exists()  # no new key was made


def test_a_wrong_key_is_named_not_used(database_url, home, open_incident, monkeypatch) -> None:
    open_incident()
    monkeypatch.setenv("BREACHCLOCK_ENCRYPTION_KEY", Fernet.generate_key().decode())
    _fresh_process_caches()
    result = _cli("status")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is not the key this record was written with" in " ".join(result.output.split())


def test_the_record_and_its_folder_are_owner_only(engine, home, open_incident) -> None:
    open_incident()
    if engine.dialect.name == "sqlite":
        assert stat.S_IMODE((home / "breachclock.db").stat().st_mode) == 0o600
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "checkpoints").stat().st_mode) == 0o700
    for checkpoint in (home / "checkpoints").iterdir():
        assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
