"""Benchmark: kill `breachclock run` while it sends, again and again; count duplicates, losses and people needed.

    PYTHONPATH=. .venv/bin/python -m bench.crash [--messages 300] [--kills 20] [--no-activity-feed]

An incident with N Californians reachable by e-mail, notices approved, is notified through the real CLI against
a local server speaking SendGrid's API (a little slow, so kills land mid-send). Each round starts `run` and
SIGKILLs it after a random number of accepted messages; the next run reconciles what was in flight (the
provider's activity feed settles most of it). After the last kill, runs continue until the incident is
notified; a delivery the provider cannot settle is resolved by "a person" who checks the fake's log. Prints:
messages accepted by the provider per delivery (duplicates), deliveries never accepted (lost), deliveries that
needed a person, and time per round.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--no-activity-feed", action="store_true", help="SendGrid without the Email Activity add-on")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    home = Path(tempfile.mkdtemp(prefix="bc-crash-"))
    os.environ["BREACHCLOCK_HOME"] = str(home)
    os.environ.pop("BREACHCLOCK_DATABASE_URL", None)
    from breachclock.models import Delivery, Incident, Notice
    from breachclock.models.audit import verify_chain
    from breachclock.models.db import get_engine, session_scope
    from breachclock.models.notice.approval import decide
    from breachclock.models.outbox.handover import resolve_uncertain
    from sqlalchemy import select

    from tests.factories import contained_incident_with_people
    from tests.notifications.fakes import FakeSendGridServer

    engine = get_engine()
    iid = contained_incident_with_people(engine, home, args.messages)
    with FakeSendGridServer(activity_enabled=not args.no_activity_feed) as sendgrid:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(home / "prefect"),
               "BREACHCLOCK_CHANNEL_BACKEND": "live", "BREACHCLOCK_SENDGRID_API_KEY": sendgrid.api_key,
               "BREACHCLOCK_SENDGRID_HOST": sendgrid.url, "BREACHCLOCK_EMAIL_FROM": "privacy@example-law.test",
               "BREACHCLOCK_POSTAL_SENDER_BLOCK": "Example LLP\n1 Main St\nBoston MA 02110"}

        def run() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, "-m", "breachclock.cli", "run", iid], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        assert run().wait(timeout=300) == 0
        with session_scope(engine) as s:
            for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
                decide(s, n.id, counsel="Bench Counsel", approve=True)
        needed_person: set[int] = set()
        rounds = []
        per_kill = max(args.messages // (args.kills + 1), 1)
        for k in range(args.kills):
            sendgrid.delay_next(0.01, times=10_000)
            target = min(sendgrid.deliveries + rng.randint(1, 2 * per_kill), args.messages - 1)
            started = time.perf_counter()
            proc = run()
            while proc.poll() is None and sendgrid.deliveries < target:
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            rounds.append(time.perf_counter() - started)
            print(f"kill {k + 1:>2}: {sendgrid.deliveries} accepted so far", flush=True)
        for _ in range(10):
            assert run().wait(timeout=600) == 0
            with session_scope(engine) as s:
                if s.get(Incident, iid).status == "notified":
                    break
                accepted = {json.loads(r.body)["custom_args"]["idempotency_key"] for r in sendgrid.accepted}
                for d in s.scalars(select(Delivery).where(Delivery.status == "uncertain")):
                    needed_person.add(d.id)
                    resolve_uncertain(s, d.id, delivered=d.idempotency_key in accepted, actor="bench person",
                                             reason="checked the provider's log")
        sent_keys = Counter(json.loads(r.body)["custom_args"]["idempotency_key"] for r in sendgrid.accepted)
        with session_scope(engine) as s:
            keys = set(s.scalars(select(Delivery.idempotency_key).where(Delivery.channel == "email")))
            state = s.get(Incident, iid).status
            chain_ok = verify_chain(s, iid).ok
    duplicates = sum(n - 1 for n in sent_keys.values() if n > 1)
    lost = len(keys - set(sent_keys))
    print(f"\nmessages {args.messages}, kills {args.kills}, activity feed {'off' if args.no_activity_feed else 'on'}")
    print(f"final state {state}, audit chain {'intact' if chain_ok else 'BROKEN'}")
    print(f"duplicates {duplicates}, lost {lost}, needed a person {len(needed_person)}")
    print(f"seconds per killed run: median {sorted(rounds)[len(rounds) // 2]:.1f}")
    return 0 if duplicates == lost == 0 and state == "notified" and chain_ok else 1


if __name__ == "__main__":
    sys.exit(main())
