"""Bad input never corrupts or exhausts the record: a clear message (exit 2), no traceback, and every table exactly
as it was (a dump of the whole database before and after each malformed case is compared)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from breachclock.cli import app

runner = CliRunner()

GOOD = {
    "title": "Stolen laptop",
    "entity": {"name": "Example LLP", "timezone": "America/New_York"},
    "discovered_at": "2026-03-02T10:00:00-05:00",
    "data_elements": ["name", "ssn"],
    "affected": {"US-CA": 501},
}


def _dump(engine) -> dict[str, list[Any]]:  # type: ignore[no-untyped-def]
    out = {}
    with engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table == "alembic_version":
                continue
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - our own table names
            out[table] = sorted(repr(tuple(r)) for r in rows)
    return out


@pytest.fixture
def record(engine, tmp_path):  # type: ignore[no-untyped-def]
    """A record with an incident in it, and the files beside it (checkpoints)."""
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    result = runner.invoke(app, ["open", str(path), "--no-flow"])
    assert result.exit_code == 0, result.output
    return engine


def _refused(engine, args: list[str]) -> str:  # type: ignore[no-untyped-def]
    before = _dump(engine)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert _dump(engine) == before, f"{args} changed the record"
    return " ".join(result.output.split())


def _yaml(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _with(**changes: Any) -> str:
    return yaml.safe_dump({**GOOD, **changes})


INCIDENT_CASES = [
    ("duplicate key", "title: t\n" + _with(), "duplicate key 'title'"),
    ("duplicate count", _with().replace("US-CA: 501", "US-CA: 501\n  US-CA: 3"), "duplicate key 'US-CA'"),
    ("a boolean as a count", _with(affected={"US-CA": True}), "valid integer"),
    ("a string as a count", _with(affected={"US-CA": "501"}), "valid integer"),
    ("10^32 residents", _with(affected={"US-CA": 10**32}), "less than or equal to 1000000000"),
    ("negative count", _with(affected={"US-CA": -1}), "greater than or equal to 0"),
    ("year 9999", _with(discovered_at="9999-03-02T10:00:00-05:00"), "between 1990 and 2100"),
    ("naive datetime", _with(discovered_at="2026-03-02T10:00:00"), "naive datetime"),
    ("deep nesting", "title: " + "[" * 200 + "]" * 200 + "\n", "nested"),
    ("not YAML", "title: [unclosed\n", "not valid YAML"),
    ("a list at the top", "- a\n- b\n", "expected a mapping"),
    ("empty file", "", "expected a mapping"),
    ("binary garbage", bytes(range(256)) * 4, "not valid YAML"),
    ("unknown field", _with(colour="red"), "Extra inputs are not permitted"),
    ("unknown jurisdiction", _with(affected={"US-XX": 5}), "unknown jurisdiction code"),
    ("unknown time zone", _with(entity={"name": "E", "timezone": "Mars/Olympus"}), "unknown time zone"),
    ("determined before discovered", _with(determined_at="2026-03-01T10:00:00-05:00"), "before discovered_at"),
    ("title too long", _with(title="x" * 400), "at most 300 characters"),
    ("unknown client", _with(clients=["nobody-inc"]), "unknown client 'nobody-inc'"),
    ("sms client with an e-mail contact", _with(clients=[{"id": "a", "name": "A", "notice_channel": "sms",
                                                          "notice_contact": "a@a.test"}]), "international format"),
    ("data set of an absent client", _with(affected={}, data_sets=[{"id": "x", "client": "ghost"}]),
     "not among the incident's clients"),
    ("HIPAA status on the entity with data sets",
     _with(entity={"name": "E", "timezone": "UTC", "sectors": ["hipaa_business_associate"]},
           data_sets=[{"id": "x"}]), "declared on the data sets"),
    ("unknown playbook", _with(playbook="alien_invasion"), "unknown playbook"),
]


@pytest.mark.parametrize(("name", "content", "message"), INCIDENT_CASES, ids=[c[0] for c in INCIDENT_CASES])
def test_a_malformed_incident_file_is_refused_and_changes_nothing(record, tmp_path, name, content, message) -> None:
    path = _yaml(tmp_path, "bad.yaml", content)
    for command in (["open", str(path), "--no-flow"], ["obligations", str(path)]):
        said = _refused(record, command)
        assert message in said, (name, said)


def test_json_duplicates_are_refused_too(record, tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"title": "a", "title": "b"}')
    assert "duplicate key 'title'" in _refused(record, ["open", str(path), "--no-flow"])


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "directory", "huge"])
def test_special_and_huge_files_are_never_read_unbounded(record, tmp_path, special) -> None:
    if special == "directory":
        path = tmp_path
    elif special == "huge":
        path = tmp_path / "huge.yaml"
        with path.open("wb") as fh:
            fh.write(b"title: " + b"x" * (3 << 20) + b"\n")
    else:
        path = Path(special)
    said = _refused(record, ["open", str(path), "--no-flow"])
    assert "not a regular file" in said or "at most" in said, said


def test_a_rejected_update_changes_nothing(record, tmp_path) -> None:
    (iid,) = [r for r in _dump(record)["incidents"]]
    incident_id = iid.split("'")[1]
    path = _yaml(tmp_path, "changes.yaml", "affected: {US-CA: 501, US-CA: 3}\n")
    assert "duplicate key" in _refused(record, ["update", incident_id, str(path), "--reason", "r"])
    path = _yaml(tmp_path, "changes.yaml", "affected: {US-CA: true}\n")
    assert "valid integer" in _refused(record, ["update", incident_id, str(path), "--reason", "r"])


EXTRACT_CASES = [
    ("no header", b"", "empty"),
    ("no identifying column", b"colour,exposed\nred,ssn\n", "no identifying column"),
    ("a giant cell", b"first_name,last_name,email,state,exposed\n" + b"A,B,a@b.test,CA,ssn" + b"x" * 9000 + b"\n",
     "rows rejected"),
    ("bad encoding", b"first_name,last_name,state,exposed\n\xff\xfe\xfa,B,CA,ssn\n", "not valid utf-8"),
    ("unknown element", b"first_name,last_name,state,exposed\nA,B,CA,plutonium\n", "rows rejected"),
    ("too many columns", (",".join(f"c{i}" for i in range(1500)) + "\n").encode(), "at most 1000"),
]


@pytest.mark.parametrize(("name", "content", "message"), EXTRACT_CASES, ids=[c[0] for c in EXTRACT_CASES])
def test_a_malformed_extract_is_refused_and_changes_nothing(record, tmp_path, name, content, message) -> None:
    incident_id = _dump(record)["incidents"][0].split("'")[1]
    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    said = _refused(record, ["scope", incident_id, str(path)])
    assert message in said, (name, said)


def test_an_extract_that_is_a_device_is_refused(record) -> None:
    incident_id = _dump(record)["incidents"][0].split("'")[1]
    assert "not a regular file" in _refused(record, ["scope", incident_id, "/dev/zero"])


def test_a_utf16_extract_leaves_no_plaintext_copy_behind(record, tmp_path, home) -> None:
    incident_id = _dump(record)["incidents"][0].split("'")[1]
    path = tmp_path / "people.csv"
    text_ = "first_name,last_name,email,state,exposed\nZoë,Quantrill,zoe@example.test,CA,ssn\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text_.encode("utf-16-le"))
    result = runner.invoke(app, ["scope", incident_id, str(path), "--encoding", "utf-16"])
    assert result.exit_code == 0, result.output
    for leftover in home.rglob("*"):
        if leftover.is_file() and leftover.suffix not in (".db", ".key", ".jsonl") and "prefect" not in leftover.parts:
            assert b"Quantrill" not in leftover.read_bytes(), leftover
    assert not list((home / "scoping").glob("work-*"))


@pytest.mark.parametrize(("header", "options", "message"), [
    (",,,\n", [], "the header line is empty"),
    ("a;;b,c\n", ["--delimiter", ";;"], "the delimiter must be one character"),
], ids=["empty header", "two-character delimiter"])
def test_a_utf16_extract_gets_the_same_header_checks_and_changes_nothing(record, tmp_path, header, options,
                                                                          message) -> None:
    """A file read as a stream (UTF-16) is held to the same first-line checks as one cut into byte ranges."""
    incident_id = _dump(record)["incidents"][0].split("'")[1]
    path = tmp_path / "people.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + (header + "x,y,z,w\n").encode("utf-16-le"))
    said = _refused(record, ["scope", incident_id, str(path), "--encoding", "utf-16", *options])
    assert message in said, said


def test_a_killed_imports_work_directory_is_removed_at_the_next_start(record, home) -> None:
    from breachclock.models.scoping.store import new_work_dir, release_work_dir

    stale = home / "scoping" / "work-stale"
    stale.mkdir(parents=True)
    (stale / "chunk-000000.pkl").write_bytes(b"sealed leftovers")
    live = new_work_dir()  # a running import's directory survives another import starting
    try:
        again = new_work_dir()
        assert not stale.exists() and live.exists()
        release_work_dir(again)
    finally:
        release_work_dir(live)


def _junk() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**40, max_value=10**40),
                     st.floats(allow_nan=True), st.text(max_size=40), st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["title", "entity", "discovered_at", "data_elements", "affected", "clients",
                              "events", "risk", "encrypted", "data_sets", "measures_taken", "exercise"]),
       value=_junk())
def test_any_field_replaced_by_junk_is_accepted_or_refused_cleanly(record, tmp_path, field, value) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps({**GOOD, field: value}, default=str))
    before = _dump(record)
    result = runner.invoke(app, ["obligations", str(path), "--json"])
    assert result.exit_code in (0, 2), (field, value, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert _dump(record) == before
