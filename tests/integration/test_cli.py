"""The CLI over the embedded default: opening incidents, the 24-hour clock, and bad input changing nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from typer.testing import CliRunner

from breachclock.cli import app

runner = CliRunner()

INCIDENT = {
    "title": "Lost laptop with client files",
    "entity": {"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"]},
    "discovered_at": "2026-03-02T10:00:00-05:00",
    "data_elements": ["name", "ssn"],
    "affected": {"US-CA": 501, "US-TX": 250},
    "clients": [{"id": "acme-corp", "name": "Acme Corp", "notice_hours": 24,
                 "notice_contact": "security@acme.example", "contract_reference": "MSA 9.2"}],
}


def _write(tmp_path: Path, data: object, name: str = "incident.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def _table_counts(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine

    eng = create_engine(url)
    with eng.connect() as conn:
        tables = ["incidents", "obligations", "audit_events", "clients", "playbook_tasks"]
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}


def test_open_shows_the_24_hour_client_obligation_in_utc_and_entity_zone(database_url, tmp_path) -> None:
    result = runner.invoke(app, ["open", str(_write(tmp_path, INCIDENT)), "--playbook", "lost_device",
                                 "--no-flow"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    # Discovery 10:00 EST = 15:00Z; 24 hours later: 2026-03-03 10:00 EST / 15:00Z.
    assert "2026-03-03 10:00 EST" in result.output
    assert "2026-03-03 15:00Z" in result.output
    assert "CONTRACT:acme-corp" in result.output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"discovered_at": "2026-03-02T10:00:00"}, "discovered_at: naive datetime"),
        ({"affected": {"US-ZZ": 3}}, "unknown jurisdiction code 'US-ZZ'"),
        ({"data_elements": ["name", "shoe_size"]}, "unknown data element(s) shoe_size"),
        ({"entity": {"name": "X", "timezone": "Mars/Olympus"}}, "entity.timezone: unknown time zone"),
        ({"clients": ["nobody-we-know"]}, "unknown client 'nobody-we-know'"),
        ({"affected": {"US-CA": -1}}, "affected.US-CA"),
        ({"surprise": 1}, "surprise: Extra inputs are not permitted"),
        ({"discovered_at": "2099-03-02T10:00:00Z"}, "discovered_at is in the future"),
        ({"breach_started_at": "2026-03-01T00:00:00Z", "breach_ended_at": "2026-02-01T00:00:00Z"},
         "breach_ended_at is before breach_started_at"),
        ({"clients": [INCIDENT["clients"][0], INCIDENT["clients"][0]]}, "acme-corp named more than once"),
        ({"clients": [{**INCIDENT["clients"][0], "notice_channel": "sms"}]}, "clients.0: "),
    ],
)
def test_malformed_incident_exits_2_names_the_problem_and_changes_nothing(database_url, tmp_path, change,
                                                                          expected) -> None:
    ok = runner.invoke(app, ["open", str(_write(tmp_path, INCIDENT, "ok.yaml")), "--no-flow"])
    assert ok.exit_code == 0, ok.output
    before = _table_counts(database_url)
    result = runner.invoke(app, ["open", str(_write(tmp_path, {**INCIDENT, **change})), "--no-flow"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert _table_counts(database_url) == before


def test_unknown_playbook_and_broken_yaml_exit_2(database_url, tmp_path) -> None:
    result = runner.invoke(app, ["open", str(_write(tmp_path, INCIDENT)), "--playbook", "alien_invasion",
                                 "--no-flow"])
    assert result.exit_code == 2 and "unknown playbook 'alien_invasion'" in result.output
    result = runner.invoke(app, ["open", str(_write(tmp_path, "title: [unclosed", "bad.yaml")), "--no-flow"])
    assert result.exit_code == 2 and "not valid YAML" in result.output
    assert _table_counts(database_url)["incidents"] == 0


def test_obligations_json_is_the_decision_record(home, tmp_path) -> None:
    result = runner.invoke(app, ["obligations", str(_write(tmp_path, INCIDENT)), "--json",
                                 "--as-of", "2026-03-02T16:00:00Z"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rows = {(o["regime"], o["recipient_kind"], o["jurisdiction"]): o for o in out["obligations"]}
    client = rows[("CONTRACT:acme-corp", "data_owner", "contract")]
    assert client["required"] and client["due"] == "2026-03-03T10:00:00-05:00"
    texas_ag = rows[("US-TX", "regulator", "US-TX")]
    assert texas_ag["required"] and texas_ag["threshold"]["text"] == "250 is at least 250"
    assert rows[("US-FL", "individual", "US-FL")]["required"] is False
    for o in out["obligations"]:
        assert {"regime", "recipient_kind", "recipient", "jurisdiction", "required", "due", "due_date", "due_text",
                "clock_start", "threshold", "reason", "citation", "rule_version", "confidence"} <= o.keys()


def test_rules_list_shows_every_regime(home) -> None:
    from breachclock.playbooks.catalog import regimes

    result = runner.invoke(app, ["rules", "list"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    for regime_id in regimes():
        assert regime_id in result.output


def test_registered_client_and_matter_terms_drive_the_contract_clock(database_url, tmp_path) -> None:
    clients = {"clients": [{"id": "acme-corp", "name": "Acme Corp", "notice_hours": 48,
                            "notice_contact": "security@acme.example", "contract_reference": "MSA 9.2",
                            "matters": [{"id": "acme-merger", "name": "Project Falcon", "notice_hours": 4}]}]}
    loaded = runner.invoke(app, ["clients", "load", str(_write(tmp_path, clients, "clients.yaml"))])
    assert loaded.exit_code == 0, loaded.output
    for ref, due in (("acme-corp", "2026-03-04T10:00:00-05:00"), ("acme-corp/acme-merger", "2026-03-02T14:00:00-05:00")):
        result = runner.invoke(app, ["obligations", str(_write(tmp_path, {**INCIDENT, "clients": [ref]})), "--json"])
        assert result.exit_code == 0, result.output
        (contract,) = [o for o in json.loads(result.stdout)["obligations"] if o["regime"] == "CONTRACT:acme-corp"]
        assert contract["due"] == due
    bad = runner.invoke(app, ["obligations", str(_write(tmp_path, {**INCIDENT, "clients": ["acme-corp/nope"]}))])
    assert bad.exit_code == 2 and "has no matter 'nope'" in bad.output


def test_the_readme_minimal_incident_file_works_on_a_fresh_home(home: Path, tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("A minimal", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = _write(tmp_path, block)
    result = runner.invoke(app, ["obligations", str(path), "--json"])
    assert result.exit_code == 0, result.output
    decisions = json.loads(result.output)["obligations"]
    owner = [d for d in decisions if d["recipient_kind"] == "data_owner" and d["required"]]
    assert owner and all(d["recipient_ref"] == "client:acme-corp" for d in owner)
    assert any(d["regime"] == "US-CA" and d["recipient_kind"] == "individual" and d["required"]
               and d["data_set"] == "firm-records" for d in decisions)
    result = runner.invoke(app, ["open", str(path), "--no-flow"])
    assert result.exit_code == 0, result.output


def test_every_command_given_an_unknown_id_exits_2_with_one_line(home: Path) -> None:
    first = runner.invoke(app, ["status"])  # a fresh home: the new key is announced, once, with its back-up advice
    assert first.exit_code == 0 and "generated a new encryption key" in first.output, first.output
    for args in (["run", "INC-NOPE"], ["status", "INC-NOPE"], ["notice", "list", "INC-NOPE"],
                 ["notice", "show", "NTC-NOPE"], ["notice", "send", "NTC-NOPE"], ["notice", "deliveries", "NTC-NOPE"],
                 ["audit", "log", "INC-NOPE"], ["audit", "verify", "INC-NOPE"], ["notice", "uncertain", "INC-NOPE"],
                 ["mailed", "INC-NOPE", "--receipt", "x"], ["hold", "INC-NOPE", "--agency", "FBI", "--reason", "r"],
                 ["scope", "INC-NOPE"], ["task", "done", "INC-NOPE", "isolate", "--outcome", "x"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "NOPE" in result.output and "Traceback" not in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, (args, result.output)


def test_a_clients_file_naming_a_client_twice_is_refused_whole(database_url: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["status"]).exit_code == 0  # the schema exists
    before = _table_counts(database_url)
    clients = [{"id": "a-corp", "name": "A", "notice_contact": "legal@a.test"},
               {"id": "b-corp", "name": "B", "notice_contact": "legal@b.test"},
               {"id": "a-corp", "name": "A again", "notice_contact": "other@a.test"}]
    result = runner.invoke(app, ["clients", "load", str(_write(tmp_path, {"clients": clients}, "c.yaml"))])
    assert result.exit_code == 2 and "'a-corp' is given twice" in result.output, result.output
    assert _table_counts(database_url) == before


def test_an_inline_client_error_names_the_field_not_the_union(home: Path, tmp_path: Path) -> None:
    bad = {**INCIDENT, "clients": [{**INCIDENT["clients"][0], "notice_channel": "sms"}]}
    result = runner.invoke(app, ["obligations", str(_write(tmp_path, bad))], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert "international format" in result.output
    assert "valid string" not in result.output and "function-after" not in result.output, result.output


def test_record_text_is_printed_as_text_never_as_markup(home: Path, tmp_path: Path) -> None:
    odd = {**INCIDENT, "title": "Breach [bold]of[/] [link=http://x]files[/link]",
           "clients": [{**INCIDENT["clients"][0], "name": "Acme [/] [red]Corp"}]}
    result = runner.invoke(app, ["open", str(_write(tmp_path, odd)), "--no-flow"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Breach [bold]of[/] [link=http://x]files[/link]" in result.output
    iid = result.output.split("Opened ")[1].split(":")[0]
    status = runner.invoke(app, ["status"], env={"COLUMNS": "250"})
    assert status.exit_code == 0 and "Breach [bold]of[/]" in status.output, status.output
    detail = runner.invoke(app, ["status", iid], env={"COLUMNS": "250"})
    assert detail.exit_code == 0 and "Acme [/] [red]Corp" in detail.output, detail.output


def test_global_options_version_home_and_json_views(home: Path, tmp_path: Path) -> None:
    from importlib.metadata import version

    assert runner.invoke(app, ["--version"]).output.strip() == f"breachclock {version('breachclock')}"
    other = tmp_path / "elsewhere"  # --home overrides BREACHCLOCK_HOME (the fixture restores it afterwards)
    opened = runner.invoke(app, ["--home", str(other), "open", str(_write(tmp_path, INCIDENT)), "--no-flow"])
    assert opened.exit_code == 0, opened.output
    assert (other / "breachclock.db").exists()
    iid = opened.output.split("Opened ")[1].split(":")[0]
    listed = json.loads(runner.invoke(app, ["--home", str(other), "status", "--json"]).output)
    assert [i["id"] for i in listed] == [iid] and listed[0]["next_due_duty"].startswith("CONTRACT:acme-corp")
    log = json.loads(runner.invoke(app, ["--home", str(other), "audit", "log", iid, "--json"]).output)
    assert log[0]["seq"] == 1 and log[0]["action"] == "incident_opened"
    rules = json.loads(runner.invoke(app, ["rules", "list", "--json"]).output)
    assert {"regime", "version", "citation", "confidence"} <= set(rules[0])
    report = json.loads(runner.invoke(app, ["--home", str(other), "scope", iid, "--json"]).output)
    assert report["total"] == 501 + 250 and report["by_jurisdiction"] == {"US-CA": 501, "US-TX": 250}


def test_obligations_and_status_show_the_same_policy_target(home: Path, tmp_path: Path) -> None:
    """Where the law sets no fixed period (North Dakota: "most expedient time"), the firm's policy target is
    computed once by the engine and persisted: the preview and the incident's status show the same instant."""
    incident = {**INCIDENT, "affected": {"US-ND": 10, "US-CA": 501}}
    path = _write(tmp_path, incident)
    preview = runner.invoke(app, ["obligations", str(path), "--json"])
    assert preview.exit_code == 0, preview.output
    previewed = {(o["regime"], o["recipient_kind"]): o["policy_due"]
                 for o in json.loads(preview.stdout)["obligations"] if o.get("policy_due")}
    assert previewed.get(("US-ND", "individual")), previewed  # the case under test exists
    opened = runner.invoke(app, ["open", str(path), "--no-flow"])
    assert opened.exit_code == 0, opened.output
    incident_id = next(w for w in opened.output.split() if w.startswith("INC-")).strip(".:,")
    status = runner.invoke(app, ["status", incident_id, "--json"])
    assert status.exit_code == 0, status.output
    shown = {(o["regime"], o["recipient_kind"]): o["policy_due"]
             for o in json.loads(status.stdout)["obligations"] if o.get("policy_due")}
    for key, due in previewed.items():
        assert datetime.fromisoformat(shown[key]) == datetime.fromisoformat(due), key


