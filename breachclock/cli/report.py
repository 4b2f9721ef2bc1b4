"""``breachclock report``: the filing package of each regulator duty (its form's fields filled from the record,
what is missing, the deadline, the sample notice where the law asks for a copy), as PDF and JSON."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from breachclock.cli.output import console, engine, table

app = typer.Typer()


@app.command("report")
def report(
    incident_id: str,
    regulator: Annotated[str | None, typer.Option("--regulator", metavar="REGIME",
                                                  help="Only this regime's regulator duties (e.g. US-TX).")] = None,
) -> None:
    """Write a filing package (PDF and JSON, no personal data) for every regulator duty of the incident into its
    report folder, and list each form's filled and missing fields."""
    from breachclock.models.db import session_scope
    from breachclock.models.report.filing_document import filings_dir, write_packages

    with session_scope(engine()) as session:
        written = write_packages(session, incident_id, regulator)
    if not written:
        console.print(f"{escape(incident_id)} has no regulator duty that is owed or undecided: nothing written")
        return
    console.print(table(f"Filing packages of {incident_id}", ("regime", "form", "filled/required", "missing", "file"),
                        [(f"{w.regime} {w.rule}" + (f" [{w.jurisdiction}]" if w.jurisdiction != w.regime else ""),
                          w.form + (" (generic: no form encoded)" if w.form_kind == "generic" else ""),
                          f"{w.required_filled}/{w.required}", w.missing, str(w.pdf)) for w in written]))
    console.print(f"{len(written)} package(s), PDF and JSON, in {escape(str(filings_dir(incident_id)))}",
                  highlight=False)
