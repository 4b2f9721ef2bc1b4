"""The ``breachclock`` command line (typer + rich).

Exit codes: 0 success; 1 a verification failed or the record refused a move;
2 bad input (the message names the field and the problem; nothing is written).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from models.errors import InvalidRequest, NotFound
from models.incident.service import get_incident, record_event, update_facts
from models.obligation.service import decide_obligation
from models.settings import current_actor

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="breachclock: breach response against every deadline that applies.")
rules_app = typer.Typer(no_args_is_help=True, help="The law as data: regimes and their versions.")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
task_app = typer.Typer(no_args_is_help=True, help="Response-playbook tasks.")
clients_app = typer.Typer(no_args_is_help=True, help="Clients and their contractual notice terms.")
notice_app = typer.Typer(no_args_is_help=True, help="Notices: review, approve, reject.")
obligation_app = typer.Typer(no_args_is_help=True, help="Obligations: counsel's decisions on duties the rules left open.")
app.add_typer(rules_app, name="rules")
app.add_typer(audit_app, name="audit")
app.add_typer(task_app, name="task")
app.add_typer(clients_app, name="clients")
app.add_typer(notice_app, name="notice")
app.add_typer(obligation_app, name="obligation")

console = Console()
err = Console(stderr=True)


_DEBUG = {"on": False}


@app.callback()
def _setup(debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")] = False
           ) -> None:
    """breachclock's own warnings (a generated key, a configuration problem) go to stderr."""
    import logging

    from rich.logging import RichHandler

    _DEBUG["on"] = debug
    os.umask(0o077)  # everything this process writes (database, letters, reports) is owner-only

    handler = RichHandler(console=err, show_time=False, show_path=False)
    breachclock_logger = logging.getLogger("breachclock")
    if not breachclock_logger.handlers:
        breachclock_logger.addHandler(handler)
        breachclock_logger.setLevel(logging.WARNING)


class BadInput(Exception):
    """Input the user must fix; exit code 2."""


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _pydantic_message(source: str, exc: ValidationError) -> str:
    lines = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "timezone_aware":
            msg = "naive datetime: add an offset such as -05:00 or Z"
        lines.append(f"{source}: {where}: {msg}")
    return "\n".join(lines)


def _read_structured(path: Path) -> tuple[Any, bytes]:
    from playbooks.documents import DocumentError, read_document

    try:
        data, raw = read_document(path)
    except DocumentError as exc:
        raise BadInput(str(exc)) from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a mapping of fields at the top level")
    return data, raw


def load_incident_file(path: Path):  # type: ignore[no-untyped-def]
    from playbooks.facts import IncidentFacts

    data, raw = _read_structured(path)
    try:
        return IncidentFacts.model_validate(data), raw
    except ValidationError as exc:
        raise BadInput(_pydantic_message(str(path), exc)) from None


def _engine():  # type: ignore[no-untyped-def]
    from models.db import get_engine

    return get_engine()


def _run_flow(incident_id: str) -> list[dict[str, str]]:
    from flows.runtime import configure_prefect, quiet_runs

    configure_prefect()
    from flows.breach_response import breach_response

    with quiet_runs():
        return breach_response(incident_id)


def _print_stages(results: list[dict[str, str]]) -> None:
    marks = {"done": "[green]✔[/]", "already_done": "[dim]·[/]", "waiting": "[yellow]⏸[/]"}
    for r in results:
        console.print(f"  {marks[r['outcome']]} {r['stage']:<14} {r['state']:<18} {r['message']}", highlight=False)


# --- time display ------------------------------------------------------------------------


