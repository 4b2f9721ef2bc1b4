"""Prefect defaults for breachclock, applied before Prefect is imported.

On the embedded default Prefect runs its ephemeral API server as a child
process with its home inside ``BREACHCLOCK_HOME``; two of its background
services that lock SQLite under write load are off, and a watchdog stops the
server if the command is killed. Anything the user set explicitly wins: these
are ``setdefault``s.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from breachclock.models.settings import get_settings


def configure_prefect() -> None:
    from breachclock.flows import watchdog

    watchdog.start()  # a killed command's ephemeral Prefect server must not run on
    home = get_settings().home_dir
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The first start in a fresh home migrates Prefect's database: on a busy 2-core machine that can take
    # longer than Prefect's default wait.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The ephemeral server logs its own start-up races (two commands picking one port; it retries): not the
    # user's business. A run that fails says so itself.
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


@contextmanager
def quiet_runs() -> Iterator[None]:
    """No heartbeat thread per run: it costs ~1 s a run and can only be switched off in code."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
