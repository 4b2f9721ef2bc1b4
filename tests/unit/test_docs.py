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


def test_regimes_doc_states_each_version_as_the_data_does() -> None:
    """The version histories and review counts in docs/regimes.md are the data's, not an old copy of them."""
    import re

    text = (DOCS / "regimes.md").read_text(encoding="utf-8")
    wrong = []
    for rid, regime in regimes().items():
        versions = sorted((str(v.effective_from), v.confidence, v.reviewed_on is not None) for v in regime.versions)
        reviewed = f"{sum(r for *_, r in versions)}/{len(versions)}"
        row = next(line for line in text.splitlines() if line.startswith(f"| `{rid}` |"))
        if not row.rstrip().endswith(f"| {reviewed} |"):
            wrong.append(f"{rid}: table says {row.rsplit('|', 2)[-2].strip()}, data {reviewed}")
        history = next((line for line in text.splitlines() if line.startswith(f"- `{rid}`: ")), "")
        said = re.findall(r"(\d{4}-\d{2}-\d{2}) \((?:not in force, )?(low|medium|high)(, reviewed)?\)", history)
        if [(d, c, bool(r)) for d, c, r in said] != versions:
            wrong.append(f"{rid}: history says {said}, data {versions}")
    assert not wrong, "\n".join(wrong)
