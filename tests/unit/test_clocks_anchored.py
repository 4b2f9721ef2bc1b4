"""Clocks anchored to the individual notice: "before" it, "at the same time as" it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from breachclock.playbooks.engine import evaluate
from breachclock.playbooks.facts import IncidentFacts

NY = ZoneInfo("America/New_York")


def _facts(affected: dict[str, int], sent: str | None, regime: str) -> IncidentFacts:
    events = [{"type": "individual_notice_sent", "at": sent, "regime": regime}] if sent else []
    return IncidentFacts.model_validate({
        "title": "t", "entity": {"name": "Firm", "timezone": "America/New_York"},
        "discovered_at": "2026-03-02T10:00:00-05:00", "data_elements": ["name", "ssn"], "affected": affected,
        "events": events})


def test_a_same_time_notice_is_due_by_the_end_of_the_day_the_people_are_told() -> None:
    # 815 ILCS 530/10(a-5)... "no later than when the data collector provides notice to consumers"
    sent = "2026-03-20T09:15:00-04:00"
    ds = evaluate(_facts({"US-IL": 600}, sent, "US-IL"), as_of=datetime(2026, 3, 21, tzinfo=NY))
    (ag,) = [d for d in ds if d.regime == "US-IL" and d.rule_key == "attorney_general"]
    assert ag.required and ag.due == datetime(2026, 3, 20, 23, 59, 59, 999999, tzinfo=NY)
    assert "read as the same day" in ag.due_text


def test_a_notice_owed_before_the_people_is_due_at_the_instant_they_are_told() -> None:
    sent = "2026-03-20T09:15:00-04:00"
    ds = evaluate(_facts({"US-NJ": 10}, sent, "US-NJ"), as_of=datetime(2026, 3, 21, tzinfo=NY))
    (police,) = [d for d in ds if d.regime == "US-NJ" and d.rule_key == "state_police"]
    assert police.required and police.due == datetime.fromisoformat(sent)
