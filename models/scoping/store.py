"""Committing an import: merge each chunk's people with the people already recorded (by identity key),
write them in one transaction, re-derive the per-jurisdiction counts, and clean up the work files."""

from __future__ import annotations

import csv
import json
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from breachclock.models.audit import lock_incident, touch
from breachclock.models.audit.chain import PEOPLE_TABLES
from breachclock.models.base import utcnow
from breachclock.models.incident.lifecycle import reopen_notification
from breachclock.models.incident.models import load_facts
from breachclock.models.incident.service import ensure_open, get_incident, update_facts
from breachclock.models.outbox.progress import reopen_incomplete
from breachclock.models.person.crypto import get_sealer
from breachclock.models.person.models import AffectedPerson, PersonKey
from breachclock.models.scoping.errors import RowsRejected
from breachclock.models.scoping.mapping import data_set_choice
from breachclock.models.scoping.readers import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_ROWS,
    Chunk,
    ChunkResult,
    ImportSpec,
    plan_chunks,
    prepare_import,
)
from breachclock.models.scoping.rows import channels_of, language_of, merge_fields, problems_path, process_chunk
from breachclock.models.settings import current_actor, get_settings
from breachclock.playbooks.facts import AffectedGroup
from breachclock.playbooks.jurisdictions import UNKNOWN
from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

REPORT_COLUMNS = ("row", "column", "severity", "problem", "value")


# --- commit ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    incident_id: str
    rows: int
    rejected: int
    warnings: int
    people_in_file: int  # distinct people after de-duplication within the file
    people_new: int
    people_merged: int  # people of this file already recorded for the incident
    people_total: int  # all people of the incident after the import
    unknown_residency: int  # people of the incident with unknown residency
    report_path: str | None
    affected: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)


_WORK_LOCKS: dict[str, int] = {}