def _urgency(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "dim"
    left = (due - now).total_seconds() / 3600
    return "bold red" if left < 0 else "red" if left < 24 else "yellow" if left < 72 else "green"


def _fmt(due: datetime | None, tz: str) -> str:
    if due is None:
        return "no fixed deadline"
    local = due.astimezone(ZoneInfo(tz))
    return f"{local:%Y-%m-%d %H:%M %Z}\n[dim]{due.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%MZ}[/]"


def _policy_left(o: Any, now: datetime) -> str:
    """For a duty with no fixed legal deadline: the firm's own target (computed once by the engine), labelled
    as policy, never as law."""
    from playbooks.clocks import humanize_delta

    target = o.policy_due
    return f"[dim]policy: {humanize_delta(target - now)}[/]" if target else "—"


def _met(o: Any) -> str:
    """How and when a duty was discharged, against its deadline (or the firm's target, as policy)."""
    from playbooks.clocks import humanize_delta

    how = getattr(o, "fulfillment", None) or "met"
    if how == "simulated":
        return "[magenta]simulated (exercise): not met[/]"
    target, label = (o.due, "") if o.due else (o.policy_due, "policy ")
    if target is None:
        return f"[green]{how}[/]"
    late = o.fulfilled_at - target
    if late.total_seconds() > 0:
        return f"[bold red]{how} {humanize_delta(late).removesuffix(' left')} late[/]" + (
            " [dim](against policy)[/]" if label else "")
    return f"[green]{how} in time[/]" + (" [dim](policy target)[/]" if label else "")


def obligations_table(rows: list[Any], now: datetime, title: str, *, show_not_required: bool = False) -> Table:
    from playbooks.clocks import humanize_delta

    table = Table(title=title, show_lines=False, expand=True)
    for col in ("regime", "recipient", "due (entity zone / UTC)", "time left", "why"):
        table.add_column(col, overflow="fold")
    for o in rows:
        if o.required is False and not show_not_required:
            continue
        due = o.due
        style = _urgency(due, now) if o.required else "dim"
        fulfilled = getattr(o, "fulfilled_at", None)
        if o.required is None:
            left, style = "[bold yellow]counsel must decide[/]", "yellow"
        elif fulfilled:
            left = _met(o)
        elif due:
            left = humanize_delta(due - now)
        else:
            left = _policy_left(o, now) if o.required else "—"
        recipient = f"{o.recipient}" + (f" [{o.jurisdiction}]" if o.jurisdiction not in (o.regime, "contract") else "")
        if getattr(o, "data_set", "entity") != "entity":
            recipient += f" [dim](data set {o.data_set})[/]"
        why = o.reason + (f" [dim]({o.confidence} confidence)[/]" if o.confidence != "high" else "")
        table.add_row(o.regime, recipient, _fmt(due, o.timezone), f"[{style}]{left}[/]", why)
    return table


# --- commands ----------------------------------------------------------------------------


@app.command("open")
def open_cmd(
    incident_file: Annotated[Path, typer.Argument(help="Incident file (YAML or JSON).")],
    playbook: Annotated[str | None, typer.Option(help="Response playbook: ransomware, lost_device...")] = None,
    run_flow: Annotated[bool, typer.Option("--flow/--no-flow", help="Start the breach-response flow.")] = True,
) -> None:
    """Validate an incident file, record the incident, start the response flow, show the obligations."""
    from models import Obligation
    from models.base import utcnow
    from models.db import session_scope
    from models.errors import InvalidRequest
    from models.incident.service import open_incident
    from models.settings import current_actor

    try:
        facts, raw = load_incident_file(incident_file)
        with session_scope(_engine()) as session:
            incident = open_incident(session, facts, source=raw, playbook=playbook, actor=current_actor())
            incident_id = incident.id
    except (BadInput, InvalidRequest) as exc:
        _fail(str(exc))
    console.print(f"[bold]Opened {incident_id}[/]: {facts.title}")
    if run_flow:
        _print_stages(_run_flow(incident_id))
    from sqlalchemy import select

    with session_scope(_engine()) as session:
        rows = session.scalars(select(Obligation).where(Obligation.incident_id == incident_id)
                               .order_by(Obligation.due.is_(None), Obligation.due)).all()
        console.print(obligations_table(list(rows), utcnow(), f"Obligations of {incident_id}"))


@app.command()
def status(incident_id: Annotated[str | None, typer.Argument()] = None,
           all_rules: Annotated[bool, typer.Option("--all", help="Also list rules that do not apply, with why.")]
           = False,
           as_json: Annotated[bool, typer.Option("--json", help="One incident's state and every duty, as JSON.")]
           = False) -> None:
    """Every incident, or one incident's state, open tasks and obligations with time left."""
    from sqlalchemy import select

    from models import Incident, Obligation, PlaybookTask
    from models.base import utcnow
    from models.db import session_scope
    from models.errors import NotFound
    from models.incident.lifecycle import allowed_events
    from models.incident.service import get_incident

    now = utcnow()
    with session_scope(_engine()) as session:
        if incident_id is None:
            table = Table(title="Incidents")
            for col in ("id", "title", "state", "discovered (UTC)", "next deadline"):
                table.add_column(col)
            for inc in session.scalars(select(Incident).order_by(Incident.created_at.desc())):
                nxt = session.scalar(select(Obligation.due).where(
                    Obligation.incident_id == inc.id, Obligation.required.is_(True),
                    Obligation.fulfilled_at.is_(None), Obligation.due.is_not(None)).order_by(Obligation.due).limit(1))
                table.add_row(inc.id, inc.title, inc.status, f"{inc.discovered_at:%Y-%m-%d %H:%M}",
                              f"[{_urgency(nxt, now)}]{nxt:%Y-%m-%d %H:%MZ}[/]" if nxt else "—")
            console.print(table)
            return
        try:
            inc = get_incident(session, incident_id)
        except NotFound as exc:
            _fail(str(exc), 1)
        if as_json:
            from models.outbox.progress import obligation_state

            duties = [obligation_state(session, o, now) for o in session.scalars(
                select(Obligation).where(Obligation.incident_id == inc.id).order_by(Obligation.id))
                if o.required is not False or all_rules]
            sys.stdout.write(json.dumps({"incident": inc.id, "state": inc.status, "exercise": bool(
                inc.facts.get("exercise")), "allowed_events": allowed_events(session, inc), "obligations": duties},
                indent=2, default=str) + "\n")
            return
        console.print(f"[bold]{inc.id}[/] {inc.title}\nstate: [bold]{inc.status}[/]   "
                      f"next events: {', '.join(allowed_events(session, inc)) or 'none'}\n"
                      f"entity: {inc.entity['name']} ({inc.entity['timezone']})   "
                      f"discovered: {inc.discovered_at.astimezone(ZoneInfo(inc.entity['timezone'])):%Y-%m-%d %H:%M %Z}")
        tasks = session.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == inc.id)
                                .order_by(PlaybookTask.id)).all()
        if tasks:
            t = Table(title="Playbook tasks")
            for col in ("key", "phase", "owner", "status", "task"):
                t.add_column(col, overflow="fold")
            for task in tasks:
                t.add_row(task.key, task.phase, task.owner_role,
                          "[green]done[/]" if task.status == "done" else "[yellow]open[/]", task.title)
            console.print(t)
        rows = session.scalars(select(Obligation).where(Obligation.incident_id == inc.id)
                               .order_by(Obligation.required.desc(), Obligation.due.is_(None), Obligation.due,
                                         Obligation.regime)).all()
        console.print(obligations_table(list(rows), now, "Obligations", show_not_required=all_rules))


