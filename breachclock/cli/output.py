"""What every command shares: the consoles, reading input files, failing with a clear message, tables.

Nothing here decides anything: the services and views under ``models`` do; this module only prints.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err = Console(stderr=True)


class BadInput(Exception):
    """Input the user must fix (exit 2); nothing was written."""


def fail(message: str, code: int = 2) -> NoReturn:
    # Messages quote user input and record text: never rich markup.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _json_default(value: Any) -> str:
    # Instants as ISO 8601 to the second, as the engine's decision record writes them, so two views of one
    # deadline print the same text (an end-of-day target is 23:59:59.999999; it shows as 23:59:59).
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False) + "\n")


def _is_union_tag(part: object) -> bool:
    """pydantic names a union's alternative in the error location ('constrained-str', 'function-after[...]')."""
    return isinstance(part, str) and ("[" in part or part in ("str", "constrained-str", "int") or (
        part[:1].isupper() and part.isalnum() and any(c.islower() for c in part)))  # a model's name, not 'US-CA'/'DE'


def pydantic_message(source: str, exc: ValidationError) -> str:
    """One line per problem, naming the field. For a field that takes a name or an object (a client given by id
    or inline), the "not a string" alternative is dropped when the object has its own problems."""
    errors = exc.errors()
    lines: list[str] = []
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "string_type" and loc and _is_union_tag(loc[-1]) and any(
                o is not e and tuple(o["loc"][:len(loc) - 1]) == loc[:-1] for o in errors):
            continue
        where = ".".join(str(p) for p in loc if not _is_union_tag(p)) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "timezone_aware":
            msg = "naive datetime: add an offset such as -05:00 or Z"
        line = f"{source}: {where}: {msg}"
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def read_structured(path: Path) -> tuple[dict[str, Any], bytes]:
    """A YAML or JSON mapping, bounded and strictly parsed (see :mod:`playbooks.documents`)."""
    from breachclock.playbooks.documents import DocumentError, read_document

    try:
        data, raw = read_document(path)
    except DocumentError as exc:
        raise BadInput(str(exc)) from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a mapping of fields at the top level")
    return data, raw


def load_incident_file(path: Path):  # type: ignore[no-untyped-def]
    from breachclock.playbooks.facts import IncidentFacts

    data, raw = read_structured(path)
    try:
        return IncidentFacts.model_validate(data), raw
    except ValidationError as exc:
        raise BadInput(pydantic_message(str(path), exc)) from None


def instant(option: str, value: str | None) -> datetime | None:
    """An ISO 8601 instant with its offset (naive times are refused: whose 09:00?)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{option}: not an ISO 8601 instant: {value!r}") from None
    if when.tzinfo is None:
        raise BadInput(f"{option}: naive datetime: add an offset such as Z or -05:00")
    return when


def engine():  # type: ignore[no-untyped-def]
    from breachclock.models.db import get_engine

    return get_engine()


def run_flow(incident_id: str) -> list[dict[str, str]]:
    """The breach-response flow for one incident, on the configured Prefect API."""
    from breachclock.flows.runtime import configure_prefect, quiet_runs

    configure_prefect()
    from breachclock.flows.breach_response import breach_response

    with quiet_runs():
        return breach_response(incident_id)


def print_stages(results: list[dict[str, str]]) -> None:
    marks = {"done": "[green]✔[/]", "already_done": "[dim]·[/]", "waiting": "[yellow]⏸[/]"}
    for r in results:
        console.print(f"  {marks[r['outcome']]} {r['stage']:<14} {r['state']:<18} {escape(r['message'])}",
                      highlight=False)


# --- time display ------------------------------------------------------------------------


def urgency(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "dim"
    left = (due - now).total_seconds() / 3600
    return "bold red" if left < 0 else "red" if left < 24 else "yellow" if left < 72 else "green"


def when(due: datetime | None, tz: str) -> str:
    if due is None:
        return "no fixed deadline"
    local = due.astimezone(ZoneInfo(tz))
    return f"{local:%Y-%m-%d %H:%M %Z}\n[dim]{due.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%MZ}[/]"


def _policy_left(o: Any, now: datetime) -> str:
    """A duty with no fixed legal deadline shows the firm's own target (computed once by the engine), labelled
    as policy, never as law."""
    from breachclock.playbooks.clocks import humanize_delta

    target = o.policy_due
    return f"[dim]policy: {humanize_delta(target - now)}[/]" if target else "—"


def _met(o: Any) -> str:
    """How and when a duty was discharged, against its deadline (or the firm's target, as policy)."""
    from breachclock.playbooks.clocks import humanize_delta

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
    """Duties (stored obligations or the engine's decisions), soonest first as given."""
    from breachclock.playbooks.clocks import humanize_delta

    table = Table(title=escape(title), show_lines=False, expand=True)
    for col in ("regime", "recipient", "due (entity zone / UTC)", "time left", "why"):
        table.add_column(col, overflow="fold")
    for o in rows:
        if o.required is False and not show_not_required:
            continue
        due = o.due
        style = urgency(due, now) if o.required else "dim"
        if o.required is None:
            left, style = "[bold yellow]counsel must decide[/]", "yellow"
        elif getattr(o, "fulfilled_at", None):
            left = _met(o)
        elif due:
            left = humanize_delta(due - now)
        else:
            left = _policy_left(o, now) if o.required else "—"
        recipient = escape(o.recipient) + (f" [{o.jurisdiction}]" if o.jurisdiction not in (o.regime, "contract")
                                           else "").replace("[", r"\[")
        if getattr(o, "data_set", "entity") != "entity":
            recipient += f" [dim](data set {escape(o.data_set)})[/]"
        why = escape(o.reason) + (f" [dim]({o.confidence} confidence)[/]" if o.confidence != "high" else "")
        table.add_row(o.regime, recipient, when(due, o.timezone), f"[{style}]{left}[/]", why)
    return table


def table(title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Table:
    """A plain table of record text (escaped: a recipient's name is never markup)."""
    t = Table(title=escape(title))
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*(escape("" if v is None else str(v)) for v in row))
    return t
