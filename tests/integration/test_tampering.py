"""Tampering with the legal record from outside breachclock, on SQLite and PostgreSQL: every attack is refused by
the database or detected and named by `audit verify`, and nothing is sent on top of a tampered record.

The record under attack is a notified incident: notices approved, deliveries sent, obligations met. Each attack
is what someone with direct access to the database (or the files) could do; "bypass" means they first disable
the protective triggers, which verification reports too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from breachclock.models import AuditEvent, Notice
from breachclock.models.audit import checkpoint_dir, verify_chain
from breachclock.models.db import session_scope
from breachclock.models.incident.stages import STAGES, run_stage
from breachclock.models.notice.approval import decide
from breachclock.models.outbox.service import SendRefused, send
from breachclock.notifications.config import NotificationSettings, build_channels
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from breachclock.cli import app
from tests.factories import contained_incident_with_people
from tests.notifications.fakes import FakeSendGridServer

runner = CliRunner()


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGridServer() as server:
        yield server


def _channels(sendgrid: FakeSendGridServer, home: Path):  # type: ignore[no-untyped-def]
    settings = NotificationSettings(channel_backend="live", sendgrid_api_key=SecretStr(sendgrid.api_key),
                                    sendgrid_host=sendgrid.url, email_from="privacy@example-law.test",
                                    postal_sender_block="Example LLP\n1 Main St\nBoston MA 02110",
                                    postal_outbox_dir=home / "outbox" / "postal", provider_timeout_seconds=2)
    return build_channels(settings, channels=["email", "postal", "filing"])


@pytest.fixture
def notified(engine, home, tmp_path, sendgrid) -> str:  # type: ignore[no-untyped-def]
    """An incident whose six Californians were e-mailed, its notices approved, its duties met, its dossier written."""
    iid = contained_incident_with_people(engine, tmp_path, 6)
    for stage in STAGES[:6]:
        run_stage(stage, iid, engine=engine)
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    run_stage("approval", iid, engine=engine)
    assert run_stage("notification", iid, engine=engine, channels=_channels(sendgrid, home)).outcome == "done"
    assert run_stage("documentation", iid, engine=engine).outcome == "done"  # the dossier is evidence
    with session_scope(engine) as s:
        assert verify_chain(s, iid).ok
    return iid


def _bypass(conn, dialect: str) -> None:  # type: ignore[no-untyped-def]
    """What someone with the database's owner rights does first: switch the guards off."""
    if dialect == "sqlite":
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
            conn.execute(text(f"DROP TRIGGER {name}"))
    else:
        for table in ("audit_events", "approvals", "evidence", "incident_events", "obligation_decisions"):
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))


def _problems(engine, iid: str) -> str:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["audit", "verify", iid])
    assert result.exit_code == 1, f"undetected:\n{result.output}"
    return " ".join(result.output.split())


def _sql(*statements: str) -> Callable[..., None]:
    def attack(conn, iid: str, dialect: str) -> None:  # type: ignore[no-untyped-def]
        _bypass(conn, dialect)
        for statement in statements:
            conn.execute(text(statement), {"i": iid})

    return attack


