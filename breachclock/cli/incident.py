"""Commands about an incident as a whole: open it, see it, change its facts, move it, run its response."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.markup import escape

from breachclock.cli.output import (
    BadInput,
    console,
    engine,
    instant,
    load_incident_file,
    obligations_table,
    print_json,
    print_stages,
    pydantic_message,
    read_structured,
    run_flow,
    table,
    urgency,
)

app = typer.Typer()
clients_app = typer.Typer(no_args_is_help=True, help="Clients and their contractual notice terms.")
task_app = typer.Typer(no_args_is_help=True, help="Response-playbook tasks.")
obligation_app = typer.Typer(no_args_is_help=True, help="Obligations: counsel's decisions on duties the rules left open.")


@app.command("open")
def open_cmd(
    incident_file: Annotated[Path, typer.Argument(help="Incident file (YAML or JSON).")],
    playbook: Annotated[str | None, typer.Option(help="Response playbook: ransomware, lost_device...")] = None,
    run: Annotated[bool, typer.Option("--flow/--no-flow", help="Start the breach-response flow.")] = True,
) -> None:
    """Validate an incident file, record the incident, start the response flow, show the obligations."""
    from sqlalchemy import select

    from breachclock.models import Obligation
    from breachclock.models.base import utcnow
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import open_incident
    from breachclock.models.settings import current_actor

    facts, raw = load_incident_file(incident_file)
    with session_scope(engine()) as session:
        incident_id = open_incident(session, facts, source=raw, playbook=playbook, actor=current_actor()).id
    console.print(f"[bold]Opened {incident_id}[/]: {escape(facts.title)}")
    if run:
        print_stages(run_flow(incident_id))
    with session_scope(engine()) as session:
        rows = session.scalars(select(Obligation).where(Obligation.incident_id == incident_id)
                               .order_by(Obligation.due.is_(None), Obligation.due)).all()
        console.print(obligations_table(list(rows), utcnow(), f"Obligations of {incident_id}"))


@app.command()
def status(incident_id: Annotated[str | None, typer.Argument()] = None,
           all_rules: Annotated[bool, typer.Option("--all", help="Also list rules that do not apply, with why.")]
           = False,
           as_json: Annotated[bool, typer.Option("--json", help="As JSON (one incident: its state and every duty).")]
           = False) -> None:
    """Every incident, or one incident's state, open tasks and obligations with time left."""
    from sqlalchemy import select

    from breachclock.models import Obligation
    from breachclock.models.base import utcnow
    from breachclock.models.db import session_scope
    from breachclock.models.incident.views import incident_detail, incidents_overview

    now = utcnow()
    with session_scope(engine()) as session:
        if incident_id is None:
            rows = incidents_overview(session, now)
            if as_json:
                print_json(rows)
                return
            t = table("Incidents", ("id", "title", "state", "discovered (UTC)", "next deadline"), [])
            for r in rows:
                nxt = r["next_due"]
                t.add_row(r["id"], escape(r["title"]), r["state"] + (" (exercise)" if r["exercise"] else ""),
                          f"{r['discovered_at']:%Y-%m-%d %H:%M}",
                          f"[{urgency(nxt, now)}]{nxt:%Y-%m-%d %H:%MZ}[/] {escape(r['next_due_duty'])}" if nxt
                          else "—")
            console.print(t)
            return
        detail = incident_detail(session, incident_id, now, all_rules=all_rules)
        if as_json:
            print_json(detail)
            return
        zone = ZoneInfo(detail["timezone"])
        console.print(f"[bold]{detail['incident']}[/] {escape(detail['title'])}\nstate: [bold]{detail['state']}[/]"
                      + (" [magenta](an exercise)[/]" if detail["exercise"] else "")
                      + f"   next events: {', '.join(detail['allowed_events']) or 'none'}\n"
                      f"entity: {escape(detail['entity'])} ({detail['timezone']})   "
                      f"discovered: {detail['discovered_at'].astimezone(zone):%Y-%m-%d %H:%M %Z}")
        if detail["tasks"]:
            console.print(table("Playbook tasks", ("key", "phase", "owner", "status", "task"),
                                [(t["key"], t["phase"], t["owner"], t["status"], t["title"]) for t in detail["tasks"]]))
        rows = session.scalars(select(Obligation).where(Obligation.incident_id == incident_id)
                               .order_by(Obligation.required.desc(), Obligation.due.is_(None), Obligation.due,
                                         Obligation.regime)).all()
        console.print(obligations_table(list(rows), now, "Obligations", show_not_required=all_rules))
        if detail["filings_to_make"] or detail["letters_to_mail"]:
            console.print("[bold]waiting for a person:[/] "
                          + (f"{detail['letters_to_mail']} letter(s) to mail (breachclock mailed {incident_id}); "
                             if detail["letters_to_mail"] else "")
                          + "".join(f"filing {f['delivery']} to {escape(f['recipient'])} (breachclock filed "
                                    f"{f['delivery']}); " for f in detail["filings_to_make"]))


