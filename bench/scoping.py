"""Benchmark: synthetic extract → import → scoping → obligations → notices, against a plain hand-written loop.

    PYTHONPATH=. .venv/bin/python -m bench.scoping [--rows 1000000] [--workers N] [--keep]

Generates N people over the 54 US jurisdictions (50 states + DC, PR, GU, VI) with mixed element
combinations, ~2% duplicates and ~1% unknown residency, runs the pipeline on the embedded default in
a temporary BREACHCLOCK_HOME (drafting the notices and queueing one delivery per recipient last), and
prints wall time per phase, rows/s and peak RSS. The baseline parses
each row, renders a ~2 KB autoescaped Jinja2 notice, hashes it and inserts it into SQLite.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
          "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
          "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
          "DC", "PR", "GU", "VI"]
COMBOS = ["ssn", "ssn;dob", "drivers_license", "email;password", "payment_card;access_code", "medical",
          "financial_account", "dob;address", "health_insurance;ssn", "username;password"]
FIRST = ["James", "Mary", "José", "Li", "Aisha", "Noah", "Zoë", "Olga", "Ravi", "Chen", "Fatima", "Liam"]
LAST = ["Smith", "García", "Nguyen", "Müller", "Okafor", "Kowalski", "Brown", "O'Neil", "Patel", "Kim"]
HEADER = ["first_name", "last_name", "email", "phone", "address1", "city", "state", "zip", "country", "elements"]


def zip_pools() -> dict[str, list[str]]:
    """Per jurisdiction of STATES, ZIPs of its first prefix that the ZIP table really gives to it.

    A prefix's 5-digit exceptions belong elsewhere: 969xx is mostly Guam but 96939-96944 are Palau and
    Micronesia, 96950-96952 the Northern Mariana Islands, 96960/96970 the Marshall Islands; 96799 is
    American Samoa, not Hawaii. Drawing blindly from the prefix made people listed as Guam residents
    without a state resolve (correctly, from the ZIP) to those places.
    """
    from breachclock.playbooks.jurisdictions import zip_table

    prefixes, exceptions = zip_table()
    first: dict[str, str] = {}
    for p, j in prefixes.items():
        first.setdefault(j, p)
    return {st: [z for z in (f"{first['US-' + st]}{n:02d}" for n in range(100))
                 if exceptions.get(z, "US-" + st) == "US-" + st] for st in STATES}


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    zips = zip_pools()
    recent: list[list[str]] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            if recent and rnd.random() < 0.02:  # the same person exported by another system
                row = list(rnd.choice(recent))
                row[9] = rnd.choice(COMBOS)
                w.writerow(row)
                continue
            st = STATES[i % len(STATES)]
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            zip5 = rnd.choice(zips[st])
            u = rnd.random()
            state, zipc = (st, zip5) if u < 0.6 else ("", zip5) if u < 0.99 else ("", "")
            row = [first, f"{last}{i}", f"{first.lower()}.{i}@example.com", f"+1 555 {i % 10_000_000:07d}",
                   f"{i} Main St", "Springfield", state, zipc, "US" if zipc else "", rnd.choice(COMBOS)]
            w.writerow(row)
            if i % 50 == 0:
                recent.append(row)
                if len(recent) > 1000:
                    recent.pop(0)


NOTICE = """<html><body><p>{{ date }}</p><p>Dear {{ first }} {{ last }},</p>
<p>{{ address }}<br>{{ city }}, {{ state }} {{ zip }}</p>
<h1>Notice of Data Breach</h1>
<h2>What happened?</h2><p>{{ lorem }}</p>
<h2>What information was involved?</h2><p>{{ elements }}</p>
<h2>What we are doing.</h2><p>{{ lorem }}</p>
<h2>What you can do.</h2><p>{{ lorem }}</p>
<h2>For more information.</h2><p>Call us or write to {{ email }}.</p></body></html>"""
LOREM = ("We recently discovered that an unauthorized party may have accessed some of our systems. We take the "
         "security of your information seriously and have taken steps to prevent this from happening again. ") * 2


def plain_loop(path: Path, db_path: Path) -> tuple[float, int]:
    """The unavoidable work, hand-written: parse, render one ~2 KB notice, hash, insert into SQLite."""
    from jinja2 import Environment

    template = Environment(autoescape=True).from_string(NOTICE)
    t = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE notices (id INTEGER PRIMARY KEY, sha256 TEXT, body TEXT)")
    n = 0
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            body = template.render(first=row[0], last=row[1], email=row[2], address=row[4], city=row[5],
                                   state=row[6], zip=row[7], elements=row[9], lorem=LOREM, date="2026-11-22")
            db.execute("INSERT INTO notices (sha256, body) VALUES (?, ?)",
                       (hashlib.sha256(body.encode()).hexdigest(), body))
            n += 1
    db.commit()
    db.close()
    return time.perf_counter() - t, n


def queue_notices_phase(engine, incident_id: str) -> tuple[float, float, int, int, int]:  # type: ignore[no-untyped-def]
    """Draft the notices (obligations are already evaluated by scoping) and queue one delivery per recipient.

    Returns (draft seconds, queue seconds including the commit, notices, deliveries queued, people without contact).
    """
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.notice.drafting import draft_notices
    from breachclock.models.outbox.queue import queue

    t = time.perf_counter()
    with session_scope(engine) as s:
        drafted = draft_notices(s, get_incident(s, incident_id), actor="bench").drafted
        ids = [n.id for n in drafted]
    draft_s = time.perf_counter() - t
    t = time.perf_counter()
    with session_scope(engine) as s:
        queued = queue(s, get_incident(s, incident_id), actor="bench", notice_ids=ids)
    return draft_s, time.perf_counter() - t, len(drafted), queued.queued, queued.without_contact


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=None, help="chunk processes (default: CPU count)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary home")
    args = ap.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="bc-bench-"))
    os.environ["BREACHCLOCK_HOME"] = str(home)
    os.environ.pop("BREACHCLOCK_DATABASE_URL", None)
    os.environ.pop("BREACHCLOCK_ENCRYPTION_KEY", None)
    from breachclock.models import settings
    from breachclock.models.db import get_engine, session_scope
    from breachclock.models.incident.service import open_incident
    from breachclock.models.person import crypto
    from breachclock.models.scoping.report import scoping_report
    from breachclock.models.scoping.store import ImportProgress, import_records
    from breachclock.playbooks.facts import IncidentFacts

    settings.get_settings.cache_clear()
    crypto.get_sealer.cache_clear()
    extract = home / "extract.csv"
    t = time.perf_counter()
    generate(extract, args.rows)
    print(f"generate      {time.perf_counter() - t:8.2f} s  ({extract.stat().st_size / 1e6:.0f} MB, {args.rows} rows)")

    engine = get_engine()
    facts = IncidentFacts.model_validate({
        "title": "Benchmark", "entity": {"name": "Bench Co", "timezone": "America/New_York"},
        "discovered_at": datetime(2026, 3, 2, tzinfo=UTC).isoformat(), "data_elements": ["name", "ssn"]})
    with session_scope(engine) as s:
        incident_id = open_incident(s, facts, source=b"bench", actor="bench").id

    t0 = time.perf_counter()
    last = [t0, 0]

    def progress(p: ImportProgress) -> None:
        last[:] = [time.perf_counter(), p.rows]

    with session_scope(engine) as s:
        result = import_records(s, incident_id, extract, workers=args.workers, on_progress=progress,
                                        accept_rejected=True, actor="bench")
        t_commit = time.perf_counter()
    commit_s = time.perf_counter() - t_commit
    t = time.perf_counter()
    with session_scope(engine) as s:
        report = scoping_report(s, incident_id)
    report_s = time.perf_counter() - t
    draft_s, queue_s, notices, queued, without_contact = queue_notices_phase(engine, incident_id)
    pipeline = time.perf_counter() - t0
    for phase, secs in result.timings.items():
        print(f"{phase:<22}{secs:8.2f} s")
    print(f"{'transaction commit':<22}{commit_s:8.2f} s")
    print(f"{'report':<22}{report_s:8.2f} s")
    print(f"{'draft_notices':<22}{draft_s:8.2f} s  ({notices} notices)")
    print(f"{'queue_deliveries':<22}{queue_s:8.2f} s  ({queued} deliveries, {without_contact} without contact)")
    print(f"{'pipeline total':<22}{pipeline:8.2f} s  {result.rows / pipeline:,.0f} rows/s")
    print(f"people: {result.people_total} in {len(report['by_jurisdiction'])} jurisdictions, "
          f"unknown {result.unknown_residency}, rows merged {result.rows - result.people_in_file}, "
          f"regimes with residents {len(report['regimes'])}")
    own, children = peak_rss_mb()
    print(f"peak RSS: this process {own:.0f} MB, largest worker {children:.0f} MB")

    plain_s, n = plain_loop(extract, home / "plain.db")
    print(f"{'plain loop':<22}{plain_s:8.2f} s  {n / plain_s:,.0f} rows/s")
    print(f"ratio pipeline / plain loop: {pipeline / plain_s:.2f}")
    own2, _ = peak_rss_mb()
    if own2 > own:
        print(f"(peak RSS after the plain loop: {own2:.0f} MB)")
    if not args.keep:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    else:
        print(f"kept {home}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
