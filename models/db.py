"""Engine, sessions and schema migrations for the legal record.

The schema is owned by Alembic (``models/migrations``); :func:`migrate` brings
any database to head, and every entry point calls it before work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from breachclock.models.base import utcnow
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # SQLAlchemy, not the driver, begins transactions (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # 128 MB of page cache (default 2 MB): bulk imports insert into random-keyed indexes.
    cur.execute("PRAGMA cache_size=-131072")
    cur.close()


def _owner_only(path: Path) -> None:
    """The record is personal data's neighbour: its folder and file are the owner's alone."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm"):
        if (side := path.with_name(path.name + suffix)).exists():
            os.chmod(side, 0o600)


def _begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
    """Every SQLite transaction takes the write lock when it begins: two writers never both read the chain's head
    and then collide, and a reader never deadlocks upgrading to a writer. Others wait (busy_timeout)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _owner_only(Path(path))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


@cache
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    check_key(engine)
    return engine


def forget_engines() -> None:
    """Drop the cached engines (their pools stay open until collected): the next use migrates and checks again."""
    _engine_for.cache_clear()


def check_key(engine: Engine) -> None:
    """The key in use must be the one the record was written with; a record with data and no key never gets a new
    one. The first use records the key's fingerprint."""
    from breachclock.models.audit import RecordKey
    from breachclock.models.person.crypto import KeyError_, get_sealer

    with engine.begin() as conn:
        recorded = [k for (k,) in conn.execute(select(RecordKey.key_id))]
        has_data = conn.execute(text("SELECT EXISTS (SELECT 1 FROM affected_people) OR EXISTS "
                                     "(SELECT 1 FROM audit_events)")).scalar()
    sealer = get_sealer(may_create=not (recorded or has_data))
    if recorded and sealer.key_id not in recorded:
        raise KeyError_(f"the encryption key in use (fingerprint {sealer.key_id}) is not the key this record was "
                        f"written with ({', '.join(recorded)}): set BREACHCLOCK_ENCRYPTION_KEY to the original key, "
                        "or restore <home>/encryption.key from the backup taken with the database")
    if not recorded:
        with engine.begin() as conn:
            conn.execute(RecordKey.__table__.insert().values(key_id=sealer.key_id, created_at=utcnow()))


def get_engine(url: str | None = None) -> Engine:
    """The migrated engine for ``url`` (default: the configured database)."""
    if url is None:
        from breachclock.models.settings import get_settings

        url = get_settings().resolved_database_url()
    return _engine_for(url)


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.dbapi_connection if sqlite else None
        if raw is not None:
            # SQLite rebuilds a table to alter it; with foreign keys on, dropping the old copy of a referenced
            # table fails. The pragma works only outside a transaction (so on the driver's connection, before one
            # begins); the check after the upgrade proves nothing broke.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"migration left {len(broken)} broken foreign key reference(s)")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