@app.command()
def obligations(
    incident_file: Annotated[Path, typer.Argument(help="Incident file (YAML or JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision record as JSON.")] = False,
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of this ISO 8601 instant (default: now).")] = None,
    all_rules: Annotated[bool, typer.Option("--all", help="Table: also rules that do not apply.")] = False,
) -> None:
    """The decision record for an incident file, before anything is recorded: every regime considered, required
    or not, and why."""
    from breachclock.cli.risk import print_assessment
    from breachclock.models.client.service import resolve_clients
    from breachclock.models.db import session_scope
    from breachclock.models.risk.service import record_for
    from breachclock.models.settings import get_settings
    from breachclock.playbooks.engine import evaluate
    from breachclock.playbooks.facts import ClientTerms

    facts, _ = load_incident_file(incident_file)
    at = instant("--as-of", as_of) or datetime.now(UTC)
    clients: list[Any] = [c for c in facts.clients if isinstance(c, ClientTerms)]
    if named := [c for c in facts.clients if isinstance(c, str)]:
        with session_scope(engine()) as session:
            clients += resolve_clients(session, named)
    decisions = evaluate(facts, as_of=at, clients=clients, policy_target_days=get_settings().policy_target_days)
    # Before the incident is recorded no counsel has signed the assessment off: no risk-of-harm exception is relied on.
    assessment = record_for(facts, None, sorted({d.regime for d in decisions}))
    if as_json:
        print_json({"as_of": at.isoformat(), "obligations": [d.to_json() for d in decisions],
                    "risk_assessment": assessment})
        return
    soonest_first = sorted(decisions, key=lambda d: (not d.required, d.due is None, d.due or at, d.regime))
    console.print(obligations_table(soonest_first, at, f"Obligations as of {at:%Y-%m-%d %H:%M %Z}",
                                    show_not_required=all_rules))
    if not (facts.risk.harm_likely and facts.risk.high_risk):
        print_assessment(assessment)


@app.command()
def update(
    incident_id: str,
    changes_file: Annotated[Path, typer.Argument(help="YAML/JSON with the incident-file fields that changed.")],
    reason: Annotated[str, typer.Option(help="Why the facts changed.")],
) -> None:
    """Change an incident's facts (counts, elements, summary...): validated whole, re-evaluated, audited; notices
    whose text changes are redrafted for counsel."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident, update_facts
    from breachclock.models.settings import current_actor

    data, _ = read_structured(changes_file)
    try:
        with session_scope(engine()) as session:
            update_facts(session, get_incident(session, incident_id), data, actor=current_actor(), reason=reason)
    except ValidationError as exc:
        raise BadInput(pydantic_message(str(changes_file), exc)) from None
    console.print(f"{incident_id}: facts updated ({', '.join(data)}); obligations re-evaluated")


@app.command()
def event(
    incident_id: str,
    type: Annotated[str, typer.Argument(help="determined, materiality_determined, ransom_paid, ...")],
    at: Annotated[str, typer.Option(help="When it happened (ISO 8601 with offset).")],
    reason: Annotated[str, typer.Option()],
    regime: Annotated[str | None, typer.Option()] = None,
    end: Annotated[str | None, typer.Option(help="End of a law_enforcement_delay.")] = None,
    agency: Annotated[str | None, typer.Option(help="law_enforcement_delay: who asked (the SEC counts only the "
                                               "U.S. Attorney General).")] = None,
    written: Annotated[bool | None, typer.Option("--written/--oral", help="law_enforcement_delay: was the request "
                                                 "in writing (HIPAA caps an oral one at 30 days)?")] = None,
) -> None:
    """Record a clock-moving fact; obligations are re-evaluated and the differences audited."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident, record_event
    from breachclock.models.settings import current_actor
    from breachclock.playbooks.facts import Event

    try:
        ev = Event.model_validate({"type": type, "at": at, "end": end, "regime": regime, "agency": agency,
                                   "written": written})
    except ValidationError as exc:
        raise BadInput(pydantic_message("event", exc)) from None
    try:
        with session_scope(engine()) as session:
            record_event(session, get_incident(session, incident_id), ev, actor=current_actor(), reason=reason)
    except ValidationError as exc:
        raise BadInput(pydantic_message("incident facts", exc)) from None
    console.print(f"{type} recorded; obligations re-evaluated")


