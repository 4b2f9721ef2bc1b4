"""The run's story (a Prefect artifact, stored in clear) names no person and no client."""

from __future__ import annotations

from datetime import UTC, datetime

from breachclock.models.db import session_scope
from breachclock.models.incident.story import run_story


def test_the_story_names_neither_the_client_nor_its_id(engine, open_incident) -> None:
    client = {"id": "zephyrine-holdings", "name": "Zephyrine Quartermaine Holdings", "firm_role": "service_provider",
              "notice_hours": 24, "notice_contact": "security@zephyrine.test", "notice_channel": "email",
              "contract_reference": "MSA s. 9"}
    iid = open_incident(playbook="ransomware", clients=[client])
    with session_scope(engine) as s:
        story = run_story(s, iid, [{"stage": "triage", "outcome": "done", "state": "triaged", "message": "ok"}],
                          datetime(2026, 3, 3, tzinfo=UTC))
    assert "a client's contract" in story
    assert "zephyrine" not in story.casefold() and "Quartermaine" not in story


def test_blank_notice_texts_are_refused_not_passed_as_said() -> None:
    import pytest
    from pydantic import ValidationError

    from tests.factories import sample_facts

    for field in ("summary", "likely_consequences"):
        with pytest.raises(ValidationError, match="must not be blank"):
            sample_facts(**{field: "   \n "})
