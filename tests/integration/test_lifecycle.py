"""The lifecycle state machine against a real database: transitions, guards, holds, audit in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from breachclock.models import AuditEvent, Hold, Incident
from breachclock.models.db import session_scope
from breachclock.models.incident.lifecycle import IllegalTransition, allowed_events, fire
from breachclock.models.incident.service import hold, release
from breachclock.models.notice.approval import decide
from breachclock.models.notice.drafting import draft_notices
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import finish_containment


def _status(engine, incident_id: str) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.get(Incident, incident_id).status


def test_illegal_move_names_state_and_allowed_events(engine, open_incident) -> None:
    iid = open_incident()
    with session_scope(engine) as s, pytest.raises(IllegalTransition) as exc:
        fire(s, s.get(Incident, iid), "notify", actor="a", reason="r")
    assert "'detected'" in str(exc.value) and "triage" in str(exc.value) and "hold" in str(exc.value)
    assert _status(engine, iid) == "detected"


def test_containment_guard_requires_every_containment_task(engine, open_incident) -> None:
    iid = open_incident()
    with session_scope(engine) as s:
        fire(s, s.get(Incident, iid), "triage", actor="a", reason="r")
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match="containment task"):
        fire(s, s.get(Incident, iid), "contain", actor="a", reason="r")
    finish_containment(engine, iid)
    with session_scope(engine) as s:
        fire(s, s.get(Incident, iid), "contain", actor="a", reason="r")
    assert _status(engine, iid) == "contained"


def test_cannot_leave_scoped_without_counts(engine, open_incident) -> None:
    iid = open_incident(playbook=None, affected={})
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope"):
            fire(s, inc, event, actor="a", reason="r")
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match="no affected counts"):
        fire(s, s.get(Incident, iid), "assess", actor="a", reason="r")
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match="no affected counts"):
        fire(s, s.get(Incident, iid), "close_no_notice", actor="a", reason="nothing exposed", counsel="C")
    assert _status(engine, iid) == "scoped"


def test_no_notifying_without_counsel_approval_of_every_notice(engine, open_incident) -> None:
    iid = open_incident(playbook=None)
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="a", reason="r")
        drafted = draft_notices(s, inc, actor="a").drafted
        fire(s, inc, "submit_for_approval", actor="a", reason="r")
    assert len(drafted) >= 2
    with session_scope(engine) as s:
        decide(s, drafted[0].id, counsel="Jane Counsel", approve=True)
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match="counsel has not approved"):
        fire(s, s.get(Incident, iid), "notify", actor="a", reason="r")
    with session_scope(engine) as s:
        for n in drafted[1:]:
            decide(s, n.id, counsel="Jane Counsel", approve=True)
        # A later rejection of the same content withdraws the approval.
        decide(s, drafted[0].id, counsel="Jane Counsel", approve=False, comment="fix the date")
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match=drafted[0].id):
        fire(s, s.get(Incident, iid), "notify", actor="a", reason="r")
    with session_scope(engine) as s:
        decide(s, drafted[0].id, counsel="Jane Counsel", approve=True)
        fire(s, s.get(Incident, iid), "notify", actor="a", reason="r")
    assert _status(engine, iid) == "notifying"


def test_hold_returns_to_the_state_it_left_and_records_the_interval(engine, open_incident) -> None:
    iid = open_incident()
    start = datetime(2026, 3, 3, 12, tzinfo=UTC)
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        fire(s, inc, "triage", actor="a", reason="r")
        hold(s, inc, agency="FBI Boston field office", actor="a", reason="case 123", at=start)
    assert _status(engine, iid) == "law_enforcement_hold"
    with session_scope(engine) as s:
        assert allowed_events(s, s.get(Incident, iid)) == ["release"]
        release(s, s.get(Incident, iid), actor="a", reason="cleared", at=start + timedelta(days=5))
    assert _status(engine, iid) == "triaged"
    with session_scope(engine) as s:
        (recorded,) = s.scalars(select(Hold).where(Hold.incident_id == iid)).all()
        assert recorded.ended_at - recorded.started_at == timedelta(days=5)
        assert recorded.agency == "FBI Boston field office"


def test_closed_no_notice_needs_reason_and_counsel(engine, open_incident) -> None:
    iid = open_incident()
    with session_scope(engine) as s:
        fire(s, s.get(Incident, iid), "triage", actor="a", reason="r")
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match="counsel"):
        fire(s, s.get(Incident, iid), "close_no_notice", actor="a", reason="no personal data involved")
    with session_scope(engine) as s:
        fire(s, s.get(Incident, iid), "close_no_notice", actor="a", reason="no personal data involved",
             counsel="Jane Counsel")
    assert _status(engine, iid) == "closed_no_notice"
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match="allowed events: none"):
        fire(s, s.get(Incident, iid), "triage", actor="a", reason="r")


def test_every_transition_appends_an_audit_event_in_the_same_transaction(engine, open_incident) -> None:
    iid = open_incident()
    with session_scope(engine) as s:
        fire(s, s.get(Incident, iid), "triage", actor="Ada Responder", reason="on call")
    with session_scope(engine) as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid,
                                                  AuditEvent.action != "record_sealed")
                         .order_by(AuditEvent.seq.desc())).first()
        assert (last.actor, last.action, last.from_state, last.to_state, last.reason) == (
            "Ada Responder", "transition:triage", "detected", "triaged", "on call")
    # A failure after the move rolls back both the status and its audit record.
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        fire(s, s.get(Incident, iid), "hold", actor="a", reason="r", agency="FBI")
        raise RuntimeError("crash before commit")
    assert _status(engine, iid) == "triaged"
    with session_scope(engine) as s:
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.incident_id == iid,
                                                         AuditEvent.action != "record_sealed")
                         .order_by(AuditEvent.seq.desc())).first() == "transition:triage"


def test_database_rejects_an_invalid_stored_status(engine, open_incident) -> None:
    iid = open_incident()
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE incidents SET status = 'bogus' WHERE id = :i"), {"i": iid})


@pytest.mark.parametrize("state", ["detected", "triaged", "contained", "scoped", "assessed", "drafting",
                                   "awaiting_approval", "notifying", "notified"])
def test_hold_is_possible_from_every_open_state_and_release_returns_there(engine, open_incident, state) -> None:
    iid = open_incident()
    with session_scope(engine) as s:  # a test shortcut (sealed, so not tampering): put the incident in `state`
        s.get(Incident, iid).status = state
    with session_scope(engine) as s:
        hold(s, s.get(Incident, iid), agency="FBI", actor="a", reason="request")
    with session_scope(engine) as s:
        release(s, s.get(Incident, iid), actor="a", reason="cleared")
    assert _status(engine, iid) == state


def test_an_incident_without_personal_data_is_assessed_and_owes_only_the_entity_based_filings(engine,
                                                                                             open_incident) -> None:
    from breachclock.models import Notice, Obligation
    from breachclock.models.incident.stages import run_stage

    iid = open_incident(playbook="ransomware", data_elements=[], affected={}, credit_monitoring=None,
                        entity={"name": "Listed Co", "timezone": "America/New_York", "sectors": ["sec_registrant"]},
                        events=[{"type": "materiality_determined", "at": "2026-03-04T09:00:00-05:00"}])
    run_stage("triage", iid, engine=engine)
    finish_containment(engine, iid)
    for stage in ("containment", "scoping", "assessment", "drafting"):
        result = run_stage(stage, iid, engine=engine)
        assert result.outcome in ("done", "waiting"), result
    assert _status(engine, iid) == "awaiting_approval"
    with session_scope(engine) as s:
        owed = {(o.regime, o.rule_key) for o in s.scalars(select(Obligation).where(
            Obligation.incident_id == iid, Obligation.required.is_(True)))}
        audiences = {(n.audience, n.jurisdiction) for n in s.scalars(select(Notice).where(Notice.incident_id == iid))}
    assert owed == {("US-FED-SEC", "form_8k")}
    assert audiences == {("regulator", "US")}  # the 8-K package, and no letter to anyone
