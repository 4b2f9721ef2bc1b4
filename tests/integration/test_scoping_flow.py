"""The scope-records flow with its chunk tasks on a local Dask cluster."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from breachclock.models import settings as bc_settings
from breachclock.models.db import get_engine, session_scope
from breachclock.models.incident.models import load_facts
from breachclock.models.incident.service import get_incident, open_incident
from breachclock.models.person import crypto
from breachclock.playbooks.facts import IncidentFacts


@pytest.mark.slow
def test_scope_records_on_local_dask(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("prefect_dask")
    monkeypatch.setenv("BREACHCLOCK_HOME", str(tmp_path))
    monkeypatch.setenv("BREACHCLOCK_DATABASE_URL", "sqlite:///" + str(tmp_path / "t.db"))
    bc_settings.get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
    from breachclock.flows.runtime import configure_prefect, quiet_runs

    configure_prefect()
    from breachclock.flows.scoping import configured_flow
    from prefect.testing.utilities import prefect_test_harness

    engine = get_engine()
    facts = IncidentFacts.model_validate({
        "title": "t", "entity": {"name": "Acme", "timezone": "America/Chicago"},
        "discovered_at": datetime(2026, 3, 2, tzinfo=UTC).isoformat(), "data_elements": ["ssn"]})
    with session_scope(engine) as s:
        inc = open_incident(s, facts, source=b"x", actor="t").id
    rows = "".join(f"P{i},Q{i},p{i}@x.com,{'TX' if i % 3 else 'NY'},ssn\n" for i in range(3000))
    rows += "P1,Q1,p1@x.com,TX,dob\n"  # a duplicate in another chunk
    (tmp_path / "x.csv").write_text("first,last,email,state,elements\n" + rows)
    from breachclock.models.scoping import readers

    monkeypatch.setattr(readers, "DEFAULT_CHUNK_BYTES", 20_000)
    plan_defaults = readers.plan_chunks.__kwdefaults__
    monkeypatch.setitem(plan_defaults, "chunk_bytes", 20_000)
    with distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
        monkeypatch.setenv("BREACHCLOCK_DASK_ADDRESS", cluster.scheduler_address)
        with prefect_test_harness(), quiet_runs():
            summary = configured_flow()(inc, str(tmp_path / "x.csv"))
    assert summary["rows"] == 3001 and summary["people_in_file"] == 3000
    assert "p1@x.com" not in repr(summary)
    with session_scope(engine) as s:
        assert load_facts(get_incident(s, inc)).affected == {"US-TX": 2000, "US-NY": 1000}
    bc_settings.get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
