"""The ``breach-response`` flow: advance one incident through every response stage it can.

Each stage is a task that reads the incident's state from the database and
is idempotent, so a killed run, started again for the same incident, resumes
at the first unfinished stage. The flow stops at the first stage that waits
on people (containment tasks, affected counts, counsel's approval) and is run
again when they have acted: the database, not Prefect, holds the state.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from models.incident.stages import STAGES, run_stage


@task(name="advance-stage", task_run_name="{stage}", retries=2, retry_delay_seconds=5,
      retry_condition_fn=lambda task, run, state: _is_transient(state))
def advance_stage(stage: str, incident_id: str) -> dict[str, str]:
    """Run one stage; returns only the outcome, the state and a message without personal data."""
    result = run_stage(stage, incident_id)
    return {"stage": result.stage, "outcome": result.outcome, "state": result.state, "message": result.message}


def _is_transient(state) -> bool:  # type: ignore[no-untyped-def]
    # Only database contention is worth retrying automatically; anything else needs a person.
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - classifying, not handling
        from sqlalchemy.exc import OperationalError

        return isinstance(exc, OperationalError)
    return False


@flow(name="breach-response", log_prints=False)
def breach_response(incident_id: str) -> list[dict[str, str]]:
    """Triage → containment → scoping → assessment → drafting → approval → notification → documentation."""
    logger = get_run_logger()
    results = []
    for stage in STAGES:
        result = advance_stage(stage, incident_id)
        results.append(result)
        logger.info("incident %s stage %s: %s (%s)", incident_id, stage, result["outcome"], result["state"])
        if result["outcome"] == "waiting":
            break
    return results
