"""Scoping import against a real SQLite legal record: counts, de-duplication, all-or-nothing, formats, secrecy."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from breachclock.models import settings as bc_settings
from breachclock.models.db import get_engine, session_scope
from breachclock.models.incident.models import load_facts
from breachclock.models.incident.service import get_incident, open_incident
from breachclock.models.person import crypto
from breachclock.models.person.models import AffectedPerson
from breachclock.models.scoping.errors import RowsRejected, ScopingError
from breachclock.models.scoping.report import scoping_report
from breachclock.models.scoping.store import import_records
from breachclock.playbooks.facts import IncidentFacts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

HEADER = "first_name,last_name,email,phone,address,city,state,zip,country,elements\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("BREACHCLOCK_HOME", str(tmp_path))
    monkeypatch.delenv("BREACHCLOCK_ENCRYPTION_KEY", raising=False)
    bc_settings.get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
    yield tmp_path
    bc_settings.get_settings.cache_clear()
    crypto.get_sealer.cache_clear()


@pytest.fixture
def db(home):
    engine = get_engine("sqlite:///" + str(home / "t.db"))
    facts = IncidentFacts.model_validate({
        "title": "Test breach", "entity": {"name": "Acme", "timezone": "America/New_York"},
        "discovered_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC).isoformat(), "data_elements": ["name", "ssn"],
    })
    with session_scope(engine) as s:
        incident = open_incident(s, facts, source=b"test", actor="tester")
        incident_id = incident.id
    return engine, incident_id


def _run(engine, incident_id, path, **kw):
    with session_scope(engine) as s:
        return import_records(s, incident_id, path, workers=1, actor="tester", **kw)


def _facts(engine, incident_id):
    with session_scope(engine) as s:
        return load_facts(get_incident(s, incident_id))


def _people(engine, incident_id):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(AffectedPerson).where(AffectedPerson.incident_id == incident_id))


def _write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_counts_duplicates_zip_unknown_and_state_rules(db, tmp_path):
    engine, inc = db
    f = _write(tmp_path / "a.csv", HEADER +
               "Ann,Lee,ann@x.com,,,,TX,,,ssn\n"
               "ANN,Lée,Ann@X.com,,,,Texas,,,dob\n"          # same person: union of elements
               "Bob,Ray,bob@x.com,,,,,90210,,email;password\n"  # ZIP-derived California
               "Cid,Oz,cid@x.com,,,,,75001,,email;password\n"   # ZIP-derived Texas, not covered there
               "Dee,Um,dee@x.com,,,,,,,ssn\n")                  # unknown residency
    r = _run(engine, inc, f)
    assert (r.rows, r.people_in_file, r.people_new, r.unknown_residency) == (5, 4, 4, 1)
    facts = _facts(engine, inc)
    assert facts.affected == {"US-TX": 2, "US-CA": 1, "unknown": 1}
    groups = {(g.jurisdiction, tuple(g.elements)): g.count for g in facts.affected_groups}
    assert groups[("US-TX", ("dob", "name", "ssn"))] == 1
    assert groups[("US-CA", ("email", "name", "password"))] == 1
    with session_scope(engine) as s:
        rep = scoping_report(s, inc)
    assert rep["regimes"]["US-TX"]["covered"] == 1 and rep["regimes"]["US-TX"]["not_covered"] == 1
    assert rep["regimes"]["US-CA"]["covered"] == 1
    assert rep["by_jurisdiction"]["unknown"] == 1 and rep["total"] == 4
    # a second import: one known person again (with a new element), one new
    g = _write(tmp_path / "b.csv", HEADER + "Ann,Lee,ann@x.com,,,,TX,,,drivers_license\n"
               "Eve,Ng,eve@x.com,,,,CA,,,ssn\n")
    r2 = _run(engine, inc, g)
    assert (r2.people_new, r2.people_merged, r2.people_total) == (1, 1, 5)
    facts = _facts(engine, inc)
    assert facts.affected == {"US-TX": 2, "US-CA": 2, "unknown": 1}
    groups = {(g.jurisdiction, tuple(g.elements)): g.count for g in facts.affected_groups}
    assert groups[("US-TX", ("dob", "drivers_license", "name", "ssn"))] == 1
    assert _people(engine, inc) == 5


def test_bad_row_all_or_nothing_then_accept_rejected(db, tmp_path):
    engine, inc = db
    f = _write(tmp_path / "bad.csv", HEADER + "Ann,Lee,ann@x.com,,,,TX,,,ssn\n"
               "Zed,Quarantino,zed@x.com,,,,TX,,,ssn;bogus_element\n"
               "Amy,Po,amy@x.com,,,,TX,,\n")
    with pytest.raises(RowsRejected) as exc:
        _run(engine, inc, f)
    assert _people(engine, inc) == 0 and _facts(engine, inc).affected_groups is None
    report = list(csv.DictReader(exc.value.report_path.open()))
    rejected = [r for r in report if r["severity"] == "rejected"]
    assert {(r["row"], r["column"]) for r in rejected} == {("3", "elements"), ("4", "*")}
    text = exc.value.report_path.read_text()
    assert "Quarantino" not in text and "zed@x.com" not in text and "bogus_element" not in text
    r = _run(engine, inc, f, accept_rejected=True)
    assert (r.rejected, r.people_new) == (2, 1) and _people(engine, inc) == 1


def test_semicolon_latin1(db, tmp_path):
    engine, inc = db
    f = _write(tmp_path / "l.csv", "Vorname;Nachname;E-Mail;Province;Exposed\n"
               "Amélie;Côté;amelie@x.ca;Québec;ssn\nJosé;Núñez;jose@x.com;California;ssn\n", "latin-1")
    r = _run(engine, inc, f, encoding="latin-1", mapping_file=_write(
        tmp_path / "m.yaml", "columns: {first_name: Vorname, last_name: Nachname}\n"))
    assert r.rejected == 0
    assert _facts(engine, inc).affected == {"CA-QC": 1, "US-CA": 1}


def test_wrong_encoding_is_a_scoping_error(db, tmp_path):
    engine, inc = db
    f = _write(tmp_path / "l.csv", "name,email,state,elements\nAmélie Côté,a@x.ca,QC,ssn\n", "latin-1")
    with pytest.raises(ScopingError, match="utf-8"):
        _run(engine, inc, f)
    assert _people(engine, inc) == 0


def test_jsonl_and_flags(db, tmp_path):
    engine, inc = db
    lines = [{"name": "Ann Lee", "email": "ann@x.com", "state": "US-NY", "has_ssn": "Y", "has_dob": "N"},
             {"name": "Lee, Ann", "email": "ANN@x.com", "state": "NY", "has_ssn": "N", "has_dob": "Y"},
             {"name": "Bo Wu", "phone": "+1 (212) 555-0100", "zip": "10001", "has_ssn": True, "has_dob": False}]
    f = _write(tmp_path / "p.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    r = _run(engine, inc, f)
    assert (r.rows, r.people_in_file) == (3, 2)
    groups = {(g.jurisdiction, tuple(g.elements)): g.count for g in _facts(engine, inc).affected_groups}
    assert groups == {("US-NY", ("dob", "name", "ssn")): 1, ("US-NY", ("name", "ssn")): 1}


def test_xlsx_and_incident_wide_elements(db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    engine, inc = db
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["First Name", "Surname", "Email Address", "ZIP Code"])
    ws.append(["Ann", "Lee", "ann@x.com", 2134])  # Boston ZIP, leading zero eaten by Excel
    ws.append(["Bob", "Ray", "bob@x.com", "96910"])
    wb.save(tmp_path / "x.xlsx")
    r = _run(engine, inc, tmp_path / "x.xlsx", elements=["ssn"])
    assert r.people_new == 2
    assert _facts(engine, inc).affected == {"US-MA": 1, "US-GU": 1}


def test_malformed_mapping_and_file(db, tmp_path):
    engine, inc = db
    f = _write(tmp_path / "a.csv", HEADER + "Ann,Lee,ann@x.com,,,,TX,,,ssn\n")
    with pytest.raises(ScopingError, match="not in the file"):
        _run(engine, inc, f, mapping_file=_write(tmp_path / "m.yaml", "columns: {email: Mail}\n"))
    with pytest.raises(ScopingError, match="mapping file"):
        _run(engine, inc, f, mapping_file=_write(tmp_path / "m2.yaml", "colums: [\n"))
    with pytest.raises(ScopingError, match="xlsx"):
        _run(engine, inc, _write(tmp_path / "n.xlsx", "not a workbook"))
    with pytest.raises(ScopingError, match="identifying"):
        _run(engine, inc, _write(tmp_path / "q.csv", "foo,bar\n1,2\n"), elements=["ssn"])
    assert _people(engine, inc) == 0


def test_no_plaintext_in_database_file(db, tmp_path, home):
    engine, inc = db
    f = _write(tmp_path / "a.csv", HEADER + "Wilhelmina,Featherstonehaugh,wilhelmina.f@example.org,+1 212 555 0199,"
               "1 Quintessence Way,Springfield,IL,62701,US,ssn\n")
    _run(engine, inc, f)
    engine.dispose()
    raw = b"".join(p.read_bytes() for p in home.glob("t.db*"))
    for secret in (b"Wilhelmina", b"Featherstonehaugh", b"wilhelmina.f@example.org", b"Quintessence", b"5550199"):
        assert secret not in raw
    assert _people(engine, inc) == 1


def test_multi_chunk_and_processes(db, tmp_path):
    engine, inc = db
    body = "".join(f"P{i},Q{i},p{i % 300}@x.com,,,,{'TX' if i % 2 else 'CA'},,,ssn\n" for i in range(600))
    f = _write(tmp_path / "m.csv", HEADER + '"Multi\nLine",Name,ml@x.com,,,,TX,,,ssn\n' + body)
    seen = []
    with session_scope(engine) as s:
        r = import_records(s, inc, f, workers=2, chunk_bytes=2000, actor="t", on_progress=seen.append)
    assert r.rows == 601 and len(seen) > 3
    reading = [p for p in seen if p.phase == "reading"]
    total = f.stat().st_size - len(HEADER)
    assert [p.done for p in reading] == sorted(p.done for p in reading) and reading[-1].done == total
    assert {p.total for p in reading} == {total} and reading[-1].rows == 601
    recording = [p for p in seen if p.phase == "recording"]
    assert recording[-1].done == recording[-1].total == 601 and len(recording) == len(reading)
    assert [p.phase for p in seen[-2:]] == ["counting", "counting"] and seen[-1].done == seen[-1].total
    # p{i%300} with distinct names: name+email identities differ, so no merge
    assert r.people_in_file == 601


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=400),
                 st.lists(st.lists(st.text(max_size=12), max_size=11), max_size=8).map(
                     lambda rows: (HEADER + "\n".join(",".join(r) for r in rows)).encode())),
       st.sampled_from(["a.csv", "a.jsonl", "a.xlsx"]))
def test_garbage_never_crashes_or_half_writes(db, tmp_path, data, name):
    engine, inc = db
    before = _people(engine, inc)
    f = tmp_path / name
    f.write_bytes(data)
    try:
        _run(engine, inc, f)
    except ScopingError:
        assert _people(engine, inc) == before


def test_a_blank_data_set_cell_is_the_single_data_set_and_is_refused_when_there_are_several(db, tmp_path):
    engine, inc = db
    f = _write(tmp_path / "sets.csv", "client,first_name,last_name,email,state,elements\n"
               ",Ann,Lee,ann@x.com,TX,ssn\n entity ,Bo,Ng,bo@x.com,TX,ssn\n")
    assert _run(engine, inc, f).people_new == 2  # one data set: blank or named, both are it

    facts = IncidentFacts.model_validate({
        "title": "Two clients", "entity": {"name": "Firm", "timezone": "America/New_York",
                                           "roles": ["service_provider"]},
        "discovered_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC).isoformat(), "data_elements": ["name", "ssn"],
        "data_sets": [{"id": "alpha", "role": "data_owner"}, {"id": "beta", "role": "data_owner"}]})
    with session_scope(engine) as s:
        two = open_incident(s, facts, source=b"two", actor="tester").id
    g = _write(tmp_path / "two.csv", "data_set,first_name,last_name,email,state,elements\n"
               "alpha,Ann,Lee,ann@x.com,TX,ssn\n,Cy,Oh,cy@x.com,TX,ssn\n")
    with pytest.raises(RowsRejected) as exc:
        _run(engine, two, g)
    rejected = [r for r in csv.DictReader(exc.value.report_path.open()) if r["severity"] == "rejected"]
    assert [(r["row"], r["column"]) for r in rejected] == [("3", "data_set")]
    assert "blank" in rejected[0]["problem"] and "alpha, beta" in rejected[0]["problem"]
    assert _people(engine, two) == 0
