"""Commands about the legal record itself: verify it, read its audit trail, write its decision record."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from breachclock.cli.output import console, engine, err, fail, print_json, table

audit_app = typer.Typer(no_args_is_help=True, help="The keyed, hash-chained audit log and its signed checkpoints.")


@audit_app.command("verify")
def audit_verify(incident_id: str) -> None:
    """Recompute the incident's keyed chain, check it against its last signed checkpoint, check the record tables
    and the database's protective triggers against it; name every problem (exit 1)."""
    from breachclock.models.audit import checkpoint_dir, verify_chain
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident

    with session_scope(engine()) as session:
        get_incident(session, incident_id)
        report = verify_chain(session, incident_id)
    if report.ok:
        console.print(f"[green]audit chain intact[/]: {report.events} event(s), record matches the chain, "
                      f"checkpointed at #{report.checkpoint_seq} in {escape(str(checkpoint_dir()))}"
                      + (f" ({report.legacy_events} early event(s) written before the chain was keyed)"
                         if report.legacy_events else ""))
        return
    for problem in report.problems:
        err.print(f"[bold red]problem:[/] {escape(problem)}", highlight=False)
    fail(f"audit chain broken: {len(report.problems)} problem(s)"
         + (f", first at event id {report.event_id}" if report.event_id else ""), 1)


@audit_app.command("log")
def audit_log(incident_id: str,
              as_json: Annotated[bool, typer.Option("--json", help="As JSON, with each event's details.")] = False
              ) -> None:
    """The incident's audit trail: who did what, when, and why."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.views import audit_log as events

    with session_scope(engine()) as session:
        rows = events(session, incident_id)
    if as_json:
        print_json(rows)
        return
    console.print(table(f"Audit log of {incident_id}", ("#", "at (UTC)", "actor", "action", "move", "reason"),
                        [(e["seq"], f"{e['at']:%Y-%m-%d %H:%M:%S}", e["actor"], e["action"],
                          f"{e['from']} → {e['to']}" if e["to"] and e["from"] else (e["to"] or ""), e["reason"])
                         for e in rows]))


def decision_record(incident_id: str) -> None:
    """Write the incident's decision record as a PDF: a timeline chart of every clock, the facts at each decision,
    every rule considered with its reason, citation and version, the risk assessment, counsel's approvals."""
    from breachclock.models.db import session_scope
    from breachclock.models.report.decision_record import write_decision_record

    with session_scope(engine()) as session:
        path, digest = write_decision_record(session, incident_id)
    console.print(f"decision record: {escape(str(path))}  [dim]sha256 {digest}[/]", highlight=False)
