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
    assert "an exercise" in text and "simulated" in text
    # The demo keeps its data apart: its own home, never the configured one.
    assert not (home / "breachclock.db").exists()
    (dossier,) = (home / "demo" / "reports").glob("*/dossier.json")
    data = json.loads(dossier.read_text())
    assert data["incident"]["status"] == "notified" and data["audit"]["chain_ok"]
    # Simulated, never met: an exercise's duties are marked simulated.
    contract = next(d for d in data["decisions"] if d["regime"] == "CONTRACT:acme-corp")
    assert contract["fulfillment"] == "simulated"
    assert all(d["fulfillment"] in ("simulated", "documented", None) for d in data["decisions"])
    # The dossier is for regulators: it must not carry the affected people's details.
    assert "@example.test" not in dossier.read_text()
    # Documents people read: the decision record with its clocks' timeline, and each notice's previews.
    import pypdf
    import pypdfium2

    reports = dossier.parent
    record = " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(reports / "decision-record.pdf").pages)
    assert f"Decision record: {data['incident']['id']}" in record and "Every rule considered" in record
    assert "CONTRACT:acme-corp" in record and "Morgan Alvarez" in record and "audit chain intact" in record
    assert "@example.test" not in record
    chart = pypdfium2.PdfDocument(str(reports / "decision-record.pdf"))[0].render(scale=1).to_pil().convert("RGB")
    assert (0x9E, 0xCA, 0xE1) in {c for _, c in chart.getcolors(maxcolors=1 << 20)}  # the bars of the timeline
    ca = next(n for n in data["notices"] if n["audience"] == "individual" and n["jurisdiction"] == "US-CA")
    letter = " ".join((p.extract_text() or "") for p in pypdf.PdfReader(reports / "notices" / f"{ca['id']}.postal.pdf").pages)
    assert "Notice of Data Breach" in letter and "What Happened" in letter
    checks = (reports / "notices" / f"{ca['id']}.checks.txt").read_text()
    assert "ok: US-CA" in checks and "FAILED" not in checks
    # Californians and Texans who asked for Spanish: their own letter, Spanish first, then the English notice
    es = [n for n in data["notices"] if n["audience"] == "individual" and n["jurisdiction"] == "US-CA"
          and "Estimado" in (reports / "notices" / f"{n['id']}.email.txt").read_text(encoding="utf-8")]
    assert len(es) == 1
    spanish = (reports / "notices" / f"{es[0]['id']}.email.txt").read_text(encoding="utf-8")
    assert "Qué sucedió" in spanish and "What Happened" in spanish and "número de Seguro Social" in spanish
    # The two Californians with no usable contact: California's substitute notice (website posting and media)
    (sub,) = [n for n in data["notices"] if n["audience"] == "substitute"]
    assert sub["jurisdiction"] == "US-CA"
    # Quebec's residents: one letter, in French, under PIPEDA and Quebec's Act together
    (qc,) = [n for n in data["notices"] if n["audience"] == "individual" and n["jurisdiction"] == "CA-QC"]
    french = (reports / "notices" / f"{qc['id']}.email.txt").read_text(encoding="utf-8")
    assert "Ce qui s'est passé" in french and "Commission d'accès à l'information du Québec" in french
    assert "Commissariat à la protection de la vie privée du Canada" in french

    # The filing packages for the regulators, written at the end: counts only, no person's details.
    assert "filing packages: 9" in text  # six US filings, and Canada's and Quebec's commissioners
    packages = sorted((home / "demo" / "reports").glob("*/filings/*.json"))
    assert {p.stem for p in packages} >= {"US-CA.attorney_general", "US-MA.attorney_general", "US-NY.attorney_general"}
    for p in packages:
        assert "@example.test" not in p.read_text() and "Elm Street" not in p.read_text()
        assert p.with_suffix(".pdf").is_file()
