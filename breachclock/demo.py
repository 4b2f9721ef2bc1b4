"""``breachclock demo``: a complete sample incident, detection to ``notified``, on the embedded default.

It goes through the same paths a real incident does: the incident file is
validated and recorded, the ``breach-response`` Prefect flow advances it, a
scripted responder completes the containment tasks with hashed evidence, an
invented extract of affected people is imported (encrypted at rest), a
scripted counsel identity approves each notice through the approval service,
and the notices go out through the outbox. The incident is an *exercise*:
e-mails stay in memory and letters and filings are written as marked test
PDFs, every delivery is recorded as simulated, and no obligation is ever
marked met. All the names and addresses are invented.

The demo keeps its data apart from real incidents: it always runs in its own
home (``<BREACHCLOCK_HOME>/demo``, an SQLite database of its own), whatever
database the environment configures.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import time
from datetime import timedelta
from pathlib import Path

import yaml
from rich.console import Console
from sqlalchemy import func, select

from breachclock.models.incident.service import get_incident, open_incident
from breachclock.models.obligation.service import decide_obligation
from breachclock.playbooks.catalog import PLAYBOOKS_DIR

DEMO_RESPONDER = "Riley Chen (incident responder, scripted by the demo)"
DEMO_COUNSEL = "Morgan Alvarez, Esq. (breach counsel, scripted by the demo)"
_FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Ebony", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kai", "Lena",
          "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tamsin", "Uma", "Victor", "Wen", "Yara", "Zoe"]
_LAST = ["Abara", "Brooks", "Castillo", "Dubois", "Eriksen", "Fujita", "García", "Haddad", "Ivanova", "Jensen",
         "Kowalski", "Lindqvist", "Mensah", "Nakamura", "O'Neill", "Patel", "Quintero", "Rossi", "Schmidt", "Tran"]
# Residents per state in the sample extract: California is over its 500-resident AG threshold.
_STATES = {"CA": ("Sacramento", "95814", 505), "TX": ("Austin", "78701", 40), "NY": ("Albany", "12207", 30),
           "MA": ("Boston", "02110", 15)}
# And a few clients abroad: Quebec residents get one letter, in French, under PIPEDA and Quebec's Act together.
_ABROAD = {("CA", "QC"): ("Montréal", "H2X 1Y4", 4)}


def write_sample_people(path: Path, seed: int = 7) -> int:
    """An invented extract: mostly e-mail contacts, some postal, some asking for Spanish, two Californians with no
    usable contact (substitute notice), a duplicate and one unknown residency."""
    rng = random.Random(seed)
    rows = []
    for state, (city, zip_code, count) in _STATES.items():
        for i in range(count):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            postal = i % 10 == 0
            rows.append({
                "first_name": first, "last_name": last,
                "email": "" if postal else f"{first}.{last}.{state}{i}@example.test".lower().replace("'", ""),
                "address": f"{100 + i} Elm Street" if postal else "", "city": city if postal else "",
                "state": state, "zip": zip_code if postal else "", "country": "US", "exposed": "ssn;dob",
                "language": "Español" if i % 7 == 3 and state in ("CA", "TX") else "",
            })
    for (country, province), (city, postal_code, count) in _ABROAD.items():
        for i in range(count):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            rows.append({"first_name": first, "last_name": last,
                         "email": f"{first}.{last}.{province}{i}@example.test".lower().replace("'", ""),
                         "address": "", "city": city, "state": province, "zip": postal_code, "country": country,
                         "exposed": "ssn;dob", "language": ""})
    rows.append(dict(rows[1]))  # the same person exported twice
    rows.append({"first_name": "Sam", "last_name": "Okafor", "email": "sam.okafor@example.test", "address": "",
                 "city": "", "state": "", "zip": "", "country": "", "exposed": "ssn", "language": ""})  # residency unknown
    for first, last in (("Lena", "Marsh"), ("Omar", "Reyes")):  # no usable address or e-mail: substitute notice
        rows.append({"first_name": first, "last_name": last, "email": "", "address": "", "city": "", "state": "CA",
                     "zip": "", "country": "US", "exposed": "ssn;dob", "language": ""})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def _sample_facts(now):  # type: ignore[no-untyped-def]
    from breachclock.playbooks.facts import IncidentFacts

    data = yaml.safe_load((PLAYBOOKS_DIR / "samples" / "demo-incident.yaml").read_text(encoding="utf-8"))
    # Move the sample's times to now, keeping their spacing, so the clocks shown are live.
    shift = now - data["discovered_at"]
    for key in ("discovered_at", "determined_at", "breach_started_at", "breach_ended_at"):
        data[key] = data[key] + shift
    return IncidentFacts.model_validate(data), yaml.safe_dump(data, sort_keys=False).encode()


def _complete_tasks(engine, iid: str, phase: str, evidence_dir: Path, console: Console) -> None:  # type: ignore[no-untyped-def]
    """The scripted responder: a note per task, hashed and recorded as the task's evidence."""
    from breachclock.models import PlaybookTask
    from breachclock.models.base import utcnow
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.task.service import complete_task

    evidence_dir.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as s:
        inc = get_incident(s, iid)
        for task in s.scalars(select(PlaybookTask).where(PlaybookTask.incident_id == iid, PlaybookTask.phase == phase,
                                                         PlaybookTask.status == "open")):
            note = evidence_dir / f"{task.key}.txt"
            note.write_text(f"{task.title}\nExpected evidence: {'; '.join(task.evidence_expected)}\n"
                            f"Recorded by {DEMO_RESPONDER} at {utcnow().isoformat()}\n", encoding="utf-8")
            digest = hashlib.sha256(note.read_bytes()).hexdigest()
            complete_task(s, inc, task.key, actor=DEMO_RESPONDER, outcome="completed (demo)",
                                    evidence=[(f"responder's note for {task.key}", str(note), digest)])
            console.print(f"  [green]✔[/] {task.key}  [dim]sha256 {digest[:16]}…[/]")