# Each attack: (name, function(conn, incident id, dialect), a phrase verification must name).
DETECTED = [
    ("delete the last event", _sql("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events "
                                   "WHERE incident_id = :i)"), "checkpointed at"),
    ("delete the last 20 events", _sql("DELETE FROM audit_events WHERE incident_id = :i AND seq > "
                                       "(SELECT max(seq) - 20 FROM audit_events WHERE incident_id = :i)"),
     "checkpointed at"),
    ("delete the whole chain", _sql("DELETE FROM audit_events WHERE incident_id = :i"), "the chain was deleted"),
    ("edit an event's reason", _sql("UPDATE audit_events SET reason = 'nothing happened' WHERE incident_id = :i "
                                    "AND seq = 2"), "was altered"),
    ("edit an event's details", _sql("UPDATE audit_events SET details = '{}' WHERE incident_id = :i AND seq = 3"),
     "was altered"),
    ("insert an approval row", _sql("INSERT INTO approvals (notice_id, content_hash, decision, counsel, decided_at) "
                                    "SELECT id, content_hash, 'approved', 'Mallory', '2026-01-01 00:00:00' FROM "
                                    "notices WHERE incident_id = :i"), "has no event in the chain"),
    ("turn an approval's counsel", _sql("UPDATE approvals SET counsel = 'Mallory'"), "differs from its event"),
    ("delete an approval", _sql("DELETE FROM approvals"), "missing from the approvals table"),
    ("move the incident's status", _sql("UPDATE incidents SET status = 'notifying' WHERE id = :i"),
     "the chain's last move"),
    ("mark a duty met", _sql("UPDATE obligations SET fulfilled_at = '2026-01-01 00:00:00', fulfillment = 'sent' "
                             "WHERE incident_id = :i AND fulfilled_at IS NULL"), "obligations changed outside"),
    ("move a deadline", _sql("UPDATE obligations SET due = '2099-01-01 00:00:00' WHERE incident_id = :i AND "
                             "due IS NOT NULL"), "obligations changed outside"),
    ("switch a duty off", _sql("UPDATE obligations SET required = false WHERE incident_id = :i AND required"),
     "obligations changed outside"),
    ("edit a notice's context", _sql("UPDATE notices SET context = '{}' WHERE incident_id = :i"),
     "notices changed outside"),
    ("edit a variant's template snapshot", _sql("UPDATE notice_variants SET templates = '{}'"),
     "notice_variants changed outside"),
    ("turn a delivery's status", _sql("UPDATE deliveries SET status = 'failed' WHERE id = (SELECT min(id) FROM "
                                      "deliveries)"), "altered outside breachclock"),
    ("insert a delivery", _sql("INSERT INTO deliveries (notice_id, channel, idempotency_key, content_hash, status, "
                               "attempts, created_at) SELECT notice_id, channel, 'forged-key', 'x', 'sent', 1, "
                               "created_at FROM deliveries WHERE id = (SELECT min(id) FROM deliveries)"),
     "not queued by breachclock"),
    ("delete a delivery", _sql("DELETE FROM deliveries WHERE id = (SELECT max(id) FROM deliveries)"),
     "missing from the deliveries table"),
    ("delete a person", _sql("DELETE FROM deliveries WHERE person_id = (SELECT min(id) FROM affected_people)",
                             "DELETE FROM person_keys WHERE person_id = (SELECT min(id) FROM affected_people)",
                             "DELETE FROM affected_people WHERE id = (SELECT min(id) FROM affected_people)"),
     "affected_people changed outside"),
    ("edit evidence", _sql("UPDATE evidence SET sha256 = 'forged' WHERE incident_id = :i"),
     "evidence changed outside"),
    ("reopen a task", _sql("UPDATE playbook_tasks SET status = 'open' WHERE incident_id = :i"),
     "playbook_tasks changed outside"),
    ("drop a protective trigger", lambda conn, iid, dialect: conn.execute(text(
        "DROP TRIGGER audit_events_no_delete" if dialect == "sqlite"
        else "DROP TRIGGER audit_events_no_delete ON audit_events")), "audit_events_no_delete on audit_events is missing"),
]


@pytest.mark.parametrize(("name", "attack", "named"), DETECTED, ids=[d[0] for d in DETECTED])
def test_every_attack_on_the_record_is_detected_and_named(engine, notified, name, attack, named) -> None:
    dialect = engine.dialect.name
    with engine.begin() as conn:
        attack(conn, notified, dialect)
    said = _problems(engine, notified)
    assert named in said, said
    if "trigger" not in name:
        # Nothing is sent on top of a tampered record.
        with pytest.raises(SendRefused, match="does not prove itself"):
            send(engine, notified, lambda names: {}, actor="t")


def test_a_forged_append_with_a_correct_unkeyed_hash_is_detected(engine, notified) -> None:
    with session_scope(engine) as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.incident_id == notified)
                         .order_by(AuditEvent.seq.desc())).first()
        forged = AuditEvent(incident_id=notified, seq=last.seq + 1, at=last.at, actor="Mallory",
                            action="notice_approved", reason="approved", details={}, prev_hash=last.hash,
                            scheme=None)
        forged.hash = forged.compute_hash()  # a correct sha256: the attacker has no key for an HMAC
        row = {c: getattr(forged, c) for c in ("incident_id", "seq", "at", "actor", "action", "reason",
                                               "prev_hash", "hash")}
        s.expunge_all()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (incident_id, seq, at, actor, action, reason, details, prev_hash, "
                          "hash) VALUES (:incident_id, :seq, :at, :actor, :action, :reason, '{}', :prev_hash, :hash)"),
                     {**row, "at": row["at"].replace(tzinfo=None)})
    assert "unkeyed after keyed" in _problems(engine, notified)


def test_a_whole_chain_rehashed_after_an_edit_is_detected(engine, notified) -> None:
    """Without the key, a rehash can only be sha256 or a guess: both fail; the checkpoint catches even a keyed one."""
    import hashlib

    dialect = engine.dialect.name
    with engine.begin() as conn:
        _bypass(conn, dialect)
        prev = "0" * 64
        for row in conn.execute(text("SELECT id, seq FROM audit_events WHERE incident_id = :i ORDER BY seq"),
                                {"i": notified}).all():
            digest = hashlib.sha256(f"{prev}|{row.seq}".encode()).hexdigest()
            conn.execute(text("UPDATE audit_events SET reason = 'rewritten', prev_hash = :p, hash = :h, "
                              "scheme = NULL WHERE id = :id"), {"p": prev, "h": digest, "id": row.id})
            prev = digest
    said = _problems(engine, notified)
    assert "was altered" in said or "differs from the one checkpointed" in said, said


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET reason = 'x'",
    "DELETE FROM audit_events",
    "UPDATE approvals SET counsel = 'x'",
    "DELETE FROM evidence",
])
def test_the_database_refuses_edits_of_append_only_tables(engine, notified, statement) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


