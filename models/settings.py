"""Typed settings for breachclock, read from ``BREACHCLOCK_*`` environment variables.

Nothing is read at import time: call :func:`get_settings` (cached; tests call
``get_settings.cache_clear()`` after changing the environment).
"""

from __future__ import annotations

import getpass
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BREACHCLOCK_", extra="ignore")

    home: Path = Field(
        default=Path("~/.breachclock"),
        description="Data directory: the embedded SQLite database, the generated encryption key, outputs.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the legal record, e.g. postgresql+psycopg://user@host/db. "
        "Default: SQLite file breachclock.db in the data directory.",
    )
    encryption_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, url-safe base64, from which the keys encrypting affected people's details "
        "and hashing their identities are derived. "
        "Default: generated once into <home>/encryption.key with owner-only permissions.",
    )
    policy_target_days: int = Field(
        default=30,
        ge=1,
        description="The firm's own target for notices the law gives no fixed deadline; shown as policy, never as law.",
    )
    checkpoint_dir: Path | None = Field(
        default=None,
        description="Where signed checkpoints of every audit chain are appended. Default: <home>/checkpoints. Point "
        "it at storage the database's administrators cannot rewrite (another machine, WORM storage).",
    )
    actor: str | None = Field(
        default=None, description="Who is acting at this terminal (recorded in the audit log). Default: the OS user."
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    def resolved_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.home_dir / 'breachclock.db'}"


@cache
def get_settings() -> Settings:
    return Settings()


def current_actor() -> str:
    return get_settings().actor or f"{getpass.getuser()} (local)"