@app.command()
def obligations(
    incident_file: Annotated[Path, typer.Argument(help="Incident file (YAML or JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision record as JSON.")] = False,
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of this ISO 8601 instant (default: now).")] = None,
    all_rules: Annotated[bool, typer.Option("--all", help="Table: also rules that do not apply.")] = False,
) -> None:
    """The decision record for an incident file: every regime considered, required or not, and why."""
    from datetime import UTC

    from models.settings import get_settings
    from playbooks.engine import evaluate
    from playbooks.facts import ClientTerms

    try:
        facts, _ = load_incident_file(incident_file)
        when = datetime.now(UTC)
        if as_of is not None:
            try:
                when = datetime.fromisoformat(as_of)
            except ValueError:
                raise BadInput(f"--as-of: not an ISO 8601 instant: {as_of!r}") from None
            if when.tzinfo is None:
                raise BadInput("--as-of: naive datetime: add an offset such as Z or -05:00")
        clients = [c for c in facts.clients if isinstance(c, ClientTerms)]
        if len(clients) != len(facts.clients):
            clients += _registered_clients([c for c in facts.clients if isinstance(c, str)])
    except BadInput as exc:
        _fail(str(exc))
    decisions = evaluate(facts, as_of=when, clients=clients, policy_target_days=get_settings().policy_target_days)
    if as_json:
        sys.stdout.write(json.dumps({"as_of": when.isoformat(), "obligations": [d.to_json() for d in decisions]},
                                    indent=2, ensure_ascii=False) + "\n")
        return
    soonest_first = sorted(decisions, key=lambda d: (not d.required, d.due is None, d.due or when, d.regime))
    console.print(obligations_table(soonest_first, when, f"Obligations as of {when:%Y-%m-%d %H:%M %Z}",
                                    show_not_required=all_rules))


def _registered_clients(ids: list[str]) -> list[Any]:
    from models.client.service import resolve_clients
    from models.db import session_scope
    from models.errors import InvalidRequest

    try:
        with session_scope(_engine()) as session:
            return resolve_clients(session, list(ids))
    except InvalidRequest as exc:
        raise BadInput(str(exc)) from None


@rules_app.command("list")
def rules_list() -> None:
    """Every regime with its versions, effective dates, confidence and citation."""
    from playbooks.catalog import regimes

    table = Table(title="Regimes")
    for col in ("regime", "version", "effective", "status", "confidence", "citation"):
        table.add_column(col, overflow="fold")
    for regime in regimes().values():
        for v in regime.versions:
            table.add_row(regime.id, v.version, f"{v.effective_from} → {v.effective_to or 'in force'}", v.status,
                          v.confidence, v.citation)
    console.print(table)