def test_sqlite_refuses_insert_or_replace(engine, notified) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("REPLACE is SQLite's")
    with pytest.raises(DBAPIError, match="REPLACE refused"), engine.begin() as conn:
        conn.execute(text("INSERT OR REPLACE INTO audit_events SELECT * FROM audit_events WHERE incident_id = :i "
                          "AND seq = 1"), {"i": notified})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT reason FROM audit_events WHERE incident_id = :i AND seq = 1"),
                            {"i": notified}).scalar()


def test_postgresql_refuses_truncate_and_replica_role_tricks(engine, notified) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE and replication roles are PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events CASCADE"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM audit_events WHERE incident_id = :i"), {"i": notified})
    with session_scope(engine) as s:
        assert verify_chain(s, notified).ok


def test_a_forged_checkpoint_line_is_named(engine, notified) -> None:
    path = checkpoint_dir() / f"{notified}.jsonl"
    line = json.loads(path.read_text().splitlines()[-1])
    line["seq"] += 5
    with path.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    assert "not signed by this record's key" in _problems(engine, notified)


def test_a_deleted_checkpoint_file_is_named(engine, notified) -> None:
    (checkpoint_dir() / f"{notified}.jsonl").unlink()
    assert "no checkpoint of this chain exists outside the database" in _problems(engine, notified)


def test_a_template_edited_after_approval_changes_nothing_sent(engine, notified, home, tmp_path, sendgrid) -> None:
    """Sending renders from the snapshot counsel approved, never from the files: an upgrade between approval
    and sending cannot change a letter."""
    from breachclock.notifications.templates import TEMPLATE_DIR

    (tmp_path / "b").mkdir()
    iid2 = contained_incident_with_people(engine, tmp_path / "b", 2)
    for stage in STAGES[:6]:
        run_stage(stage, iid2, engine=engine)
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid2)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    run_stage("approval", iid2, engine=engine)
    body = TEMPLATE_DIR / "individual" / "_body.txt"
    original = body.read_text(encoding="utf-8")
    try:
        body.write_text(original + "\nINJECTED AFTER APPROVAL\n", encoding="utf-8")
        sendgrid.reset()
        run_stage("notification", iid2, engine=engine, channels=_channels(sendgrid, home))
    finally:
        body.write_text(original, encoding="utf-8")
    texts = [c["value"] for r in sendgrid.accepted for c in r.json()["content"]]
    assert texts and not any("INJECTED" in t for t in texts)


def test_the_application_can_run_as_a_postgresql_role_that_owns_nothing(home, monkeypatch) -> None:
    """The README's least-privilege setup: the schema belongs to an owner role; the application's role can read
    and write rows but cannot TRUNCATE, disable triggers or change the schema."""
    import os
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = os.environ.get("BREACHCLOCK_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("BREACHCLOCK_TEST_POSTGRES_URL is not set: PostgreSQL-backed tests skipped")
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, name = f"bc_owner_{suffix}", f"bc_app_{suffix}", f"breachclock_lp_{suffix}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
            conn.execute(text(f"CREATE ROLE {app_role} LOGIN"))
            conn.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))
    except DBAPIError as exc:
        pytest.skip(f"cannot create roles on this server: {type(exc).__name__}")
    url = make_url(base).set(database=name)
    try:
        from breachclock.models.db import forget_engines, get_engine

        owner_engine = get_engine(url.set(username=owner).render_as_string(hide_password=False))
        with owner_engine.begin() as conn:  # the grants the README gives
            conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {app_role}"))
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role}"))
        app_url = url.set(username=app_role).render_as_string(hide_password=False)
        monkeypatch.setenv("BREACHCLOCK_DATABASE_URL", app_url)
        forget_engines()
        engine = get_engine(app_url)
        from breachclock.models.incident.service import open_incident

        from tests.factories import sample_facts

        with session_scope(engine) as s:
            iid = open_incident(s, sample_facts(), source=b"t", playbook="ransomware", actor="tester").id
        with session_scope(engine) as s:
            assert verify_chain(s, iid).ok
        for attack in ("TRUNCATE audit_events CASCADE", "ALTER TABLE audit_events DISABLE TRIGGER USER",
                       "DROP TRIGGER audit_events_no_delete ON audit_events", "SET session_replication_role = replica"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner|append-only"), \
                    engine.begin() as conn:
                conn.execute(text(attack))
        with session_scope(engine) as s:
            assert verify_chain(s, iid).ok
    finally:
        from breachclock.models.db import forget_engines

        forget_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {app_role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()
