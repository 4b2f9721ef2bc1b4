"""Commands about the risk-of-harm assessment: show it against each law considered, counsel's sign-off."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from breachclock.cli.output import console, engine, print_json

risk_app = typer.Typer(no_args_is_help=True, help="The risk-of-harm assessment and counsel's sign-off of it.")


def print_assessment(record: dict[str, Any]) -> None:
    """The assessment as the decision record shows it, one law per line."""
    c = record["conclusion"]
    console.print(f"[bold]Risk assessment[/]: harm likely {c['harm_likely']}, high risk {c['high_risk']}; "
                  f"assessed by {escape(record['assessed_by'] or 'not recorded')} at "
                  f"{record['assessed_at'] or 'not recorded'}")
    if record["basis"]:
        console.print(f"  basis: {escape(record['basis'])}")
    for factor, finding in sorted(record["factors"].items()):
        console.print(f"  {factor}: {escape(finding)}")
    s = record["sign_off"]
    console.print("  counsel's sign-off: " + ("none" if s is None else
                  f"{escape(s['counsel'])} at {s['at']}" + ("" if s["current"] else
                                                             " [red](of an earlier version of the assessment)[/]")))
    for regime, status in sorted(record["regimes"].items()):
        console.print(f"  {regime}: {escape(status['status'])}")


@risk_app.command("show")
def risk_show(incident_id: str,
              as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False) -> None:
    """The incident's risk assessment, counsel's sign-off, and whether it excuses notice under each law."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.risk.service import assessment_of

    with session_scope(engine()) as session:
        record = assessment_of(session, get_incident(session, incident_id))
    if as_json:
        print_json(record)
        return
    print_assessment(record)


@risk_app.command("approve")
def risk_approve(
    incident_id: str,
    counsel: Annotated[str, typer.Option(help="The counsel signing off the assessment (recorded).")],
    note: Annotated[str | None, typer.Option(help="Counsel's note (recorded in the audit log).")] = None,
) -> None:
    """Counsel signs off the risk assessment as it now stands; a risk-of-harm exception is relied on only from
    then, and only while the assessment stays as signed off."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.risk.service import approve_assessment, assessment_of

    with session_scope(engine()) as session:
        incident = get_incident(session, incident_id)
        approve_assessment(session, incident, counsel=counsel, note=note)
        record = assessment_of(session, incident)
    console.print(f"{incident_id}: risk assessment signed off by {escape(counsel)}; obligations re-evaluated")
    print_assessment(record)