def new_work_dir(base: str | os.PathLike[str] | None = None) -> Path:
    """A private (0700) temporary directory for chunk files, locked while in use (release it with
    :func:`release_work_dir`). Work directories a killed import left behind are removed first."""
    import fcntl

    root = Path(base) if base else get_settings().home_dir / "scoping"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_stale_work_dirs(root)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=root))
    fd = os.open(work / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _WORK_LOCKS[str(work)] = fd
    return work


def release_work_dir(work: str | os.PathLike[str]) -> None:
    shutil.rmtree(work, ignore_errors=True)
    if (fd := _WORK_LOCKS.pop(str(work), None)) is not None:
        os.close(fd)


def remove_stale_work_dirs(root: Path) -> int:
    """Remove work directories no live import holds (their chunk files are sealed, but leave nothing behind)."""
    import fcntl

    removed = 0
    for work in root.glob("work-*"):
        try:
            fd = os.open(work / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a running import holds it
        shutil.rmtree(work, ignore_errors=True)
        os.close(fd)
        removed += 1
    return removed


@dataclass(frozen=True)
class ImportProgress:
    """Where an import is, for a determinate progress bar: ``done`` of ``total`` in the current phase.

    ``reading``: bytes of the extract parsed and sealed (a workbook, or a text file in an encoding that cannot
    be cut by bytes, is one piece: it completes at once); ``recording``: people written to the legal record;
    ``counting``: the per-jurisdiction counts and obligations (one step). ``rows``: rows read so far."""

    phase: Literal["reading", "recording", "counting"]
    done: int
    total: int
    rows: int


ProgressCallback = Callable[[ImportProgress], None]


def _merge_sealed(existing: tuple[str, str, bytes], incoming: tuple[str, str, bytes], *,
                  prefer_incoming: bool = False) -> tuple[str, str, str, bytes, str | None]:
    """Merge two sealed people (jurisdiction, elements, sealed): unseal, merge, reseal; (jurisdiction, elements,
    channels, sealed, language).

    ``prefer_incoming``: the incoming record is newer (a later import): its non-empty details replace the
    recorded ones, and a known residency of it wins."""
    sealer = get_sealer()
    j1, e1, s1 = existing
    j2, e2, s2 = incoming
    if prefer_incoming:
        fields = sealer.unseal(s2)
        merge_fields(fields, sealer.unseal(s1))
        jurisdiction = j1 if j2 == UNKNOWN else j2
    else:
        fields = sealer.unseal(s1)
        merge_fields(fields, sealer.unseal(s2))
        jurisdiction = j2 if j1 == UNKNOWN else j1
    elements = ",".join(sorted(set(filter(None, e1.split(","))) | set(filter(None, e2.split(",")))))
    return jurisdiction, elements, ",".join(channels_of(fields)), sealer.seal(fields), language_of(fields)




def _write_report(results: Sequence[ChunkResult], report: Path) -> tuple[int, int, int]:
    """Write the row problems of all chunks, in order, to the row report. (rows rejected, warnings, problems)"""
    rejected = warnings = 0
    with report.open("w", encoding="utf-8", newline="") as rfh:
        writer = csv.writer(rfh)
        writer.writerow(REPORT_COLUMNS)
        for r in sorted(results, key=lambda r: r.index):
            with problems_path(r.path).open("rb") as fh:
                problems = pickle.load(fh)  # our own file, in our own 0700 directory
            writer.writerows(problems)
            n = sum(1 for p in problems if p[2] == "rejected")
            rejected += n
            warnings += len(problems) - n
    return rejected, warnings, rejected + warnings


def _write_people(session: Session, incident_id: str, results: Sequence[ChunkResult], lookup_batch: int = 5000,
                  on_progress: ProgressCallback | None = None) -> tuple[int, int, int]:
    """Insert the chunks' people into the legal record in file order, merging each with the person already
    recorded under any of its identity keys (an earlier chunk, or an earlier import: a person whose e-mail
    changed is still recognised by name and address, or by the source's record id). A merge with an earlier
    import takes the newer contact details; within one file the first wins. Returns (new, merged, distinct
    people of the file)."""
    table = AffectedPerson.__table__
    keys_table = PersonKey.__table__
    touch(session, incident_id, *PEOPLE_TABLES, "person_keys")  # raw SQL: the chain seals them anew
    conn = session.connection()
    dialect = conn.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    raw = conn.connection.driver_connection if dialect.name == "sqlite" else None
    if raw is not None:
        raw.execute("PRAGMA cache_size=-262144")
    to_json = table.c.elements.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    to_time = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    insert_sql = ("INSERT INTO affected_people (incident_id, data_set, identity_key, jurisdiction, elements, "
                  f"channels, sealed, created_at, language) VALUES ({', '.join([marker] * 9)})")
    key_sql = ("INSERT INTO person_keys (incident_id, data_set, identity_key, person_id) "
               f"VALUES ({', '.join([marker] * 4)}) "
               "ON CONFLICT DO NOTHING")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    as_json: dict[str, Any] = {}
    created = to_time(utcnow())
    owner: dict[str, int] = {}  # identity key → person id, for the keys met so far
    mine: set[int] = set()  # people inserted by this import
    new = merged = staged = 0
    total, done, rows = sum(r.people for r in results), 0, sum(r.rows for r in results)
    for r in sorted(results, key=lambda r: r.index):
        with open(r.path, "rb") as fh:
            people: list[tuple[bytes, str, str, str, bytes, str, str | None]] = pickle.load(fh)["people"]  # our file
        keys_of = [[k[i:i + 32].hex() for i in range(0, len(k), 32)] for k, *_ in people]
        unknown = list({k for ks in keys_of for k in ks if k not in owner})
        for a in range(0, len(unknown), lookup_batch):
            owner.update((k, pid) for k, pid in conn.execute(
                select(keys_table.c.identity_key, keys_table.c.person_id).where(
                    keys_table.c.incident_id == incident_id,
                    keys_table.c.identity_key.in_(unknown[a:a + lookup_batch]))))
        inserts: list[tuple[Any, ...]] = []
        fresh: list[tuple[str, list[str]]] = []
        new_keys: list[tuple[Any, ...]] = []
        for n, (keys, (_, j, e, c, sealed, ds, lang)) in enumerate(zip(keys_of, people, strict=True), 1):
            if on_progress and n % 5000 == 0:
                on_progress(ImportProgress("recording", done + n, total, rows))
            pid = next((owner[k] for k in keys if k in owner), None)
            if pid is None:
                je = as_json.get(e) or as_json.setdefault(e, to_json(e.split(",") if e else []))
                jc = as_json.get(c) or as_json.setdefault(c, to_json(c.split(",") if c else []))
                inserts.append((incident_id, ds, keys[0], j, je, jc, sealed, created, lang))
                fresh.append((keys[0], keys))
                new += 1
                staged += 1
                continue
            old = conn.execute(select(table.c.jurisdiction, table.c.elements, table.c.sealed)
                               .where(table.c.id == pid)).one()
            newer = pid not in mine
            jm, em, cm, sm, lm = _merge_sealed((old.jurisdiction, ",".join(old.elements), old.sealed),
                                               (j, e, sealed), prefer_incoming=newer)
            conn.execute(update(table).where(table.c.id == pid).values(
                jurisdiction=jm, elements=em.split(",") if em else [], channels=cm.split(",") if cm else [],
                sealed=sm, language=lm))
            merged += newer
            staged += newer
            for k in keys:
                if k not in owner:
                    owner[k] = pid
                    new_keys.append((incident_id, ds, k, pid))
        if inserts:
            cursor.executemany(insert_sql, inserts)
            ids = {}
            primaries = [k for k, _ in fresh]
            for a in range(0, len(primaries), lookup_batch):
                ids.update(conn.execute(select(table.c.identity_key, table.c.id).where(
                    table.c.incident_id == incident_id, table.c.identity_key.in_(primaries[a:a + lookup_batch]))
                ).all())
            for (primary, keys), row in zip(fresh, inserts, strict=True):
                pid = ids[primary]
                mine.add(pid)
                for k in keys:
                    if k not in owner:
                        owner[k] = pid
                        new_keys.append((incident_id, row[1], k, pid))
        if new_keys:
            cursor.executemany(key_sql, new_keys)
        done += len(people)
        del people, inserts, new_keys
        Path(r.path).unlink()
        if on_progress:
            on_progress(ImportProgress("recording", done, total, rows))
    cursor.close()
    return new, merged, staged


def count_people(session: Session, incident_id: str) -> list[AffectedGroup]:
    """People of the incident by data set, jurisdiction and exposed elements, from the recorded people."""
    table = AffectedPerson.__table__
    as_text = cast(table.c.elements, Text)
    rows = session.connection().execute(
        select(table.c.data_set, table.c.jurisdiction, as_text, func.count())
        .where(table.c.incident_id == incident_id).group_by(table.c.data_set, table.c.jurisdiction, as_text))
    counts: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for data_set, jurisdiction, elements, n in rows:
        key = (data_set, jurisdiction, tuple(sorted(json.loads(elements))))
        counts[key] = counts.get(key, 0) + n
    return [AffectedGroup(jurisdiction=j, elements=list(e), count=n, data_set=ds)
            for (ds, j, e), n in sorted(counts.items())]


def commit_import(session: Session, incident_id: str, results: Sequence[ChunkResult], work_dir: str | os.PathLike[str],
                  *, accept_rejected: bool = False, actor: str | None = None,
                  report_dir: str | os.PathLike[str] | None = None, timings: dict[str, float] | None = None,
                  on_progress: ProgressCallback | None = None) -> ImportResult:
    """Write the row report from the chunk outputs, then (all or nothing) record people and counts.

    ``work_dir`` is the directory of the chunk files (the results name them by absolute path).

    Works inside the caller's transaction: raise, and the caller's rollback leaves the record unchanged.
    """
    timings = timings if timings is not None else {}
    lock_incident(session, incident_id)  # two imports of one incident at once: the second waits, then merges
    incident = get_incident(session, incident_id)
    ensure_open(incident)
    reports = Path(report_dir) if report_dir else get_settings().home_dir / "scoping"
    reports.mkdir(parents=True, exist_ok=True)
    report = reports / f"{incident_id}-{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}-rows.csv"
    t = time.perf_counter()
    rejected, warnings, problems = _write_report(results, report)
    rows = sum(r.rows for r in results)
    timings["row_report"] = time.perf_counter() - t
    if not problems:
        report.unlink()
    report_path = str(report) if problems else None
    if rejected and not accept_rejected:
        raise RowsRejected(rejected, rows, report)
    t = time.perf_counter()
    new, merged, staged = _write_people(session, incident_id, results, on_progress=on_progress)
    timings["insert"] = time.perf_counter() - t
    if on_progress:
        on_progress(ImportProgress("counting", 0, 1, rows))
    t = time.perf_counter()
    groups = count_people(session, incident_id)
    affected: dict[str, int] = {}
    exposed: set[str] = set()
    for g in groups:
        affected[g.jurisdiction] = affected.get(g.jurisdiction, 0) + g.count
        exposed.update(g.elements)
    changes: dict[str, Any] = {"affected": affected, "affected_groups": [g.model_dump(mode="json") for g in groups]}
    if exposed:  # what the people's records really exposed, so notices list it
        changes["data_elements"] = sorted(exposed)
    update_facts(session, incident, changes, actor=actor or current_actor(),
                 reason=f"scoping import: {rows} rows, {staged} people ({new} new, {merged} already recorded), "
                        f"{rejected} rows rejected")
    # People imported after a notice went out still need it: its obligation is open again.
    reopen_incomplete(session, incident, actor=actor or current_actor())
    reopen_notification(session, incident, actor=actor or current_actor(),
                        reason=f"scoping import after notification: {new} new people; what they are owed is sent")
    timings["count_and_obligations"] = time.perf_counter() - t
    if on_progress:
        on_progress(ImportProgress("counting", 1, 1, rows))
    return ImportResult(incident_id, rows, rejected, warnings, staged, new, merged, sum(affected.values()),
                        affected.get(UNKNOWN, 0), report_path, affected, timings)


def import_records(session: Session, incident_id: str, path: str | os.PathLike[str], *,
                   format: str | None = None, encoding: str | None = None, delimiter: str | None = None,
                   mapping_file: str | os.PathLike[str] | None = None, elements: Iterable[str] = (),
                   sheet: str | None = None, name_exposed: bool | None = None, accept_rejected: bool = False,
                   on_progress: ProgressCallback | None = None, actor: str | None = None,
                   report_dir: str | os.PathLike[str] | None = None, workers: int | None = None,
                   chunk_bytes: int = DEFAULT_CHUNK_BYTES, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                   data_set: str | None = None) -> ImportResult:
    """Import an extract for an incident and re-derive its per-jurisdiction counts (see the module docstring).

    ``on_progress`` gets an :class:`ImportProgress` after every chunk read, every chunk of people recorded, and
    around the counting; the caller's commit follows the last. ``workers`` > 1 runs chunks in that many
    processes (default: the CPU count when the file has several chunks). Raises ScopingError (the file
    or mapping is malformed) or RowsRejected (rows rejected, no ``accept_rejected``); then nothing is written.
    """
    choice = data_set_choice(load_facts(get_incident(session, incident_id)))  # fails fast on an unknown incident
    get_sealer()  # create the key once, before any worker needs it
    work = new_work_dir()
    timings: dict[str, float] = {}
    try:
        t = time.perf_counter()
        spec = prepare_import(path, format=format, encoding=encoding, delimiter=delimiter, mapping_file=mapping_file,
                              elements=elements, sheet=sheet, name_exposed=name_exposed, work_dir=work,
                              data_sets=choice, data_set=data_set)
        chunks = plan_chunks(spec, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows)
        results = run_chunks(spec, chunks, work, workers=workers, on_progress=on_progress)
        timings["parse_seal"] = time.perf_counter() - t
        return commit_import(session, incident_id, results, work, accept_rejected=accept_rejected, actor=actor,
                             report_dir=report_dir, timings=timings, on_progress=on_progress)
    finally:
        release_work_dir(work)


def run_chunks(spec: ImportSpec, chunks: Sequence[Chunk], work_dir: str | os.PathLike[str], *,
               workers: int | None = None, on_progress: ProgressCallback | None = None) -> list[ChunkResult]:
    """Run process_chunk over the chunks, in this process or a process pool; results in chunk order."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    # A chunk's size in bytes; a one-piece chunk (workbook, stream) ends at -1 and counts the whole file.
    size = [c.end - c.start if c.end >= 0 else max(Path(spec.path).stat().st_size - spec.data_start, 1)
            for c in chunks]
    total, read, rows = sum(size), 0, 0
    results: list[ChunkResult] = []

    def advance(r: ChunkResult) -> None:
        nonlocal read, rows
        results.append(r)
        read, rows = read + size[r.index], rows + r.rows
        if on_progress:
            on_progress(ImportProgress("reading", read, total, rows))

    if workers <= 1 or len(chunks) <= 1:
        for c in chunks:
            advance(process_chunk(spec, c, work_dir))
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool: Executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    with pool:
        futures = [pool.submit(process_chunk, spec, c, work_dir) for c in chunks]
        try:
            for f in futures:
                advance(f.result())
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return results
