"""The ``send-notices`` flow: send chosen approved notices ahead of the rest (a client's 24-hour notice).

It goes through the same outbox and guards as the response's notification stage
(:func:`models.outbox.service.send`), with a run in Prefect's history like every other sending.
"""

from __future__ import annotations

from breachclock.models.db import get_engine
from breachclock.models.outbox.service import SendRefused, live_channels, send
from breachclock.models.settings import current_actor
from prefect import flow, task


@task(name="send", task_run_name="send-{incident_id}", persist_result=False)
def send_task(incident_id: str, notice_ids: list[str], actor: str) -> dict[str, str | bool]:
    try:
        report = send(get_engine(), incident_id, live_channels, actor=actor, notice_ids=notice_ids)
    except SendRefused as exc:
        return {"sent": False, "message": str(exc)}
    return {"sent": True, "message": report.summary()}


@flow(name="send-notices", flow_run_name="send-{incident_id}")
def send_notices(incident_id: str, notice_ids: list[str], actor: str | None = None) -> dict[str, str | bool]:
    """Send ``notice_ids`` of ``incident_id`` now, if the guards allow; says what happened."""
    return send_task(incident_id, notice_ids, actor or current_actor())
