"""Signed checkpoints of each chain's head, kept outside the database (``<home>/checkpoints`` or
``BREACHCLOCK_CHECKPOINT_DIR``): truncation, forged appends and rehashes are caught against the last one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from breachclock.models.base import utcnow


def checkpoint_dir() -> Path:
    from breachclock.models.settings import get_settings

    settings = get_settings()
    return settings.checkpoint_dir.expanduser() if settings.checkpoint_dir else settings.home_dir / "checkpoints"


def _checkpoint_body(incident_id: str, seq: int, head: str, at: str, key_id: str) -> bytes:
    return json.dumps({"incident": incident_id, "seq": seq, "head": head, "at": at, "key_id": key_id},
                      sort_keys=True, separators=(",", ":")).encode()


def write_checkpoint(incident_id: str, seq: int, head: str) -> dict[str, Any]:
    """Append a signed checkpoint of the chain head to the incident's checkpoint file (owner-only)."""
    from breachclock.models.person.crypto import get_sealer

    sealer = get_sealer()
    at = utcnow().isoformat(timespec="seconds")
    line = {"incident": incident_id, "seq": seq, "head": head, "at": at, "key_id": sealer.key_id,
            "sig": sealer.sign(_checkpoint_body(incident_id, seq, head, at, sealer.key_id))}
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / f"{incident_id}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


def latest_checkpoint(incident_id: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The verified checkpoint with the highest seq, and the problems found in the file."""
    from breachclock.models.person.crypto import get_sealer, verify_signature

    path = checkpoint_dir() / f"{incident_id}.jsonl"
    if not path.exists():
        return None, []
    public = get_sealer().public_key()
    best: dict[str, Any] | None = None
    problems = []
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = json.loads(raw)
                body = _checkpoint_body(line["incident"], int(line["seq"]), line["head"], line["at"], line["key_id"])
                good = line["incident"] == incident_id and verify_signature(public, line["sig"], body)
            except (ValueError, KeyError, TypeError):
                good = False
            if not good:
                problems.append(f"checkpoint line {number} of {path} is not signed by this record's key "
                                "(forged or altered)")
                continue
            if best is None or line["seq"] > best["seq"]:
                best = line
    return best, problems
