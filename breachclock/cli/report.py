"""``breachclock report``: the filing package of each regulator duty (its form's fields filled from the record,
what is missing, the deadline, the sample notice where the law asks for a copy), as PDF and JSON."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from breachclock.cli.output import console, engine, print_json, table

app = typer.Typer()


@app.command("report")
def report(
    incident_id: str,
    regulator: Annotated[str | None, typer.Option("--regulator", metavar="REGIME",
                                                  help="Only this regime's regulator duties (e.g. US-TX).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="List the packages written as JSON.")] = False,
) -> None:
    """Write a filing package (PDF and JSON, no personal data) for every regulator duty of the incident into its
    report folder, and list each form's filled and missing fields."""
    from breachclock.models.db import session_scope
    from breachclock.models.report.filing_document import filings_dir, write_packages

    with session_scope(engine()) as session:
        written = write_packages(session, incident_id, regulator)
    if as_json:
        print_json([{"obligation": w.obligation_id, "regime": w.regime, "rule": w.rule, "jurisdiction": w.jurisdiction,
                     "form": w.form, "form_kind": w.form_kind, "required": w.required,
                     "required_filled": w.required_filled, "missing": w.missing, "pdf": str(w.pdf),
                     "json": str(w.json), "pdf_sha256": w.pdf_sha256, "json_sha256": w.json_sha256} for w in written])
        return
    if not written:
        console.print(f"{escape(incident_id)} has no regulator duty that is owed or undecided: nothing written")
        return
    console.print(table(f"Filing packages of {incident_id}", ("regime", "form", "filled/required", "missing", "file"),
                        [(f"{w.regime} {w.rule}" + (f" [{w.jurisdiction}]" if w.jurisdiction != w.regime else ""),
                          w.form + (" (generic: no form encoded)" if w.form_kind == "generic" else ""),
                          f"{w.required_filled}/{w.required}", w.missing, str(w.pdf)) for w in written]))
    console.print(f"{len(written)} package(s), PDF and JSON, in {escape(str(filings_dir(incident_id)))}",
                  highlight=False)