def _move(incident_id: str, event: str, **kwargs: str) -> None:
    from breachclock.models.db import session_scope
    from breachclock.models.incident.lifecycle import fire
    from breachclock.models.incident.service import get_incident, hold, release
    from breachclock.models.settings import current_actor

    actor = current_actor()
    with session_scope(engine()) as session:
        inc = get_incident(session, incident_id)
        if event == "hold":
            hold(session, inc, agency=kwargs["agency"], actor=actor, reason=kwargs["reason"])
        elif event == "release":
            release(session, inc, actor=actor, reason=kwargs["reason"])
        else:
            fire(session, inc, event, actor=actor, **kwargs)
        state = inc.status
    console.print(f"{incident_id}: {state}")


@app.command()
def hold(incident_id: str, agency: Annotated[str, typer.Option(help="Requesting law-enforcement agency.")],
         reason: Annotated[str, typer.Option(help="The request and its reference.")]) -> None:
    """Enter a law-enforcement hold: nothing is sent, and clocks whose law allows it stop, until release."""
    _move(incident_id, "hold", agency=agency, reason=reason)


@app.command()
def release(incident_id: str, reason: Annotated[str, typer.Option()]) -> None:
    """Release a law-enforcement hold: the incident returns to the state it left."""
    _move(incident_id, "release", reason=reason)


@app.command()
def advance(incident_id: str, event: Annotated[str, typer.Argument(help="Lifecycle event, e.g. close.")],
            reason: Annotated[str, typer.Option()]) -> None:
    """Move the incident by a lifecycle event (guards apply; the audit log records it)."""
    _move(incident_id, event, reason=reason)


@app.command("close-no-notice")
def close_no_notice(incident_id: str, reason: Annotated[str, typer.Option(help="Why no notice is owed.")],
                    counsel: Annotated[str, typer.Option(help="Approving counsel.")]) -> None:
    """Close with a documented decision that no notice is owed (reason and approving counsel required)."""
    _move(incident_id, "close_no_notice", reason=reason, counsel=counsel)


@app.command()
def run(incident_id: str) -> None:
    """Run the breach-response flow for an incident: it resumes at the first unfinished stage."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident

    with session_scope(engine()) as session:
        get_incident(session, incident_id)  # an unknown id is bad input, not a failed flow run
    print_stages(run_flow(incident_id))


@clients_app.command("load")
def clients_load(path: Annotated[Path, typer.Argument(help="YAML/JSON: a list of clients under `clients:`.")]) -> None:
    """Register or update clients and their contractual notice terms (all or nothing)."""
    from pydantic import TypeAdapter

    from breachclock.models.client.service import upsert_clients
    from breachclock.models.db import session_scope
    from breachclock.playbooks.facts import ClientTerms

    data, _ = read_structured(path)
    try:
        terms = TypeAdapter(list[ClientTerms]).validate_python(data.get("clients"))
    except ValidationError as exc:
        raise BadInput(pydantic_message(f"{path}: clients", exc)) from None
    with session_scope(engine()) as session:
        upsert_clients(session, terms)
    console.print(f"{len(terms)} client(s) registered: {escape(', '.join(t.id for t in terms))}")


@task_app.command("done")
def task_done(
    incident_id: str,
    key: str,
    outcome: Annotated[str, typer.Option(help="What was done and found.")],
    evidence: Annotated[list[Path] | None, typer.Option(help="Evidence file(s); hashed and recorded.")] = None,
) -> None:
    """Complete a playbook task, recording who, when, the outcome and hashed evidence."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.settings import current_actor
    from breachclock.models.task.service import complete_task

    items = []
    for path in evidence or []:
        if not path.is_file():
            raise BadInput(f"--evidence: no such file {path}")
        items.append((f"evidence file {path.name}", str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest()))
    with session_scope(engine()) as session:
        complete_task(session, get_incident(session, incident_id), key, actor=current_actor(), outcome=outcome,
                      evidence=items)
    console.print(f"task {key} done ({len(items)} evidence item(s))")


@obligation_app.command("decide")
def obligation_decide(
    incident_id: str,
    obligation_id: int,
    counsel: Annotated[str, typer.Option(help="The deciding counsel (recorded).")],
    reason: Annotated[str, typer.Option(help="Why.")],
    required: Annotated[bool, typer.Option("--required/--not-required", help="Owed, or not owed.")],
) -> None:
    """Counsel decides a duty the rules could not settle (shown as 'counsel must decide')."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.obligation.service import decide_obligation

    with session_scope(engine()) as session:
        decide_obligation(session, get_incident(session, incident_id), obligation_id, required=required,
                          counsel=counsel, reason=reason)
    console.print(f"obligation {obligation_id}: {'owed' if required else 'not owed'} (decided by {escape(counsel)})")
