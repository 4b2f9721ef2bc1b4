"""Shared fixtures: an isolated data directory per test, and the two databases.

``database_url`` runs a test on SQLite and, when BREACHCLOCK_TEST_POSTGRES_URL
is set, on a fresh PostgreSQL database too (skipped with the reason otherwise).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "BREACHCLOCK_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Prefect home shared by every flow test and by the subprocesses they start."""
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def prefect_harness(prefect_home: Path) -> Iterator[None]:
    os.environ["PREFECT_HOME"] = str(prefect_home)
    from breachclock.flows.runtime import configure_prefect

    configure_prefect()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _clear_caches() -> None:
    from breachclock.models.person.crypto import get_sealer
    from breachclock.models.settings import get_settings

    get_settings.cache_clear()
    get_sealer.cache_clear()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private BREACHCLOCK_HOME (database, key, outbox) for one test."""
    monkeypatch.setenv("BREACHCLOCK_HOME", str(tmp_path))
    monkeypatch.delenv("BREACHCLOCK_DATABASE_URL", raising=False)
    monkeypatch.delenv("BREACHCLOCK_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("BREACHCLOCK_CHANNEL_BACKEND", "memory")
    _clear_caches()
    yield tmp_path
    _clear_caches()


def _postgres_database() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL-backed tests skipped")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"breachclock_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - turned into a skip with the reason
        pytest.skip(f"PostgreSQL at {url.host}:{url.port} not reachable: {type(exc).__name__}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        from breachclock.models.db import forget_engines

        forget_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The legal record on SQLite (in ``home``) and on PostgreSQL; BREACHCLOCK_DATABASE_URL points at it."""
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'breachclock.db'}"
        monkeypatch.setenv("BREACHCLOCK_DATABASE_URL", url)
        _clear_caches()
        yield url
        return
    gen = _postgres_database()
    url = next(gen)
    monkeypatch.setenv("BREACHCLOCK_DATABASE_URL", url)
    _clear_caches()
    yield url
    gen.close()


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    from breachclock.models.db import get_engine

    return get_engine(database_url)


@pytest.fixture
def open_incident(engine):  # type: ignore[no-untyped-def]
    """Open an incident (sample facts with overrides) and return its id."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import open_incident as _open

    from tests.factories import sample_facts

    def _make(playbook: str | None = "ransomware", **overrides) -> str:  # type: ignore[no-untyped-def]
        with session_scope(engine) as session:
            return _open(session, sample_facts(**overrides), source=b"test", playbook=playbook, actor="tester").id

    return _make
