"""``breachclock scope``: import the affected people from an extract, and report who they are by law."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from breachclock.cli.output import BadInput, console, engine, err, print_json, table

app = typer.Typer()


@app.command()
def scope(
    incident_id: str,
    records_file: Annotated[Path | None, typer.Argument(help="CSV, JSON Lines or .xlsx extract of exposed records.")]
    = None,
    mapping: Annotated[Path | None, typer.Option(help="Column mapping YAML (overrides auto-detection).")] = None,
    encoding: Annotated[str | None, typer.Option(help="File encoding (default UTF-8).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: detected).")] = None,
    element: Annotated[list[str] | None, typer.Option(help="Data element exposed for every row (repeatable).")]
    = None,
    accept_rejected: Annotated[bool, typer.Option(help="Import the good rows even if some are rejected.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Print counts per jurisdiction and element combination.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
    via_flow: Annotated[bool, typer.Option("--flow", help="Run the chunks as Prefect tasks (the scope-records "
                                           "flow; on Dask when BREACHCLOCK_DASK_ADDRESS is set).")] = False,
    data_set: Annotated[str | None, typer.Option(help="The incident's data set every row belongs to (unless "
                                                 "the file has a data_set or client column).")] = None,
) -> None:
    """Import the affected people (encrypted at rest), derive per-jurisdiction counts, re-evaluate the law."""
    from breachclock.models.db import session_scope
    from breachclock.models.scoping.errors import ScopingError
    from breachclock.models.scoping.report import scoping_report

    try:
        if records_file is not None:
            _import(incident_id, records_file, via_flow, mapping=mapping, encoding=encoding, delimiter=delimiter,
                    elements=element or (), accept_rejected=accept_rejected, data_set=data_set)
    except ScopingError as exc:
        raise BadInput(str(exc)) from None
    if not (report or as_json or records_file is None):
        return
    with session_scope(engine()) as session:
        data = scoping_report(session, incident_id)
    if as_json:
        print_json(data)
        return
    console.print(table(f"People of {incident_id} by jurisdiction ({data['total']:,} in total)",
                        ("jurisdiction", "people"), [(c, f"{n:,}") for c, n in data["by_jurisdiction"].items()]))
    console.print(table("By exposed-element combination", ("elements", "people"),
                        [(c, f"{n:,}") for c, n in data["by_elements"].items()]))
    console.print(table("Covered under each law (its own definition of personal information)",
                        ("regime", "covered", "not covered"),
                        [(r, f"{i['covered']:,}", f"{i['not_covered']:,}") for r, i in data["regimes"].items()]))


def _import(incident_id: str, records_file: Path, via_flow: bool, *, mapping: Path | None, **options: Any) -> None:
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.scoping.store import import_records
    from breachclock.models.settings import current_actor

    with session_scope(engine()) as session:
        get_incident(session, incident_id)
    if via_flow:
        from breachclock.flows.runtime import configure_prefect, quiet_runs

        configure_prefect()
        from breachclock.flows.scoping import configured_flow

        options["elements"] = list(options["elements"]) or None
        with quiet_runs():
            summary = configured_flow()(incident_id, str(records_file.resolve()),
                                        mapping_file=str(mapping) if mapping else None, **options)
        console.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items() if k != "timings"))
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from breachclock.models.scoping.store import ImportProgress

    try:
        size = records_file.stat().st_size
    except OSError as exc:
        raise BadInput(f"{records_file}: cannot read ({exc.strerror})") from None
    started = time.perf_counter()
    # Reading is measured in bytes of the file, recording in people; the commit that follows cannot be measured.
    columns = (TextColumn("{task.description:<10}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rate]}"), TimeRemainingColumn(elapsed_when_finished=True))
    with Progress(*columns, console=err, transient=True) as progress, session_scope(engine()) as session:
        bar = progress.add_task("reading", total=size or 1, rate="")
        phase = ["reading", started, started]  # phase, when it began, the last report

        def on_progress(p: ImportProgress) -> None:
            now = time.perf_counter()
            if p.phase != phase[0]:  # a new phase, a new bar: its rate and time left are its own
                phase[:2] = [p.phase, phase[2]]  # it began when the last report of the one before came
                progress.reset(bar, description=p.phase, total=max(p.total, 1))
            phase[2] = now
            elapsed = max(now - phase[1], 1e-6)
            rate = {"reading": f"{p.rows:,} rows, {p.done / elapsed / 1e6:,.1f} MB/s",
                    "recording": f"{p.done:,} people, {p.done / elapsed:,.0f}/s"}.get(p.phase, "")
            progress.update(bar, completed=p.done, total=max(p.total, 1), rate=rate)

        result = import_records(session, incident_id, records_file, mapping_file=mapping, on_progress=on_progress,
                                actor=current_actor(), **options)
        progress.reset(bar, description="committing", total=None, rate="")
    elapsed = time.perf_counter() - started
    console.print(f"{result.rows:,} rows ({size / 1e6:,.1f} MB) in {elapsed:,.1f} s "
                  f"({result.rows / max(elapsed, 1e-6):,.0f} rows/s): {result.people_new:,} new people, "
                  f"{result.people_merged:,} merged with earlier imports, {result.rejected:,} rejected, "
                  f"{result.people_total:,} in total, {result.unknown_residency:,} with unknown residency"
                  + (f"\nrow report: {escape(str(result.report_path))}" if result.report_path else ""))
