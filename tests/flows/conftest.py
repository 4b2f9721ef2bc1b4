"""One Prefect test harness per session: starting Prefect costs ~20 s, so it is shared."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Prefect home shared by every flow test and by the subprocesses they start."""
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def prefect_harness(prefect_home: Path) -> Iterator[None]:
    os.environ["PREFECT_HOME"] = str(prefect_home)
    from flows.runtime import configure_prefect

    configure_prefect()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
