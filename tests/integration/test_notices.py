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
    iid = open_incident(playbook=None, summary="A laptop was stolen from a car.")
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