@clients_app.command("load")
def clients_load(path: Annotated[Path, typer.Argument(help="YAML/JSON: a list of clients under `clients:`.")]) -> None:
    """Register or update clients and their contractual notice terms (all or nothing)."""
    from pydantic import TypeAdapter

    from models.client.service import upsert_client
    from models.db import session_scope
    from models.errors import InvalidRequest
    from playbooks.facts import ClientTerms

    try:
        data, _ = _read_structured(path)
        try:
            terms = TypeAdapter(list[ClientTerms]).validate_python(data.get("clients"))
        except ValidationError as exc:
            raise BadInput(_pydantic_message(f"{path}: clients", exc)) from None
    except BadInput as exc:
        _fail(str(exc))
    try:
        with session_scope(_engine()) as session:
            for t in terms:
                upsert_client(session, t)
    except InvalidRequest as exc:
        _fail(str(exc))
    console.print(f"{len(terms)} client(s) registered: {', '.join(t.id for t in terms)}")


@task_app.command("done")
def task_done(
    incident_id: str,
    key: str,
    outcome: Annotated[str, typer.Option(help="What was done and found.")],
    evidence: Annotated[list[Path] | None, typer.Option(help="Evidence file(s); hashed and recorded.")] = None,
) -> None:
    """Complete a playbook task, recording who, when, the outcome and hashed evidence."""
    from models.db import session_scope
    from models.errors import InvalidRequest, NotFound
    from models.incident.service import get_incident
    from models.settings import current_actor
    from models.task.service import complete_task

    items = []
    for path in evidence or []:
        if not path.is_file():
            _fail(f"--evidence: no such file {path}")
        items.append((f"evidence file {path.name}", str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest()))
    try:
        with session_scope(_engine()) as session:
            complete_task(session, get_incident(session, incident_id), key, actor=current_actor(), outcome=outcome,
                          evidence=items)
    except (NotFound, InvalidRequest) as exc:
        _fail(str(exc), 1)
    console.print(f"task {key} done ({len(items)} evidence item(s))")


@app.command()
def hold(incident_id: str, agency: Annotated[str, typer.Option(help="Requesting law-enforcement agency.")],
         reason: Annotated[str, typer.Option(help="The request and its reference.")]) -> None:
    """Enter a law-enforcement hold: clocks whose law allows it stop until release."""
    _lifecycle_call(incident_id, "hold", agency=agency, reason=reason)


@app.command()
def release(incident_id: str, reason: Annotated[str, typer.Option()]) -> None:
    """Release a law-enforcement hold: the incident returns to the state it left."""
    _lifecycle_call(incident_id, "release", reason=reason)


@app.command()
def advance(incident_id: str, event: Annotated[str, typer.Argument(help="Lifecycle event, e.g. close.")],
            reason: Annotated[str, typer.Option()]) -> None:
    """Move the incident by a lifecycle event (guards apply; the audit log records it)."""
    _lifecycle_call(incident_id, event, reason=reason)


@app.command("close-no-notice")
def close_no_notice(incident_id: str, reason: Annotated[str, typer.Option(help="Why no notice is owed.")],
                    counsel: Annotated[str, typer.Option(help="Approving counsel.")]) -> None:
    """Close with a documented decision that no notice is owed (reason and approving counsel required)."""
    _lifecycle_call(incident_id, "close_no_notice", reason=reason, counsel=counsel)


def _lifecycle_call(incident_id: str, event: str, **kwargs: str) -> None:
    from models.db import session_scope
    from models.errors import InvalidRequest, NotFound
    from models.incident.lifecycle import IllegalTransition, fire
    from models.incident.service import get_incident, hold, release
    from models.settings import current_actor

    actor = current_actor()
    try:
        with session_scope(_engine()) as session:
            inc = get_incident(session, incident_id)
            if event == "hold":
                hold(session, inc, agency=kwargs["agency"], actor=actor, reason=kwargs["reason"])
            elif event == "release":
                release(session, inc, actor=actor, reason=kwargs["reason"])
            else:
                fire(session, inc, event, actor=actor, **kwargs)
            state = inc.status
    except (IllegalTransition, NotFound, InvalidRequest) as exc:
        _fail(str(exc), 1)
    console.print(f"{incident_id}: {state}")


@app.command()
def event(
    incident_id: str,
    type: Annotated[str, typer.Argument(help="determined, materiality_determined, ransom_paid, ...")],
    at: Annotated[str, typer.Option(help="When it happened (ISO 8601 with offset).")],
    reason: Annotated[str, typer.Option()],
    regime: Annotated[str | None, typer.Option()] = None,
    end: Annotated[str | None, typer.Option(help="End of a law_enforcement_delay.")] = None,
) -> None:
    """Record a clock-moving fact; obligations are re-evaluated and the differences audited."""
    from models.db import session_scope
    from playbooks.facts import Event

    try:
        ev = Event.model_validate({"type": type, "at": at, "end": end, "regime": regime})
    except ValidationError as exc:
        _fail(_pydantic_message("event", exc))
    try:
        with session_scope(_engine()) as session:
            record_event(session, get_incident(session, incident_id), ev,
                                   actor=current_actor(), reason=reason)
    except NotFound as exc:
        _fail(str(exc), 1)
    except ValidationError as exc:
        _fail(_pydantic_message("incident facts", exc))
    console.print(f"{type} recorded; obligations re-evaluated")


