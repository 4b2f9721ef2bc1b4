"""The breach-response flow under Prefect: it advances, waits on people, resumes, and survives SIGKILL."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from breachclock.models import AuditEvent, Delivery, Incident, Notice
from breachclock.models.audit import verify_chain
from breachclock.models.db import session_scope
from breachclock.models.incident.service import open_incident
from breachclock.models.notice.approval import decide
from breachclock.models.outbox.handover import resolve_uncertain
from breachclock.models.scoping.store import import_records
from sqlalchemy import func, select

from tests.factories import finish_containment

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _people_csv(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["first_name", "last_name", "address", "city", "state", "zip", "exposed"])
        for i in range(n):
            w.writerow([f"Person{i}", "Example", f"{i} Main St", "Sacramento", "CA", "95814", "ssn"])
    return path


def _approve_all(engine, iid: str) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)


def _actions(engine, iid: str) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.incident_id == iid)
                              .order_by(AuditEvent.seq)))


def test_flow_waits_on_people_and_resumes_to_notified(prefect_harness, home, tmp_path) -> None:
    from breachclock.flows.breach_response import breach_response
    from breachclock.models.db import get_engine

    engine = get_engine()
    from tests.factories import sample_facts

    with session_scope(engine) as s:
        # An exercise: the memory channels simulate every delivery (a real incident would refuse them).
        iid = open_incident(s, sample_facts(affected={}, exercise=True), source=b"t",
                                      playbook="lost_device", actor="tester").id
    first = breach_response(iid)
    assert [r["outcome"] for r in first] == ["done", "waiting"]
    assert "containment task(s) still open" in first[-1]["message"]
    finish_containment(engine, iid)
    with session_scope(engine) as s:
        import_records(s, iid, _people_csv(tmp_path / "p.csv", 3), actor="tester", workers=1)
    second = breach_response(iid)
    assert second[-1]["stage"] == "approval" and second[-1]["outcome"] == "waiting"
    _approve_all(engine, iid)
    third = breach_response(iid)
    assert [r["outcome"] for r in third][-3:] == ["done", "done", "done"]
    assert third[-1]["stage"] == "documentation"
    with session_scope(engine) as s:
        assert s.get(Incident, iid).status == "notified"
        assert verify_chain(s, iid).ok
    # Each run published its story; the newest tells the whole response, without naming anyone.
    stories = _stories(iid)
    assert len(stories) == 3
    assert "## This run" in stories[0] and "| approval | waiting |" in stories[1]
    assert stories[-1].startswith(f"# {iid}: notified") and "| documentation | done |" in stories[-1]
    assert "| US-CA | individuals | individual | US-CA | 2026-04-01 23:59 EDT | law | simulated (exercise): not met |" \
        in stories[-1]
    assert "| approved | 12 pass, 0 fail, 2 to confirm | simulated | simulated: 3 |" in stories[-1]
    assert "Person0" not in "".join(stories) and "Main St" not in "".join(stories)
    assert "decision-record.pdf`: the decision record" in stories[-1] and "previews (text, HTML, PDF)" in stories[-1]
    # Running it again changes nothing.
    before = _actions(engine, iid)
    assert all(r["outcome"] == "already_done" for r in breach_response(iid))
    assert _actions(engine, iid) == before


def _stories(iid: str) -> list[str]:
    """The markdown artifacts the runs of one incident published, oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"breach-{iid.lower()}"])),
                                      sort=ArtifactSort.CREATED_DESC)
    return [a.data for a in reversed(found)]


def _run_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "breachclock.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_sigkill_mid_notification_then_rerun_resumes_without_repeating(prefect_home, home, tmp_path) -> None:
    import json

    from breachclock.models.db import get_engine

    from tests.factories import contained_incident_with_people
    from tests.notifications.fakes import FakeSendGridServer

    engine = get_engine()
    iid = contained_incident_with_people(engine, tmp_path, 60)
    with FakeSendGridServer() as sendgrid:
        env = {**os.environ, "BREACHCLOCK_HOME": str(home), "PREFECT_HOME": str(prefect_home),
               "PYTHONPATH": str(ROOT), "BREACHCLOCK_CHANNEL_BACKEND": "live",
               "BREACHCLOCK_SENDGRID_API_KEY": "SG.fake-key", "BREACHCLOCK_SENDGRID_HOST": sendgrid.url,
               "BREACHCLOCK_EMAIL_FROM": "privacy@example-law.test",
               "BREACHCLOCK_POSTAL_SENDER_BLOCK": "Example LLP\n1 Main St\nBoston MA 02110"}
        env.pop("BREACHCLOCK_DATABASE_URL", None)
        first = _run_cli(["run", iid], env)
        assert first.wait(timeout=240) == 0, first.stdout.read().decode()
        _approve_all(engine, iid)

        sendgrid.delay_next(0.3, times=20)  # a slow provider for a while: the kill lands mid-notification
        proc = _run_cli(["run", iid], env)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None and sendgrid.deliveries < 10:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed mid-notification"
        with session_scope(engine) as s:
            assert s.get(Incident, iid).status == "notifying"
            total = s.scalar(select(func.count()).select_from(Delivery))
            assert s.scalar(select(func.count()).where(Delivery.status == "sent")) < total

        sendgrid_log = sendgrid.accepted
        for _ in range(3):
            rerun = _run_cli(["run", iid], env)
            out = rerun.communicate(timeout=240)[0].decode()
            assert rerun.returncode == 0, out
            with session_scope(engine) as s:
                if s.get(Incident, iid).status == "notified":
                    break
                # A delivery in flight when the process died is never resent blindly: a person checks the
                # provider's records (here, the fake's) and settles it.
                uncertain = s.scalars(select(Delivery).where(Delivery.status == "uncertain")).all()
                assert uncertain, out
                accepted_keys = {json.loads(r.body)["custom_args"]["idempotency_key"] for r in sendgrid_log}
                for d in uncertain:
                    resolve_uncertain(s, d.id, delivered=d.idempotency_key in accepted_keys, actor="ops",
                                              reason="checked the provider's activity feed")
        with session_scope(engine) as s:
            assert s.get(Incident, iid).status == "notified", out
            assert verify_chain(s, iid).ok
            keys = sorted(s.scalars(select(Delivery.idempotency_key).where(Delivery.channel == "email")))
    # Every e-mail reached the provider exactly once across the killed run and the reruns.
    sent_keys = sorted(json.loads(r.body)["custom_args"]["idempotency_key"] for r in sendgrid_log)
    assert sent_keys == keys
    actions = _actions(engine, iid)
    for transition in ("transition:triage", "transition:contain", "transition:notify",
                       "transition:complete_notification"):
        assert actions.count(transition) == 1, transition


