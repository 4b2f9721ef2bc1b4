"""Regulator filing packages from a real incident record: the form's fields filled, what is missing, the PDF and
the JSON saying the same, the ``report`` command, and no affected person's details anywhere in a package."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from breachclock.models import Incident
from breachclock.models.base import utcnow
from breachclock.models.db import session_scope
from breachclock.models.errors import InvalidRequest, NotFound
from breachclock.models.incident.lifecycle import fire
from breachclock.models.notice.drafting import draft_notices
from breachclock.models.report.filing import build_package, regulator_obligations
from breachclock.models.report.filing_document import write_packages
from pypdf import PdfReader
from typer.testing import CliRunner

from breachclock.cli import app
from tests.factories import finish_containment

SUMMARY = "An employee's laptop holding client intake forms was stolen from a parked car."
FACTS = {"summary": SUMMARY, "affected": {"US-CA": 600, "US-TX": 300, "US-CO": 700},
         "breach_started_at": "2026-02-27T22:00:00-05:00", "breach_ended_at": "2026-03-01T09:00:00-05:00",
         "measures_taken": ["Disabled the laptop's accounts and reset credentials."],
         "entity": {"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"],
                    "contact": "Privacy Office, 1-800-555-0100, privacy@example.test"}}


def _drafted(engine, iid: str) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope", "assess", "draft"):
            if inc.status != "drafting":
                fire(s, inc, event, actor="a", reason="r")
        draft_notices(s, inc, actor="a")


def _package(engine, iid: str, regime: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with session_scope(engine) as s:
        [o] = regulator_obligations(s, iid, regime)
        return build_package(s, o, utcnow())


def _pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


def test_the_texas_package_is_filled_from_the_record_and_lists_what_is_missing(engine, open_incident) -> None:
    iid = open_incident(playbook=None, **FACTS)
    _drafted(engine, iid)
    p = _package(engine, iid, "US-TX")
    values = {f["id"]: f for f in p["fields"]}
    assert p["form"]["id"] == "US-TX" and p["form"]["kind"] == "statute"
    assert values["organization"]["value"] == "Example LLP"
    assert values["description"]["value"] == SUMMARY
    assert values["residents"]["value"] == "300"
    assert values["measures_taken"]["value"] == "- Disabled the laptop's accounts and reset credentials."
    assert values["residents_sent"]["value"] == "0"  # drafted, nothing sent yet
    assert values["measures_intended"]["status"] == "manual"
    assert values["law_enforcement"]["status"] == "missing"
    assert "no law-enforcement delay" in values["law_enforcement"]["missing_because"]
    assert {m["id"] for m in p["missing"]} == {"measures_intended", "law_enforcement"}
    assert p["summary"] == {"fields": 9, "required": 8, "required_filled": 6, "filled": 7, "missing": 2}
    assert p["deadline"]["due"] is not None and "overdue" in p["deadline"]["status"]
    assert p["statute_content"] and p["sample_notice"] is None  # Texas asks for no copy


def test_a_law_enforcement_hold_and_a_missing_summary_show_in_the_package(engine, open_incident) -> None:
    from breachclock.models.incident.service import hold

    iid = open_incident(playbook=None, **{**FACTS, "summary": None})
    _drafted(engine, iid)
    with session_scope(engine) as s:
        hold(s, s.get(Incident, iid), agency="FBI Boston field office", actor="a", reason="investigation")
    values = {f["id"]: f for f in _package(engine, iid, "US-TX")["fields"]}
    assert values["law_enforcement"]["value"].startswith("Yes: FBI Boston field office asked for a delay")
    assert values["description"]["status"] == "missing"
    assert "add summary" in values["description"]["missing_because"]


def test_pdf_and_json_carry_the_same_filled_values_and_the_sample_notice(engine, open_incident) -> None:
    iid = open_incident(playbook=None, **FACTS)
    _drafted(engine, iid)
    with session_scope(engine) as s:
        written = {w.regime: w for w in write_packages(s, iid)}
    assert set(written) == {"US-CA", "US-CO", "US-TX"}
    for w in written.values():
        assert w.pdf.parent.name == "filings" and w.pdf.parent.parent.name == iid
        assert oct(w.pdf.stat().st_mode & 0o777) == "0o600"
        data = json.loads(w.json.read_text(encoding="utf-8"))
        text = _pdf_text(w.pdf)
        assert "missing" in text.lower()
        assert data["obligation"]["citation"][:30] in text
        for f in data["fields"]:
            if f["status"] == "filled":
                first = re.sub(r"\s+", " ", f["value"].splitlines()[0])[:40]
                assert first in text, (w.regime, f["id"], first)
        for m in data["missing"]:
            assert m["label"][:30] in text
    ca = json.loads(written["US-CA"].json.read_text(encoding="utf-8"))
    assert ca["form"]["copy_of_notice"] == "required" and ca["sample_notice"]["channel"] == "postal"
    ca_text = _pdf_text(written["US-CA"].pdf)
    assert "Notice of Data Breach" in ca_text and "What Happened" in ca_text and "[Recipient name]" in ca_text
    co = json.loads(written["US-CO"].json.read_text(encoding="utf-8"))
    assert co["form"]["kind"] == "generic" and co["form"]["caveat"].startswith("No form is encoded")
    co_text = _pdf_text(written["US-CO"].pdf)
    assert "GENERIC FALLBACK" in co_text and "Colorado Attorney General" in co_text
    assert co["statute_content"] == [] and "captures no content list" in co_text and co["statute_content_note"]


def test_hhs_package_counts_everyone_affected(engine, open_incident) -> None:
    iid = open_incident(playbook=None, **{**FACTS, "entity": {**FACTS["entity"], "sectors": ["hipaa_covered_entity"]},
                                          "data_elements": ["name", "medical"]})
    _drafted(engine, iid)
    p = _package(engine, iid, "US-FED-HIPAA")
    values = {f["id"]: f["value"] for f in p["fields"]}
    assert p["form"]["id"] == "US-FED-HIPAA"
    assert values["individuals_affected"] == "1,600"
    assert values["breach_start"].startswith("February 27, 2026")
    assert values["ce_type"] is None and {"ce_type", "breach_type", "attestation"} <= {m["id"] for m in p["missing"]}


def test_unknown_incident_and_regime_without_a_regulator_duty_are_refused(engine, open_incident) -> None:
    iid = open_incident(playbook=None, **FACTS)
    with session_scope(engine) as s:
        with pytest.raises(NotFound):
            regulator_obligations(s, "INC-NOPE")
        with pytest.raises(InvalidRequest, match="US-NY.*regimes with one: US-CA, US-CO, US-TX"):
            regulator_obligations(s, iid, "US-NY")


def test_the_report_command_writes_and_lists_the_packages_and_fails_cleanly(engine, open_incident) -> None:
    runner = CliRunner()
    iid = open_incident(playbook=None, **FACTS)
    _drafted(engine, iid)
    env = {"COLUMNS": "300"}
    result = runner.invoke(app, ["report", iid], env=env)
    assert result.exit_code == 0, result.output
    for expected in ("US-TX attorney_general", "US-CA attorney_general", "generic: no form encoded", "6/8",
                     "filled/required", "US-TX.attorney_general.pdf", "3 package(s)"):
        assert expected in result.output
    only = runner.invoke(app, ["report", iid, "--regulator", "US-TX"], env=env)
    assert only.exit_code == 0 and "US-CA" not in only.output.split("Filing packages")[1].split("package(s)")[0]
    listed = json.loads(runner.invoke(app, ["report", iid, "--json"], env=env).output)
    assert {(p["regime"], p["form_kind"]) for p in listed} == {("US-CA", "form"), ("US-CO", "generic"),
                                                              ("US-TX", "statute")}
    assert all(Path(p["pdf"]).is_file() and len(p["pdf_sha256"]) == 64 for p in listed)
    unknown = runner.invoke(app, ["report", "INC-NOPE"], env=env)
    assert unknown.exit_code == 2 and "no incident 'INC-NOPE'" in unknown.output
    wrong = runner.invoke(app, ["report", iid, "--regulator", "US-NY"], env=env)
    assert wrong.exit_code == 2 and "no regulator obligation under 'US-NY'" in wrong.output


def test_no_affected_persons_details_appear_in_any_package(engine, open_incident, tmp_path) -> None:
    from breachclock.models.scoping.store import import_records

    iid = open_incident(playbook="lost_device", **{**FACTS, "affected": {}})
    finish_containment(engine, iid)
    extract = tmp_path / "people.csv"
    rows = [f"Zebulon{i},Quackenbush,,{4000 + i} Wisteria Lane,Sacramento,CA,95814,ssn;dob" for i in range(501)]
    rows += [f"Philippa{i},Throgmorton,philippa{i}.throgmorton@mail.test,,,TX,,ssn" for i in range(260)]
    extract.write_text("first_name,last_name,email,address,city,state,zip,exposed\n" + "\n".join(rows) + "\n")
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    _drafted(engine, iid)
    with session_scope(engine) as s:
        written = write_packages(s, iid)
    assert {w.regime for w in written} >= {"US-CA", "US-TX"}
    for w in written:
        for text in (_pdf_text(w.pdf), w.json.read_text(encoding="utf-8")):
            for needle in ("Quackenbush", "Zebulon", "Wisteria", "Throgmorton", "Philippa", "mail.test", "95814"):
                assert needle not in text, (w.pdf.name, needle)
    ca = json.loads(next(w for w in written if w.regime == "US-CA").json.read_text(encoding="utf-8"))
    assert {f["id"]: f["value"] for f in ca["fields"]}["organization"] == "Example LLP"
    assert "[Recipient name]" in ca["sample_notice"]["text"]