@app.command()
def run(incident_id: str) -> None:
    """Run the breach-response flow for an incident: it resumes at the first unfinished stage."""
    _print_stages(_run_flow(incident_id))


@notice_app.command("list")
def notice_list(incident_id: str) -> None:
    """The incident's notices: recipient, channels, approval and delivery status."""
    from sqlalchemy import func, select

    from models import Delivery, Notice
    from models.db import session_scope
    from models.notice import drafting as notices_
    from models.notice.approval import is_approved

    with session_scope(_engine()) as session:
        table = Table(title=f"Notices of {incident_id}")
        for col in ("notice", "audience", "recipient", "channels", "approval", "deliveries"):
            table.add_column(col, overflow="fold")
        for n in session.scalars(select(Notice).where(Notice.incident_id == incident_id).order_by(Notice.id)):
            counts = dict(session.execute(select(Delivery.status, func.count()).where(Delivery.notice_id == n.id)
                                          .group_by(Delivery.status)).all())
            table.add_row(n.id, n.audience, n.recipient, ", ".join(notices_.variants_of(session, n.id)),
                          "[green]approved[/]" if is_approved(session, n) else "[yellow]pending[/]",
                          ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "—")
        console.print(table)


@notice_app.command("show")
def notice_show(notice_id: str) -> None:
    """Every variant of a notice as counsel reviews it (each is what its recipients get), with its hashes.

    The variants are also written to files (text, and HTML for e-mail) under the incident's report folder.
    """
    from models import Notice
    from models.db import session_scope
    from models.incident.dossier import dossier_dir
    from models.notice import drafting as notices_
    from models.notice.approval import is_approved

    with session_scope(_engine()) as session:
        n = session.get(Notice, notice_id)
        if n is None:
            _fail(f"no notice {notice_id!r}", 1)
        problems = notices_.verify_notice(session, n)
        approved = is_approved(session, n)
        out = dossier_dir(n.incident_id) / "notices"
        out.mkdir(parents=True, exist_ok=True)
        console.print(f"[bold]{n.id}[/] to {n.recipient} ({n.audience})  content {n.content_hash[:16]}  "
                      + ("[green]approved[/]" if approved else "[yellow]not approved[/]")
                      + ("" if not problems else f"\n[bold red]does not match its draft: {'; '.join(problems)}[/]"))
        if sample := n.context.get("sample"):
            console.print(f"[dim]sample recipient: {sample}[/]")
        for channel, v in notices_.variants_of(session, n.id).items():
            rendered = notices_.render_variant(v, n.context) if v.templates else None
            text = rendered.text if rendered else v.text
            (out / f"{n.id}.{channel}.txt").write_text(text, encoding="utf-8")
            if rendered and rendered.html:
                (out / f"{n.id}.{channel}.html").write_text(rendered.html, encoding="utf-8")
            console.rule(f"{channel} · {v.template_name} · {v.content_hash[:16]}")
            if v.subject:
                console.print(f"[bold]{v.subject}[/]", highlight=False, markup=False)
            console.print(text, highlight=False, markup=False)
        console.print(f"[dim]files: {out}/{n.id}.*[/]")


@notice_app.command("uncertain")
def notice_uncertain(incident_id: str,
                     as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """Deliveries an interruption left in doubt that the provider could not settle: check each with the provider,
    then `notice resolve` it."""
    from models.db import session_scope
    from models.outbox.reconcile import doubtful

    with session_scope(_engine()) as session:
        rows = doubtful(session, incident_id)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    table = Table(title=f"Deliveries of {incident_id} waiting for a person")
    for col in ("delivery", "notice", "channel", "attempts", "last error"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["delivery"]), r["notice"], r["channel"], str(r["attempts"]), r["error"] or "")
    console.print(table if rows else "no delivery is waiting for a person")


@notice_app.command("resolve")
def notice_resolve(
    delivery_id: int,
    reason: Annotated[str, typer.Option(help="What the provider's records show.")],
    delivered: Annotated[bool, typer.Option("--delivered/--not-delivered",
                                            help="The provider accepted it / it must be sent again.")],
    provider_id: Annotated[str | None, typer.Option(help="The provider's message id, when delivered.")] = None,
) -> None:
    """Settle a delivery left uncertain by an interruption (never resent without a person deciding)."""
    from models.db import session_scope
    from models.outbox.handover import resolve_uncertain
    from models.outbox.service import SendRefused
    from models.settings import current_actor

    try:
        with session_scope(_engine()) as session:
            d = resolve_uncertain(session, delivery_id, delivered=delivered, actor=current_actor(), reason=reason,
                                  provider_message_id=provider_id)
            status_ = d.status
    except SendRefused as exc:
        _fail(str(exc), 1)
    console.print(f"delivery {delivery_id}: {status_}")


