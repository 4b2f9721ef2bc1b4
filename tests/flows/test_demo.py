"""`breachclock demo` — the README's first command — runs a sample incident to notified."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

pytestmark = pytest.mark.slow


def test_demo_reaches_notified_with_an_intact_chain_and_a_dossier(prefect_harness, home) -> None:
    from breachclock.demo import run_demo

    console = Console(record=True, width=160)
    assert run_demo(console) == 0
    text = console.export_text()
    assert "is notified" in text and "audit chain: intact" in text
    (dossier,) = (home / "reports").glob("*/dossier.json")
    data = json.loads(dossier.read_text())
    assert data["incident"]["status"] == "notified" and data["audit"]["chain_ok"]
    assert any(d["regime"] == "CONTRACT:acme-corp" and d["fulfilled_at"] for d in data["decisions"])
    # The dossier is for regulators: it must not carry the affected people's details.
    assert "@example.test" not in dossier.read_text()
