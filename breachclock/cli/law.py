"""Commands about the law as data: the regimes, their versions, effective dates and citations."""

from __future__ import annotations

from typing import Annotated

import typer

from breachclock.cli.output import console, print_json, table

rules_app = typer.Typer(no_args_is_help=True, help="The law as data: regimes and their versions.")


@rules_app.command("list")
def rules_list(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """Every regime with its versions, effective dates, status, confidence and citation."""
    from breachclock.playbooks.catalog import regimes

    rows = [{"regime": r.id, "version": v.version, "effective_from": str(v.effective_from),
             "effective_to": str(v.effective_to) if v.effective_to else None, "status": v.status,
             "confidence": v.confidence, "citation": v.citation}
            for r in regimes().values() for v in r.versions]
    if as_json:
        print_json(rows)
        return
    console.print(table("Regimes", ("regime", "version", "effective", "status", "confidence", "citation"),
                        [(r["regime"], r["version"], f"{r['effective_from']} → {r['effective_to'] or 'in force'}",
                          r["status"], r["confidence"], r["citation"]) for r in rows]))