@notice_app.command("redraft")
def notice_redraft(notice_id: str) -> None:
    """Re-render a notice from the current facts and templates (it then needs counsel's approval again)."""
    from models.db import session_scope
    from models.notice.drafting import NoticeError, redraft
    from models.settings import current_actor

    try:
        with session_scope(_engine()) as session:
            changed = redraft(session, notice_id, actor=current_actor())
    except NoticeError as exc:
        _fail(str(exc), 1)
    console.print(f"{notice_id}: {'redrafted; needs approval again' if changed else 'unchanged'}")


@app.command()
def update(
    incident_id: str,
    changes_file: Annotated[Path, typer.Argument(help="YAML/JSON with the incident-file fields that changed.")],
    reason: Annotated[str, typer.Option(help="Why the facts changed.")],
) -> None:
    """Change an incident's facts (counts, elements, summary...): validated whole, re-evaluated, audited."""
    from models.db import session_scope

    try:
        data, _ = _read_structured(changes_file)
        with session_scope(_engine()) as session:
            update_facts(session, get_incident(session, incident_id), data,
                                   actor=current_actor(), reason=reason)
    except BadInput as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail(_pydantic_message(str(changes_file), exc))
    except NotFound as exc:
        _fail(str(exc), 1)
    console.print(f"{incident_id}: facts updated ({', '.join(data)}); obligations re-evaluated")


@notice_app.command("send")
def notice_send(notice_id: str) -> None:
    """Send one approved notice now, ahead of the others (a client's 24-hour notice), through the same guards."""
    from models import Notice
    from models.db import session_scope
    from models.outbox.service import SendRefused, send
    from models.settings import current_actor
    from notifications.config import ChannelConfigurationError, NotificationSettings, build_channels

    with session_scope(_engine()) as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            _fail(f"no notice {notice_id!r}", 1)
        incident_id = notice.incident_id
    try:
        report = send(_engine(), incident_id, lambda names: build_channels(NotificationSettings(), channels=names),
                      actor=current_actor(), notice_ids=[notice_id])
    except (SendRefused, ChannelConfigurationError) as exc:
        _fail(str(exc), 1)
    console.print(f"{notice_id}: {report.summary()}")


@app.command()
def filed(
    delivery_id: int,
    receipt: Annotated[str, typer.Option(help="The portal's confirmation number, or how it was filed.")],
    at: Annotated[str | None, typer.Option(help="When it was filed (ISO 8601 with offset; default now).")] = None,
    during_hold: Annotated[bool, typer.Option(
        "--during-hold", help="It was filed while a law-enforcement hold was in effect (the record says so).")] = False,
) -> None:
    """Record that a person filed a prepared regulator, agency or media notice (portal, mail, press release)."""
    from models.db import session_scope
    from models.outbox.handover import record_filing
    from models.outbox.service import SendRefused
    from models.settings import current_actor

    try:
        when = _instant("--at", at)
        with session_scope(_engine()) as session:
            record_filing(session, delivery_id, actor=current_actor(), receipt=receipt, at=when,
                          during_hold=during_hold)
    except BadInput as exc:
        _fail(str(exc))
    except SendRefused as exc:
        _fail(str(exc), 1)
    console.print(f"delivery {delivery_id}: filed ({receipt})")


@app.command()
def mailed(
    incident_id: str,
    receipt: Annotated[str, typer.Option(help="The mail house's job number, a certificate of mailing...")],
    at: Annotated[str | None, typer.Option(help="When they were mailed (ISO 8601 with offset; default now).")] = None,
    during_hold: Annotated[bool, typer.Option(
        "--during-hold", help="They were mailed while a law-enforcement hold was in effect (the record says so).")
    ] = False,
) -> None:
    """Record that the incident's prepared letters were handed to the mail (each counts as sent from then)."""
    from models.db import session_scope
    from models.outbox.handover import record_mailing
    from models.outbox.service import SendRefused
    from models.settings import current_actor

    try:
        when = _instant("--at", at)
        with session_scope(_engine()) as session:
            count = record_mailing(session, incident_id, actor=current_actor(), receipt=receipt, at=when,
                                   during_hold=during_hold)
    except BadInput as exc:
        _fail(str(exc))
    except SendRefused as exc:
        _fail(str(exc), 1)
    console.print(f"{incident_id}: {count} letter(s) recorded as mailed ({receipt})")