def test_an_incident_without_personal_data_is_accepted_and_owes_the_entity_based_duties(home: Path,
                                                                                          tmp_path: Path) -> None:
    incident = {"title": "Ransomware stopped the trading systems", "data_elements": [],
                "entity": {"name": "Listed Co", "timezone": "America/Los_Angeles",
                           "sectors": ["sec_registrant", "nydfs_covered_entity"]},
                "discovered_at": "2026-03-02T10:00:00-08:00",
                "events": [{"type": "materiality_determined", "at": "2026-03-04T09:00:00-08:00"}]}
    path = _write(tmp_path, incident)
    preview = runner.invoke(app, ["obligations", str(path), "--json"])
    assert preview.exit_code == 0, preview.output
    owed = {(o["regime"], o["due"]) for o in json.loads(preview.stdout)["obligations"] if o["required"]}
    assert owed == {("US-FED-SEC", "2026-03-10T14:30:00-07:00"), ("US-NY-DFS", "2026-03-05T10:00:00-08:00")}
    opened = runner.invoke(app, ["open", str(path), "--no-flow"])
    assert opened.exit_code == 0, opened.output
    incident_id = next(w for w in opened.output.split() if w.startswith("INC-")).strip(".:,")
    # A written request by the U.S. Attorney General under Item 1.05(c) delays the 8-K; the event records who.
    recorded = runner.invoke(app, ["event", incident_id, "law_enforcement_delay", "--at", "2026-03-05T09:00:00-08:00",
                                   "--end", "2026-03-20T09:00:00-07:00", "--agency", "U.S. Attorney General",
                                   "--written", "--reason", "AG letter to the SEC, ref 26-114"])
    assert recorded.exit_code == 0, recorded.output
    status = json.loads(runner.invoke(app, ["status", incident_id, "--json"]).stdout)
    (sec,) = [o for o in status["obligations"] if o["regime"] == "US-FED-SEC"]
    assert datetime.fromisoformat(sec["due"]) > datetime.fromisoformat("2026-03-20T00:00:00-07:00")
