"""The ``breach-response`` flow: advance one incident through every response stage it can.

It reads like the response plan: one task per stage, in the order of the lifecycle's main line (see
:data:`models.incident.stages.STAGES`). Each stage reads the incident's state from the database and is
idempotent, so a killed run, started again for the same incident, resumes at the first unfinished stage. The
flow stops at the first stage that waits on people (containment tasks, affected counts, counsel's approval,
hand-overs) and is run again when they have acted: the database, not Prefect, holds the state. Tasks take and
return ids and short messages only (Prefect stores them in clear). Each run ends by writing the notices' previews and
publishing its story (duties, time left, notices and their checks) as a markdown artifact, so the run in the
Prefect UI says what happened.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from breachclock.models.incident.stages import STAGES, run_stage
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact


def _is_transient(task, run, state) -> bool:  # type: ignore[no-untyped-def]
    # Only database contention is worth retrying automatically; anything else needs a person.
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - classifying, not handling
        from sqlalchemy.exc import OperationalError

        return isinstance(exc, OperationalError)
    return False


def _stage(stage: str, name: str) -> Callable[[str], dict[str, str]]:
    @task(name=name, task_run_name=f"{name}-{{incident_id}}", retries=2, retry_delay_seconds=5,
          retry_condition_fn=_is_transient, persist_result=False)
    def run(incident_id: str) -> dict[str, str]:
        result = run_stage(stage, incident_id)
        return {"stage": result.stage, "outcome": result.outcome, "state": result.state, "message": result.message}

    run.__doc__ = f"The {stage} stage of the response (see models.incident.stages)."
    return run


triage = _stage("triage", "triage")
contain = _stage("containment", "contain")
scope = _stage("scoping", "scope")
assess = _stage("assessment", "assess")
draft = _stage("drafting", "draft")
await_approval = _stage("approval", "await-approval")
notify = _stage("notification", "notify")
document = _stage("documentation", "document")
PLAN = {"triage": triage, "containment": contain, "scoping": scope, "assessment": assess, "drafting": draft,
        "approval": await_approval, "notification": notify, "documentation": document}
assert tuple(PLAN) == STAGES, "the flow's tasks follow the lifecycle's stages"


@flow(name="breach-response", flow_run_name="{incident_id}", log_prints=False)
def breach_response(incident_id: str) -> list[dict[str, str]]:
    """Triage → contain → scope → assess → draft → await approval → notify → document, as far as it can go."""
    logger = get_run_logger()
    results = []
    for stage in STAGES:
        result = PLAN[stage](incident_id)
        results.append(result)
        logger.info("incident %s stage %s: %s (%s)", incident_id, stage, result["outcome"], result["state"])
        if result["outcome"] == "waiting":
            break
    _publish_story(incident_id, results)
    return results


def _publish_story(incident_id: str, results: list[dict[str, str]]) -> None:
    from breachclock.models.base import utcnow
    from breachclock.models.db import get_engine, session_scope
    from breachclock.models.incident.story import run_story
    from breachclock.models.notice.previews import write_incident_previews

    try:
        with session_scope(get_engine()) as session:
            write_incident_previews(session, incident_id)
            story = run_story(session, incident_id, results, utcnow())
        create_markdown_artifact(markdown=story, key="breach-" + re.sub(r"[^a-z0-9]+", "-", incident_id.lower()),
                                 description=f"Where incident {incident_id} stands after this run")
    except Exception as exc:  # noqa: BLE001 - previews and story are views; the record the run wrote stands without them
        get_run_logger().warning("could not write the previews or the run's story: %s", type(exc).__name__)