def _instant(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{option}: not an ISO 8601 instant: {value!r}") from None
    if when.tzinfo is None:
        raise BadInput(f"{option}: naive datetime: add an offset such as Z or -05:00")
    return when


@obligation_app.command("decide")
def obligation_decide(
    incident_id: str,
    obligation_id: int,
    counsel: Annotated[str, typer.Option(help="The deciding counsel (recorded).")],
    reason: Annotated[str, typer.Option(help="Why.")],
    required: Annotated[bool, typer.Option("--required/--not-required", help="Owed, or not owed.")],
) -> None:
    """Counsel decides a duty the rules could not settle (shown as 'counsel must decide')."""
    from models.db import session_scope

    try:
        with session_scope(_engine()) as session:
            decide_obligation(session, get_incident(session, incident_id), obligation_id,
                                        required=required, counsel=counsel, reason=reason)
    except (NotFound, InvalidRequest) as exc:
        _fail(str(exc), 1)
    console.print(f"obligation {obligation_id}: {'owed' if required else 'not owed'} (decided by {counsel})")


@app.command()
def approve(
    notice_id: str,
    counsel: Annotated[str, typer.Option(help="Approving counsel (recorded).")],
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead (needs --comment).")] = False,
    comment: Annotated[str | None, typer.Option()] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Resume the flow afterwards.")] = True,
) -> None:
    """Record counsel's decision on a notice's exact content; resumes the flow when all are approved."""
    from models import Notice
    from models.db import session_scope
    from models.incident.lifecycle import notices_lacking_approval
    from models.notice.approval import decide
    from models.notice.drafting import NoticeError

    try:
        with session_scope(_engine()) as session:
            decide(session, notice_id, counsel=counsel, approve=not reject, comment=comment)
            incident_id = session.get(Notice, notice_id).incident_id  # type: ignore[union-attr]
            remaining = len(notices_lacking_approval(session, incident_id))
    except NoticeError as exc:
        _fail(str(exc), 1)
    console.print(f"{notice_id}: {'rejected' if reject else 'approved'} by {counsel}; {remaining} notice(s) pending")
    if resume and not reject and remaining == 0:
        _print_stages(_run_flow(incident_id))


@audit_app.command("verify")
def audit_verify(incident_id: str) -> None:
    """Recompute the incident's keyed chain, check it against its last signed checkpoint, check the record tables
    and the database's protective triggers against it; name every problem (exit 1)."""
    from models.audit import checkpoint_dir, verify_chain
    from models.db import session_scope

    with session_scope(_engine()) as session:
        report = verify_chain(session, incident_id)
    if report.ok:
        console.print(f"[green]audit chain intact[/]: {report.events} event(s), record matches the chain, "
                      f"checkpointed at #{report.checkpoint_seq} in {checkpoint_dir()}"
                      + (f" ({report.legacy_events} early event(s) written before the chain was keyed)"
                         if report.legacy_events else ""))
        return
    for problem in report.problems:
        err.print(f"[bold red]problem:[/] {problem}", highlight=False)
    _fail(f"audit chain broken: {len(report.problems)} problem(s)"
          + (f", first at event id {report.event_id}" if report.event_id else ""), 1)


@audit_app.command("log")
def audit_log(incident_id: str) -> None:
    """The incident's audit trail."""
    from sqlalchemy import select

    from models import AuditEvent
    from models.db import session_scope

    table = Table(title=f"Audit log of {incident_id}")
    for col in ("#", "at (UTC)", "actor", "action", "move", "reason"):
        table.add_column(col, overflow="fold")
    with session_scope(_engine()) as session:
        for e in session.scalars(select(AuditEvent).where(AuditEvent.incident_id == incident_id)
                                 .order_by(AuditEvent.seq)):
            move = f"{e.from_state} → {e.to_state}" if e.to_state and e.from_state else (e.to_state or "")
            table.add_row(str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, move, e.reason)
    console.print(table)


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
    via_flow: Annotated[bool, typer.Option("--flow", help="Run the chunks as Prefect tasks (the scope-records "
                                           "flow; on Dask when BREACHCLOCK_DASK_ADDRESS is set).")] = False,
    data_set: Annotated[str | None, typer.Option(help="The incident's data set every row belongs to (unless "
                                                 "the file has a data_set or client column).")] = None,
) -> None:
    """Import the affected people (encrypted at rest), derive per-jurisdiction counts, re-evaluate the law."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from breachclock.scoping import ScopingError, import_records, scoping_report
    from models.db import session_scope
    from models.errors import NotFound
    from models.settings import current_actor

    if records_file is not None and via_flow:
        from flows.runtime import configure_prefect, quiet_runs

        configure_prefect()
        from flows.scoping import configured_flow

        try:
            with quiet_runs():
                summary = configured_flow()(incident_id, str(records_file.resolve()),
                                            mapping_file=str(mapping) if mapping else None, encoding=encoding,
                                            delimiter=delimiter, elements=element or None,
                                            accept_rejected=accept_rejected, data_set=data_set)
        except NotFound as exc:
            _fail(str(exc), 1)
        except ScopingError as exc:
            _fail(str(exc))
        console.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items() if k != "timings"))
    elif records_file is not None:
        try:
            size = records_file.stat().st_size
        except OSError as exc:
            _fail(f"{records_file}: cannot read ({exc.strerror})")
        started = time.perf_counter()
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
        try:
            with Progress(*columns, console=err, transient=True) as progress, session_scope(_engine()) as session:
                bar = progress.add_task("import", total=None, rate="")

                def on_progress(rows: int) -> None:
                    elapsed = max(time.perf_counter() - started, 1e-6)
                    progress.update(bar, completed=rows, rate=f"{rows / elapsed:,.0f} rows/s")

                result = import_records(session, incident_id, records_file, mapping_file=mapping, encoding=encoding,
                                        delimiter=delimiter, elements=element or (), accept_rejected=accept_rejected,
                                        on_progress=on_progress, actor=current_actor(), data_set=data_set)
        except NotFound as exc:
            _fail(str(exc), 1)
        except ScopingError as exc:
            _fail(str(exc))
        elapsed = time.perf_counter() - started
        console.print(f"{result.rows:,} rows ({size / 1e6:,.1f} MB) in {elapsed:,.1f} s "
                      f"({result.rows / max(elapsed, 1e-6):,.0f} rows/s): {result.people_new:,} new people, "
                      f"{result.people_merged:,} merged with earlier imports, {result.rejected:,} rejected, "
                      f"{result.people_total:,} in total, {result.unknown_residency:,} with unknown residency"
                      + (f"\nrow report: {result.report_path}" if result.report_path else ""))
    if report or records_file is None:
        with session_scope(_engine()) as session:
            try:
                data = scoping_report(session, incident_id)
            except NotFound as exc:
                _fail(str(exc), 1)
        table = Table(title=f"People of {incident_id} by jurisdiction ({data['total']:,} in total)")
        table.add_column("jurisdiction")
        table.add_column("people", justify="right")
        for code, count in data["by_jurisdiction"].items():
            table.add_row(code, f"{count:,}")
        console.print(table)
        combos = Table(title="By exposed-element combination")
        combos.add_column("elements")
        combos.add_column("people", justify="right")
        for combo, count in data["by_elements"].items():
            combos.add_row(combo, f"{count:,}")
        console.print(combos)
        regimes_table = Table(title="Covered under each law (its own definition of personal information)")
        for col in ("regime", "covered", "not covered"):
            regimes_table.add_column(col, justify="right" if col != "regime" else "left")
        for rid, info in data["regimes"].items():
            regimes_table.add_row(rid, f"{info['covered']:,}", f"{info['not_covered']:,}")
        console.print(regimes_table)


@app.command()
def demo() -> None:
    """Run a complete sample incident, detection to notified, on the embedded default with in-memory channels."""
    from breachclock.demo import run_demo

    raise typer.Exit(run_demo(console))


def _explain(exc: BaseException) -> tuple[str, int] | None:
    """A one-line cause and what to do, for the errors a user can meet; None for a defect (shown in full)."""
    from jinja2 import TemplateError
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm.exc import StaleDataError

    from models.audit import RecordTampered
    from models.errors import InvalidRequest, NotFound
    from models.incident.lifecycle import IllegalTransition
    from models.outbox.service import SendRefused
    from models.person.crypto import KeyError_

    if isinstance(exc, NotFound):
        return str(exc), 2
    if isinstance(exc, RecordTampered | KeyError_ | InvalidRequest | IllegalTransition | SendRefused):
        return str(exc), 1
    if isinstance(exc, StaleDataError):
        return "another process changed the incident at the same moment; nothing was changed: run the command again", 1
    if isinstance(exc, TemplateError):
        return f"a notice template could not be rendered ({type(exc).__name__}: {exc}); fix the template", 1
    if isinstance(exc, DBAPIError):
        cause = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        return (f"the database refused the operation ({cause}); nothing was changed. Check "
                "BREACHCLOCK_DATABASE_URL and that no other process holds the record"), 1
    return None


def _guarded(callback):  # type: ignore[no-untyped-def]
    @functools.wraps(callback)
    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return callback(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - turned into a one-line message unless --debug
            explained = _explain(exc)
            if explained is None or _DEBUG["on"]:
                raise
            _fail(*explained)

    return run


for _typer in (app, rules_app, audit_app, task_app, clients_app, notice_app, obligation_app):
    for _command in _typer.registered_commands:
        _command.callback = _guarded(_command.callback)


if __name__ == "__main__":  # pragma: no cover
    app()
