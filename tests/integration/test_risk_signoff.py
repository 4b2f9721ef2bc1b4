"""Counsel's sign-off of the risk assessment: an append-only, audited, sealed record the engine relies on."""

from __future__ import annotations

import json

import pytest
from breachclock.models import AuditEvent, Obligation, RiskSignoff
from breachclock.models.audit import verify_chain
from breachclock.models.db import session_scope
from breachclock.models.errors import Refused
from breachclock.models.incident.dossier import build_dossier
from breachclock.models.incident.service import get_incident, update_facts
from breachclock.models.risk.service import approve_assessment
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from breachclock.cli import app
from tests.factories import DOCUMENTED_NO_HARM

runner = CliRunner()
# A covered entity's patient records, 600 Californians: HIPAA's notices to people, HHS and the media.
HIPAA = {"entity": {"name": "Clinic", "timezone": "America/New_York", "sectors": ["hipaa_covered_entity"]},
         "data_elements": ["name", "medical"], "affected": {"US-CA": 600}}


def _duties(engine, iid: str) -> dict[tuple[str, str], Obligation]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return {(o.regime, o.rule_key): o for o in s.scalars(select(Obligation).where(Obligation.incident_id == iid))}


def test_sign_off_excuses_hipaa_notice_is_audited_and_a_changed_assessment_needs_another(engine, open_incident):
    iid = open_incident(**HIPAA, risk=DOCUMENTED_NO_HARM)
    before = _duties(engine, iid)
    assert before[("US-FED-HIPAA", "individuals")].required is True
    assert "counsel's sign-off" in before[("US-FED-HIPAA", "individuals")].reason
    # California has no risk-of-harm exception, and the record says so.
    assert "does not excuse notice" in before[("US-CA", "individuals")].reason

    with session_scope(engine) as s:
        approve_assessment(s, get_incident(s, iid), counsel="Jane Counsel", note="four factors reviewed")
    after = _duties(engine, iid)
    assert after[("US-FED-HIPAA", "individuals")].required is False
    assert "signed off by counsel Jane Counsel" in after[("US-FED-HIPAA", "individuals")].reason
    assert after[("US-FED-HIPAA", "risk_assessment_record")].required is True
    assert after[("US-CA", "individuals")].required is True
    with session_scope(engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid,
                                                   AuditEvent.action == "risk_assessment_signed_off")).one()
        assert event.actor == "Jane Counsel" and event.details["factors"][:2] == ["acquired_or_viewed",
                                                                                "appropriate_investigation"]
        dossier = build_dossier(s, iid)
        assert verify_chain(s, iid).ok
    record = dossier["risk_assessment"]
    assert record["sign_off"]["counsel"] == "Jane Counsel" and record["sign_off"]["current"]
    assert record["regimes"]["US-FED-HIPAA"]["relied_on"] is True
    assert "does not excuse notice" in record["regimes"]["US-CA"]["status"]

    # Signing the same assessment twice is refused; changing it brings the duty back until counsel signs again.
    with session_scope(engine) as s, pytest.raises(Refused, match="already signed off"):
        approve_assessment(s, get_incident(s, iid), counsel="Jane Counsel")
    changed = {**DOCUMENTED_NO_HARM, "assessment": "Revised: the image was incomplete."}
    with session_scope(engine) as s:
        update_facts(s, get_incident(s, iid), {"risk": changed}, actor="tester", reason="forensics revised")
    assert _duties(engine, iid)[("US-FED-HIPAA", "individuals")].required is True
    assert "has changed since" in _duties(engine, iid)[("US-FED-HIPAA", "individuals")].reason


def test_nothing_to_sign_off_when_harm_is_assessed_likely(engine, open_incident):
    iid = open_incident(**HIPAA)
    with session_scope(engine) as s, pytest.raises(Refused, match="no no-harm determination"):
        approve_assessment(s, get_incident(s, iid), counsel="Jane Counsel")
    with session_scope(engine) as s:
        assert not s.scalars(select(RiskSignoff)).all()


def test_the_database_refuses_edits_of_a_sign_off_and_verification_names_a_forged_one(engine, open_incident):
    iid = open_incident(**HIPAA, risk=DOCUMENTED_NO_HARM)
    with session_scope(engine) as s:
        approve_assessment(s, get_incident(s, iid), counsel="Jane Counsel")
    for statement in ("UPDATE risk_signoffs SET counsel = 'x'", "DELETE FROM risk_signoffs"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.begin() as conn:  # a sign-off inserted behind breachclock's back
        conn.execute(text("INSERT INTO risk_signoffs (incident_id, assessment_sha256, counsel, signed_at) "
                          "VALUES (:i, 'x', 'Forger', '2026-03-10 00:00:00')"), {"i": iid})
    with session_scope(engine) as s:
        report = verify_chain(s, iid)
    assert not report.ok and "risk_signoffs" in (report.problem or "")


def test_cli_risk_approve_and_show(engine, open_incident):
    iid = open_incident(**HIPAA, risk=DOCUMENTED_NO_HARM)
    shown = runner.invoke(app, ["risk", "show", iid, "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["sign_off"] is None
    approved = runner.invoke(app, ["risk", "approve", iid, "--counsel", "Jane Counsel"])
    assert approved.exit_code == 0, approved.output
    assert "US-FED-HIPAA: exception relied on" in approved.output
    again = runner.invoke(app, ["risk", "approve", iid, "--counsel", "Jane Counsel"])
    assert again.exit_code == 1 and "already signed off" in again.output


def test_obligations_of_a_file_show_the_assessment_and_rely_on_no_exception(home, tmp_path):
    import yaml

    path = tmp_path / "incident.yaml"
    path.write_text(yaml.safe_dump({"title": "Lost laptop", "discovered_at": "2026-03-02T10:00:00-05:00",
                                    **HIPAA, "risk": DOCUMENTED_NO_HARM}), encoding="utf-8")
    out = runner.invoke(app, ["obligations", str(path), "--json", "--as-of", "2026-03-11T00:00:00Z"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["risk_assessment"]["sign_off"] is None
    assert "counsel's sign-off" in data["risk_assessment"]["regimes"]["US-FED-HIPAA"]["status"]
    individuals = next(d for d in data["obligations"] if (d["regime"], d["rule_key"]) == ("US-FED-HIPAA",
                                                                                          "individuals"))
    assert individuals["required"] is True
