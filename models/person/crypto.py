"""Encryption of affected people's details, and the keyed hash that merges duplicates.

The key comes from ``BREACHCLOCK_ENCRYPTION_KEY`` (32 bytes, url-safe base64, as ``Fernet.generate_key()``
makes); on the embedded default it is generated once into ``<home>/encryption.key`` (mode 0600). Two keys
are derived from it with HKDF: one for AES-256-GCM (authenticated encryption; a random 96-bit nonce per
record), one for the HMAC-SHA256 identity hash. Lose the key and the sealed details are unrecoverable:
back it up with the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from breachclock.models.settings import get_settings
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger(__name__)

_FORMAT = b"\x01"  # sealed record layout: format byte, 12-byte nonce, ciphertext with its GCM tag


class KeyError_(RuntimeError):
    """The encryption key is missing, malformed or does not open the stored data."""


@dataclass(frozen=True)
class Sealer:
    aead: AESGCM
    identity_mac: hmac.HMAC
    chain_mac: hmac.HMAC
    """Keys the audit chain: without the key nobody can write an event that verifies."""
    signing_key: Ed25519PrivateKey
    """Signs checkpoints of the chain kept outside the database."""
    key_id: str
    """A public fingerprint of the key (stored with the record: a wrong key is named, never used)."""

    def seal_bytes(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(12)
        return _FORMAT + nonce + self.aead.encrypt(nonce, plaintext, None)

    def seal(self, fields: dict[str, Any]) -> bytes:
        return self.seal_bytes(json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())

    def unseal(self, token: bytes) -> dict[str, Any]:
        token = bytes(token)
        if token[:1] != _FORMAT:
            raise KeyError_("not a sealed record of a format this version reads")
        try:
            return json.loads(self.aead.decrypt(token[1:13], token[13:], None))
        except InvalidTag:
            raise KeyError_("the encryption key does not open this record (wrong BREACHCLOCK_ENCRYPTION_KEY?)") from None

    def identity_digest(self, normalized: str) -> bytes:
        """Keyed hash of a person's normalised identity: equal people, equal keys; unreadable without the key."""
        mac = self.identity_mac.copy()  # the key's pads are hashed once, not per person
        mac.update(normalized.encode())
        return mac.digest()

    def identity(self, normalized: str) -> str:
        return self.identity_digest(normalized).hex()

    def chain_hash(self, canonical: bytes) -> str:
        mac = self.chain_mac.copy()
        mac.update(canonical)
        return mac.hexdigest()

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.signing_key.sign(data)).decode()

    def public_key(self) -> str:
        """The checkpoint verification key, raw Ed25519, base64 (safe to publish)."""
        return base64.b64encode(self.signing_key.public_key().public_bytes_raw()).decode()


def verify_signature(public_key: str, signature: str, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(base64.b64decode(signature), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _key_file(home: Path) -> Path:
    return home / "encryption.key"


class KeyMissing(KeyError_):
    """No key, but the record holds data written with one: generating a new key would orphan it."""


def load_or_create_key(home: Path, *, may_create: bool = True) -> tuple[bytes, bool]:
    """The key from the environment or the key file; generates the file on first use. Returns (key, created).

    ``may_create`` False (the record already holds data sealed or chained with a key) refuses instead of
    generating a new key over it.
    """
    settings = get_settings()
    if settings.encryption_key is not None:
        return settings.encryption_key.get_secret_value().encode(), False
    path = _key_file(home)
    if path.exists():
        return _read_key(path), False
    if not may_create:
        raise KeyMissing(f"the encryption key is missing ({path} does not exist and BREACHCLOCK_ENCRYPTION_KEY is "
                         "not set), but the record holds data written with it. Restore the key file from your backup "
                         "(or set BREACHCLOCK_ENCRYPTION_KEY); a new key is never generated over existing data")
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes racing to create the key must not end with two keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path), False
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key, True


def _read_key(path: Path) -> bytes:
    # A key is 44 characters; reading more would let a wrong path (a device, a huge file) exhaust memory.
    with path.open("rb") as fh:
        return fh.read(256).strip()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


@cache
def get_sealer(*, may_create: bool = True) -> Sealer:
    home = get_settings().home_dir
    key, created = load_or_create_key(home, may_create=may_create)
    if created:
        logger.warning("generated a new encryption key at %s (owner-only); back it up with the database: "
                       "without it the affected people's details cannot be read", _key_file(home))
    try:
        master = base64.urlsafe_b64decode(key)
    except (binascii.Error, ValueError):
        master = b""
    if len(master) != 32:
        raise KeyError_("BREACHCLOCK_ENCRYPTION_KEY is not a valid key (32 bytes, url-safe base64)")
    return Sealer(AESGCM(_derive(master, b"breachclock seal v1")),
                  hmac.new(_derive(master, b"breachclock identity"), digestmod=hashlib.sha256),
                  hmac.new(_derive(master, b"breachclock audit chain v1"), digestmod=hashlib.sha256),
                  Ed25519PrivateKey.from_private_bytes(_derive(master, b"breachclock checkpoint signing v1")),
                  _derive(master, b"breachclock key id v1").hex()[:16])
