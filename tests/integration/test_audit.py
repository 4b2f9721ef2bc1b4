"""The append-only, hash-chained audit log: the database refuses edits; verification finds hand edits."""

from __future__ import annotations

import pytest
from breachclock.models import AuditEvent
from breachclock.models.audit import verify_chain
from breachclock.models.db import session_scope
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from breachclock.cli import app

runner = CliRunner()


def _events(engine, iid: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid).order_by(AuditEvent.seq)))


def _bypass_triggers(conn, engine) -> None:  # type: ignore[no-untyped-def]
    # What someone with direct database access could do: remove the guard, then edit.
    if engine.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET reason = 'edited'", "DELETE FROM audit_events"])
def test_database_refuses_update_and_delete(engine, open_incident, statement: str) -> None:
    iid = open_incident()
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert verify_chain_ok(engine, iid)


@pytest.mark.parametrize("table", ["approvals", "evidence", "incident_events", "obligation_decisions"])
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_other_records_are_append_only_too(engine, open_incident, table: str, verb: str) -> None:
    from datetime import UTC, datetime

    from breachclock.models import Approval, Evidence, IncidentEvent, Notice, ObligationDecision

    iid = open_incident()
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.add(Notice(id="NTC-T", incident_id=iid, audience="regulator", recipient="AG", jurisdiction="US-CA",
                     data_set="entity", content_hash="h", context={}))
        s.flush()
        s.add_all([Approval(notice_id="NTC-T", content_hash="h", decision="approved", counsel="C"),
                   Evidence(incident_id=iid, kind="note", description="d", collected_by="a"),
                   IncidentEvent(incident_id=iid, type="determined", at=now, details={}, recorded_by="a"),
                   ObligationDecision(incident_id=iid, regime="NO-LAW-APPLIED", rule_key="individuals",
                                      jurisdiction="unknown", data_set="entity", required=True, counsel="C",
                                      reason="r")])
    column = {"approvals": "counsel", "evidence": "description", "incident_events": "type",
              "obligation_decisions": "counsel"}[table]
    statement = f"UPDATE {table} SET {column} = 'x'" if verb == "UPDATE" else f"DELETE FROM {table}"
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1


def verify_chain_ok(engine, iid: str) -> bool:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return verify_chain(s, iid).ok


def test_verify_passes_then_names_the_edited_event(engine, open_incident) -> None:
    iid = open_incident()
    result = runner.invoke(app, ["audit", "verify", iid])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    target = _events(engine, iid)[1]
    with engine.begin() as conn:
        _bypass_triggers(conn, engine)
        conn.execute(text("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i"), {"i": target.id})
    result = runner.invoke(app, ["audit", "verify", iid])
    assert result.exit_code == 1
    assert f"event id {target.id}" in result.output and f"#{target.seq} was altered" in result.output


def test_verify_names_a_deleted_event(engine, open_incident) -> None:
    iid = open_incident()
    events = _events(engine, iid)
    assert len(events) >= 2
    with engine.begin() as conn:
        _bypass_triggers(conn, engine)
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": events[0].id})
    result = runner.invoke(app, ["audit", "verify", iid])
    assert result.exit_code == 1
    assert "#1 is missing" in result.output


def test_verify_detects_a_rewritten_chain_link(engine, open_incident) -> None:
    iid = open_incident()
    events = _events(engine, iid)
    # Recomputing the edited event's own hash is not enough: the next event's link breaks.
    with session_scope(engine) as s:
        ev = s.get(AuditEvent, events[0].id)
        ev.reason = "rewritten"
        forged = ev.compute_hash()
        s.expunge(ev)
    with engine.begin() as conn:
        _bypass_triggers(conn, engine)
        conn.execute(text("UPDATE audit_events SET reason = 'rewritten', hash = :h WHERE id = :i"),
                     {"h": forged, "i": events[0].id})
    with session_scope(engine) as s:
        report = verify_chain(s, iid)
    assert not report.ok and report.seq == 2 and "does not link" in report.problem