def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append((int(entry.name), cmd))
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the watchdog needs Linux's PR_SET_PDEATHSIG")
def test_a_killed_command_leaves_no_prefect_server_running(home, tmp_path) -> None:
    from breachclock.models.db import get_engine

    from tests.factories import contained_incident_with_people

    iid = contained_incident_with_people(get_engine(), tmp_path, 2)
    env = {**os.environ, "BREACHCLOCK_HOME": str(home), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PYTHONPATH": str(ROOT)}
    env.pop("BREACHCLOCK_DATABASE_URL", None)
    proc = _run_cli(["run", iid], env)
    server = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server is None and proc.poll() is None:
        server = next((pid for pid, cmd in _children(proc.pid) if "uvicorn" in cmd), None)
        time.sleep(0.1)
    assert server is not None, "the command never started Prefect's server"
    time.sleep(0.5)  # the server has only begun starting; the watchdog looks every 50 ms
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Path(f"/proc/{server}").exists():
        time.sleep(0.2)
    alive = Path(f"/proc/{server}").exists() and "Z" not in (Path(f"/proc/{server}") / "stat").read_text().split()[2]
    assert not alive, "Prefect's server outlived the killed command"


def test_concurrent_runs_of_one_incident_serialise_cleanly(database_url, prefect_home, home, tmp_path) -> None:
    """Three `run`s at once: no traceback, each e-mail sent once, one queueing, a chain that verifies."""
    import json

    from breachclock.models.db import get_engine

    from tests.factories import contained_incident_with_people
    from tests.notifications.fakes import FakeSendGridServer

    engine = get_engine()
    iid = contained_incident_with_people(engine, tmp_path, 12)
    with FakeSendGridServer() as sendgrid:
        env = {**os.environ, "BREACHCLOCK_HOME": str(home), "PREFECT_HOME": str(prefect_home),
               "PYTHONPATH": str(ROOT), "BREACHCLOCK_CHANNEL_BACKEND": "live", "BREACHCLOCK_DATABASE_URL": database_url,
               "BREACHCLOCK_SENDGRID_API_KEY": "SG.fake-key", "BREACHCLOCK_SENDGRID_HOST": sendgrid.url,
               "BREACHCLOCK_EMAIL_FROM": "privacy@example-law.test",
               "BREACHCLOCK_POSTAL_SENDER_BLOCK": "Example LLP\n1 Main St\nBoston MA 02110"}
        first = _run_cli(["run", iid], env)
        assert first.wait(timeout=240) == 0, first.stdout.read().decode()
        _approve_all(engine, iid)
        sendgrid.delay_next(0.5, times=12)  # a slow provider: the three runs overlap while sending
        runs = [_run_cli(["run", iid], env) for _ in range(3)]
        outputs = [r.communicate(timeout=300)[0].decode() for r in runs]
        for r, out in zip(runs, outputs, strict=True):
            assert r.returncode == 0 and "Traceback" not in out, out
        assert any("another send of" in " ".join(out.split()) for out in outputs), "the runs never overlapped"
        final = _run_cli(["run", iid], env)
        out = final.communicate(timeout=240)[0].decode()
        assert final.returncode == 0, out
        keys = [json.loads(r.body)["custom_args"]["idempotency_key"] for r in sendgrid.accepted]
    assert len(keys) == len(set(keys)) == 12, "an e-mail went out twice, or one never went"
    with session_scope(engine) as s:
        assert s.get(Incident, iid).status == "notified"
        assert verify_chain(s, iid).ok, verify_chain(s, iid).problems
    actions = _actions(engine, iid)
    assert actions.count("deliveries_queued") == 1
    assert actions.count("transition:notify") == 1 and actions.count("transition:complete_notification") == 1
