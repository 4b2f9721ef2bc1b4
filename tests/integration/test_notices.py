"""Drafting, rejection and redrafting: approvals bind to the exact content counsel read."""

from __future__ import annotations

import pytest
import yaml
from breachclock.models import AuditEvent, Incident, Notice
from breachclock.models.db import session_scope
from breachclock.models.incident.lifecycle import IllegalTransition, fire
from breachclock.models.incident.service import update_facts
from breachclock.models.notice.approval import decide
from breachclock.models.notice.drafting import NoticeError, draft_notices, redraft, variants_of
from sqlalchemy import select
from typer.testing import CliRunner

from breachclock.cli import app


def _drafted(engine, open_incident) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    return _drafted_with(engine, open_incident)


def _drafted_with(engine, open_incident, **facts) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    iid = open_incident(playbook=None, summary="A laptop was stolen from a car.", **facts)
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="a", reason="r")
        ids = [n.id for n in draft_notices(s, inc, actor="a").drafted]
        fire(s, inc, "submit_for_approval", actor="a", reason="r")
    return iid, ids


def test_rejected_notice_is_redrafted_from_new_facts_and_needs_approval_again(engine, open_incident) -> None:
    iid, ids = _drafted(engine, open_incident)
    with session_scope(engine) as s:
        for nid in ids:
            decide(s, nid, counsel="Jane Counsel", approve=True)
        decide(s, ids[0], counsel="Jane Counsel", approve=False, comment="say the laptop was recovered")
        old_hash = s.get(Notice, ids[0]).content_hash
    with session_scope(engine) as s:
        update_facts(s, s.get(Incident, iid), {"summary": "A laptop was stolen and later recovered."},
                               actor="a", reason="counsel's comment")
        # The facts changed: every notice not yet being delivered followed them at once.
        assert redraft(s, ids[0], actor="a") is False
        notice = s.get(Notice, ids[0])
        assert notice.content_hash != old_hash
        assert all("later recovered" in v.text for v in variants_of(s, ids[0]).values())
        assert redraft(s, ids[0], actor="a") is False  # nothing changed since
    with session_scope(engine) as s, pytest.raises(IllegalTransition, match=ids[0]):
        fire(s, s.get(Incident, iid), "notify", actor="a", reason="r")
    with session_scope(engine) as s:
        for nid in ids:  # every notice changed with the summary: each needs counsel again
            decide(s, nid, counsel="Jane Counsel", approve=True)
        fire(s, s.get(Incident, iid), "notify", actor="a", reason="r")
        assert s.get(Incident, iid).status == "notifying"


def test_approved_notices_follow_changed_facts_and_lose_their_approval(engine, open_incident) -> None:
    from breachclock.models.notice.approval import is_approved

    iid, ids = _drafted(engine, open_incident)
    with session_scope(engine) as s:
        for nid in ids:
            decide(s, nid, counsel="Jane Counsel", approve=True)
    with session_scope(engine) as s:
        update_facts(s, s.get(Incident, iid), {"affected": {"US-CA": 900, "US-TX": 250}}, actor="a",
                     reason="forensics: more Californians")
        ag = [n for n in s.scalars(select(Notice).where(Notice.incident_id == iid)) if "California" in n.recipient
              and n.audience == "regulator"]
        assert ag and all(n.context["residents_count"] == 900 for n in ag)
        assert not any(is_approved(s, n) for n in ag)  # counsel approved the old count, not this one


def test_rejection_needs_a_comment_and_approval_needs_counsel(engine, open_incident) -> None:
    _, ids = _drafted(engine, open_incident)
    with session_scope(engine) as s, pytest.raises(NoticeError, match="comment"):
        decide(s, ids[0], counsel="Jane Counsel", approve=False)
    with session_scope(engine) as s, pytest.raises(NoticeError, match="counsel"):
        decide(s, ids[0], counsel=" ", approve=True)


def test_update_command_validates_and_changes_nothing_on_bad_input(engine, open_incident, tmp_path) -> None:
    iid = open_incident()
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"determined_at": "2026-03-03T09:00:00"}))
    result = runner.invoke(app, ["update", iid, str(bad), "--reason", "confirmed"])
    assert result.exit_code == 2 and "determined_at: naive datetime" in result.output
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"affected": {"US-CA": 900}}))
    result = runner.invoke(app, ["update", iid, str(good), "--reason", "forensics finished"])
    assert result.exit_code == 0, result.output
    with session_scope(engine) as s:
        assert s.get(Incident, iid).facts["affected"] == {"US-CA": 900}
        assert s.get(Incident, iid).determined_at is None
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.incident_id == iid)))
    assert "facts_changed" in actions


def test_a_notice_failing_a_content_rule_cannot_be_approved_until_its_facts_are_fixed(engine, open_incident) -> None:
    # Cal. Civ. Code § 1798.82(d)(2)(G): SSNs exposed, so the letter must offer at least 12 months of
    # identity theft prevention services; without an offer in the facts the draft fails and counsel cannot approve.
    iid, ids = _drafted_with(engine, open_incident, credit_monitoring=None)
    with session_scope(engine) as s:
        (ca,) = [n for n in (s.get(Notice, i) for i in ids) if n.audience == "individual" and n.jurisdiction == "US-CA"]
        with pytest.raises(NoticeError, match=r"identity_protection_offer.*1798\.82\(d\)\(2\)\(G\)"):
            decide(s, ca.id, counsel="Jane Counsel", approve=True)
        ca_id = ca.id
    with session_scope(engine) as s:
        assert not list(s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid,
                                                           AuditEvent.action == "notice_approved")))
        update_facts(s, s.get(Incident, iid), {"credit_monitoring": {"provider": "IDX", "months": 12}},
                     actor="a", reason="offer arranged")
    with session_scope(engine) as s:
        approval = decide(s, ca_id, counsel="Jane Counsel", approve=True)
        event = s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid,
                                                   AuditEvent.action == "notice_approved")).one()
        assert approval.decision == "approved" and event.details["content_checks"]["failed"] == []
        assert "US-CA:type_size" in event.details["content_checks"]["confirmed_by_counsel"]
        letter = variants_of(s, ca_id)["postal"].text
        assert "12 months of credit monitoring and identity theft protection through IDX" in letter
