"""The ``breachclock`` command line (typer + rich): one module per command group; this one assembles them.

Exit codes, the same for every command:

- 0: done;
- 1: refused or failed a check: a guard of the record (a hold, a closed incident, an illegal move, a notice
  counsel has not approved), a broken audit chain, a wrong encryption key; the message says what to do;
- 2: bad input: a file, field, option or id to correct (the message names it); nothing was written.

Errors are one line (``--debug`` shows the traceback); messages never contain an affected person's details.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from breachclock.cli import incident, law, notice, record, report, risk, scope
from breachclock.cli.output import BadInput, console, err, fail, pydantic_message

app = typer.Typer(no_args_is_help=True, help="breachclock: breach response against every deadline that applies.")
app.add_typer(incident.app)
app.add_typer(notice.app)
app.add_typer(scope.app)
app.add_typer(report.app)
app.add_typer(notice.notice_app, name="notice")
app.add_typer(incident.obligation_app, name="obligation")
app.add_typer(incident.task_app, name="task")
app.add_typer(incident.clients_app, name="clients")
app.add_typer(record.audit_app, name="audit")
app.command("decision-record")(record.decision_record)
app.add_typer(law.rules_app, name="rules")
app.add_typer(risk.risk_app, name="risk")

_DEBUG = {"on": False}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"breachclock {version('breachclock')}")
        raise typer.Exit()


@app.callback()
def _setup(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")] = False,
    home: Annotated[Path | None, typer.Option(help="Data directory (sets BREACHCLOCK_HOME).")] = None,
    database_url: Annotated[str | None, typer.Option(help="The legal record's database (sets "
                                                     "BREACHCLOCK_DATABASE_URL).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Settings from options win over the environment; breachclock's own warnings go to stderr."""
    import logging

    from rich.logging import RichHandler

    from breachclock.models.settings import get_settings

    _DEBUG["on"] = debug
    os.umask(0o077)  # everything this process writes (database, letters, reports) is owner-only
    if home is not None:
        os.environ["BREACHCLOCK_HOME"] = str(home.expanduser().resolve())
    if database_url is not None:
        os.environ["BREACHCLOCK_DATABASE_URL"] = database_url
    if home is not None or database_url is not None:
        from breachclock.models.person.crypto import get_sealer

        get_settings.cache_clear()
        get_sealer.cache_clear()  # the key lives in the home
    logger = logging.getLogger("breachclock")
    if not logger.handlers:
        # The level sits on the handler, not the logger: the logger's own level would outlive this command
        # in a process that goes on (tests, a server) and silence every breachclock.* record below it.
        handler = RichHandler(console=err, show_time=False, show_path=False)
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)


@app.command()
def demo() -> None:
    """Run a complete sample incident, detection to notified, on the embedded default with in-memory channels."""
    from breachclock.demo import run_demo

    raise typer.Exit(run_demo(console))


def _explain(exc: BaseException) -> tuple[str, int] | None:
    """A one-line cause and its exit code for the errors a user can meet; None for a defect (shown in full)."""
    from jinja2 import TemplateError
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm.exc import StaleDataError

    from breachclock.models.audit import RecordTampered
    from breachclock.models.errors import InvalidRequest, NotFound, Refused
    from breachclock.models.incident.lifecycle import IllegalTransition
    from breachclock.models.notice.drafting import NoticeError
    from breachclock.models.outbox.service import SendRefused
    from breachclock.models.person.crypto import KeyError_
    from breachclock.models.scoping.errors import ScopingError
    from breachclock.notifications.config import ChannelConfigurationError

    if isinstance(exc, ValidationError):
        return pydantic_message("input", exc), 2
    if isinstance(exc, BadInput | NotFound | InvalidRequest | ScopingError):
        return str(exc), 2
    if isinstance(exc, Refused | SendRefused | IllegalTransition | NoticeError | RecordTampered | KeyError_
                  | ChannelConfigurationError):
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


def _guarded(callback: Any) -> Any:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - turned into a one-line message unless --debug
            explained = _explain(exc)
            if explained is None or _DEBUG["on"]:
                raise
            fail(*explained)

    return run


def _guard_all(group: typer.Typer) -> None:
    for command in group.registered_commands:
        command.callback = _guarded(command.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _guard_all(sub.typer_instance)


_guard_all(app)
