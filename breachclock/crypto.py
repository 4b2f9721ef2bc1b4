"""Encryption of affected people's details, and the keyed hash that merges duplicates.

The key comes from ``BREACHCLOCK_ENCRYPTION_KEY``; on the embedded default it
is generated once into ``<home>/encryption.key`` (mode 0600). Lose the key and
the sealed details are unrecoverable: back it up with the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from breachclock.settings import get_settings

logger = logging.getLogger(__name__)


class KeyError_(RuntimeError):
    """The encryption key is missing, malformed or does not open the stored data."""


@dataclass(frozen=True)
class Sealer:
    fernet: Fernet
    identity_key: bytes

    def seal(self, fields: dict[str, Any]) -> bytes:
        return self.fernet.encrypt(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode())

    def unseal(self, token: bytes) -> dict[str, Any]:
        try:
            return json.loads(self.fernet.decrypt(token))
        except InvalidToken:
            raise KeyError_("the encryption key does not open this record (wrong BREACHCLOCK_ENCRYPTION_KEY?)") from None

    def identity(self, normalized: str) -> str:
        """Keyed hash of a person's normalised identity: equal people, equal keys; unreadable without the key."""
        return hmac.new(self.identity_key, normalized.encode(), hashlib.sha256).hexdigest()


def _key_file(home: Path) -> Path:
    return home / "encryption.key"


def load_or_create_key(home: Path) -> tuple[bytes, bool]:
    """The key from the environment or the key file; generates the file on first use. Returns (key, created)."""
    settings = get_settings()
    if settings.encryption_key is not None:
        return settings.encryption_key.get_secret_value().encode(), False
    path = _key_file(home)
    if path.exists():
        return path.read_bytes().strip(), False
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes racing to create the key must not end with two keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip(), False
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key, True


@cache
def get_sealer() -> Sealer:
    home = get_settings().home_dir
    key, created = load_or_create_key(home)
    if created:
        logger.warning("generated a new encryption key at %s (owner-only); back it up with the database: "
                       "without it the affected people's details cannot be read", _key_file(home))
    try:
        fernet = Fernet(key)
    except (ValueError, TypeError):
        raise KeyError_("BREACHCLOCK_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)") from None
    identity_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"breachclock identity").derive(
        base64.urlsafe_b64decode(key)
    )
    return Sealer(fernet, identity_key)
