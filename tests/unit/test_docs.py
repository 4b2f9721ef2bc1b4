"""The documentation lists what the code accepts: every data element and every regime."""

from __future__ import annotations

from pathlib import Path

from breachclock.playbooks.catalog import data_elements, regimes

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_incident_file_doc_lists_every_data_element() -> None:
    text = (DOCS / "incident-file.md").read_text(encoding="utf-8")
    missing = [code for code in data_elements() if f"| `{code}` |" not in text]
    assert not missing


def test_regimes_doc_lists_every_regime() -> None:
    text = (DOCS / "regimes.md").read_text(encoding="utf-8")
    missing = [rid for rid in regimes() if f"| `{rid}` |" not in text]
    assert not missing


def test_incident_file_doc_lists_every_risk_assessment_field_and_factor() -> None:
    from breachclock.playbooks.facts import Risk
    from breachclock.playbooks.risk import known_factors

    text = (DOCS / "incident-file.md").read_text(encoding="utf-8")
    missing = [name for name in Risk.model_fields if f"| `{name}` |" not in text]
    missing += [factor for factor in known_factors() if f"`{factor}`" not in text]
    assert not missing