def use_demo_home() -> Path:
    """Point this process at the demo's own home and database (before any setting is read)."""
    from breachclock.models.settings import get_settings

    home = get_settings().home_dir / "demo"
    os.environ["BREACHCLOCK_HOME"] = str(home)
    os.environ["BREACHCLOCK_CHANNEL_BACKEND"] = "memory"
    for variable in ("BREACHCLOCK_DATABASE_URL", "BREACHCLOCK_ENCRYPTION_KEY", "BREACHCLOCK_POSTAL_OUTBOX_DIR"):
        os.environ.pop(variable, None)
    get_settings.cache_clear()
    from breachclock.models.person.crypto import get_sealer

    get_sealer.cache_clear()
    return home


def run_demo(console: Console) -> int:
    from breachclock.cli.output import obligations_table, print_stages, run_flow
    from breachclock.models import Delivery, Notice, Obligation
    from breachclock.models.audit import verify_chain
    from breachclock.models.base import utcnow
    from breachclock.models.db import get_engine, session_scope
    from breachclock.models.notice.approval import decide, notices_lacking_approval
    from breachclock.models.notice.drafting import variants_of
    from breachclock.models.outbox.service import send
    from breachclock.models.scoping.store import import_records
    from breachclock.notifications.config import NotificationSettings, build_channels

    started = time.perf_counter()
    home = use_demo_home()
    channels = build_channels(NotificationSettings())
    engine = get_engine()
    now = utcnow()
    facts, source = _sample_facts(now - timedelta(hours=3))
    console.rule("[bold]breachclock demo[/]")
    console.print(f"data directory: {home}  (the demo's own database, encryption key, letters, reports)")
    console.print("[magenta]an exercise: every delivery is simulated — nothing leaves this machine[/]")

    with session_scope(engine) as s:
        incident = open_incident(s, facts, source=source, actor=DEMO_RESPONDER)
        iid = incident.id
    console.print(f"\n[bold]1. Detection[/] — opened {iid}: {facts.title}")
    print_stages(run_flow(iid))
    with session_scope(engine) as s:
        urgent = [n.id for n in s.scalars(select(Notice).where(Notice.incident_id == iid))]
    for notice_id in urgent:  # the client's 24-hour notice, drafted at triage, goes out first
        with session_scope(engine) as s:
            decide(s, notice_id, counsel=DEMO_COUNSEL, approve=True, comment="client notice, send now")
        report = send(engine, iid, channels, actor=DEMO_RESPONDER, notice_ids=[notice_id])
        console.print(f"  [green]✔[/] client notice {notice_id} approved by counsel and released "
                      f"({report.summary()}) {_hours(utcnow() - facts.discovered_at)} after discovery, within the "
                      "contract's hours")

    console.print("\n[bold]2. Containment[/] — the responder completes each containment task with evidence")
    _complete_tasks(engine, iid, "containment", home / "evidence" / iid, console)

    console.print("\n[bold]3. Scoping[/] — importing the exposed-records extract (personal data encrypted at rest)")
    extract = home / "demo" / f"{iid}-affected.csv"
    extract.parent.mkdir(parents=True, exist_ok=True)
    rows = write_sample_people(extract)
    with session_scope(engine) as s:
        result = import_records(s, iid, extract, actor=DEMO_RESPONDER, workers=1)
    extract.unlink()  # the extract held personal data in clear; the record keeps it encrypted
    console.print(f"  {rows} rows → {result.people_total} people "
                  f"({rows - result.rejected - result.people_in_file} duplicate(s) merged), "
                  f"{result.unknown_residency} with unknown residency; per jurisdiction: "
                  f"{dict(sorted(result.affected.items()))}")
    console.print("  the investigation tasks are completed too:")
    _complete_tasks(engine, iid, "investigation", home / "evidence" / iid, console)
    with session_scope(engine) as s:
        open_questions = s.scalars(select(Obligation).where(Obligation.incident_id == iid,
                                                            Obligation.required.is_(None))).all()
        for o in open_questions:  # no law could be applied to people of unknown residency: counsel decides
            decide_obligation(s, get_incident(s, iid), o.id, required=True, counsel=DEMO_COUNSEL,
                                        reason="notify everyone affected whose residency is unknown, with the "
                                               "firm's US letter")
            console.print(f"  [green]✔[/] counsel decided: {o.recipient} are notified ({sum(o.counts.values())})")
    print_stages(run_flow(iid))

    console.print(f"\n[bold]4. Counsel's approval[/] — {DEMO_COUNSEL}")
    with session_scope(engine) as s:
        for n in notices_lacking_approval(s, iid):
            decide(s, n.id, counsel=DEMO_COUNSEL, approve=True, comment="reviewed in the demo")
            console.print(f"  [green]✔[/] approved {n.id}  {n.audience:<11} {n.recipient}  "
                          f"[dim]{', '.join(variants_of(s, n.id))} · content {n.content_hash[:12]}…[/]")

    console.print("\n[bold]5. Notification and documentation[/]")
    print_stages(run_flow(iid))

    with session_scope(engine) as s:
        inc = get_incident(s, iid)
        deliveries = dict(s.execute(select(Delivery.channel, func.count()).join(Notice).where(
            Notice.incident_id == iid).group_by(Delivery.channel)).all())
        rows_ = s.scalars(select(Obligation).where(Obligation.incident_id == iid)
                          .order_by(Obligation.due.is_(None), Obligation.due)).all()
        console.print(obligations_table(list(rows_), utcnow(), f"Obligations of {iid}"))
        chain = verify_chain(s, iid)
        state = inc.status
    console.print(f"deliveries (all simulated): {deliveries}  (e-mail in memory; test letters and filings as PDFs in "
                  f"{home / 'outbox'})")
    console.print(f"audit chain: {'[green]intact[/]' if chain.ok else '[red]BROKEN[/]'} ({chain.events} events)")
    reports = home / "reports" / iid
    console.print(f"dossier: {reports / 'dossier.json'}\ndecision record (PDF, with the clocks' timeline): "
                  f"{reports / 'decision-record.pdf'}\nnotice previews (HTML and PDF, with their content checks): "
                  f"{reports / 'notices'}")
    from breachclock.models.report.filing_document import filings_dir, write_packages

    with session_scope(engine) as s:  # what a person submits to each regulator: the forms, filled from the record
        packages = write_packages(s, iid)
    console.print(f"filing packages: {len(packages)} (PDF and JSON, what is still missing listed) in {filings_dir(iid)}")
    console.print(f"\n[bold]{iid} is {state}[/] (an exercise: simulated, no obligation met) in "
                  f"{time.perf_counter() - started:.1f} s")
    return 0 if state == "notified" and chain.ok else 1
