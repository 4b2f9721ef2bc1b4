"""The ``scope-records`` flow: import an extract in chunk tasks, then record people and counts in one transaction.

Parameters and results are file paths, ids and counts only: Prefect stores them
in clear. Chunk tasks run on the default thread runner, or on a Dask cluster
when ``BREACHCLOCK_DASK_ADDRESS`` names a scheduler (see :func:`configured_flow`).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

from breachclock.models.db import get_engine, session_scope
from breachclock.models.incident.models import load_facts
from breachclock.models.incident.service import get_incident
from breachclock.models.scoping import mapping, readers, rows, store
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE


@task(name="plan-chunks", persist_result=False, cache_policy=NO_CACHE)
def plan_chunks(spec: dict[str, Any]) -> list[dict[str, int]]:
    return [asdict(c) for c in readers.plan_chunks(readers.ImportSpec.from_dict(spec))]


@task(name="read-and-seal-chunk", persist_result=False, cache_policy=NO_CACHE)
def read_and_seal_chunk(spec: dict[str, Any], chunk: dict[str, int], work_dir: str) -> dict[str, Any]:
    """Parse, validate, normalise and seal one chunk; returns counts and the sealed chunk file's path."""
    result = rows.process_chunk(readers.ImportSpec.from_dict(spec), readers.Chunk(**chunk), work_dir)
    return asdict(result)


@task(name="record-people-and-counts", persist_result=False, cache_policy=NO_CACHE)
def record_people_and_counts(incident_id: str, results: list[dict[str, Any]], work_dir: str,
                             accept_rejected: bool) -> dict[str, Any]:
    with session_scope(get_engine()) as session:
        out = store.commit_import(session, incident_id, [readers.ChunkResult(**r) for r in results], work_dir,
                                    accept_rejected=accept_rejected)
    summary = asdict(out)
    summary.pop("affected")  # jurisdiction counts are not personal, but the record holds them already
    return summary


@flow(name="scope-records")
def scope_records(incident_id: str, path: str, mapping_file: str | None = None, format: str | None = None,
                  encoding: str | None = None, delimiter: str | None = None, elements: list[str] | None = None,
                  sheet: str | None = None, accept_rejected: bool = False, data_set: str | None = None
                  ) -> dict[str, Any]:
    """Import the records at ``path`` for ``incident_id``; returns counts and the row-report path."""
    with session_scope(get_engine()) as session:
        choice = mapping.data_set_choice(load_facts(get_incident(session, incident_id)))
    work = store.new_work_dir()
    try:
        spec = readers.prepare_import(path, format=format, encoding=encoding, delimiter=delimiter,
                                      mapping_file=mapping_file, elements=elements or (), sheet=sheet,
                                      work_dir=work, data_sets=choice, data_set=data_set).to_dict()
        chunks = plan_chunks(spec)
        futures = read_and_seal_chunk.map(unmapped(spec), chunks, unmapped(str(work)))
        results = [f.result() for f in futures]
        return record_people_and_counts(incident_id, results, str(work), accept_rejected)
    finally:
        store.release_work_dir(work)


def configured_flow():  # type: ignore[no-untyped-def]
    """``scope_records`` with a Dask task runner when BREACHCLOCK_DASK_ADDRESS is set (read at call time)."""
    address = os.environ.get("BREACHCLOCK_DASK_ADDRESS")
    if not address:
        return scope_records
    from prefect_dask import DaskTaskRunner

    return scope_records.with_options(task_runner=DaskTaskRunner(address=address))
