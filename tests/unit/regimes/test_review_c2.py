"""Review c2 (2026-12-03) of AU-NDB, BR-LGPD, CA-PIPEDA, CA-QC, IN-DPDP, JP-APPI and SG-PDPA.

Every test keeps a short quote of the law next to the fact it implies (the helpers are copied from
test_law_review_2026.py, not imported).
"""

from __future__ import annotations

from datetime import date

from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.schema import delay_rule


def version(regime_id: str, day: date):
    found = regimes()[regime_id].version_on(day)
    assert found is not None, f"{regime_id}: no version in force on {day}"
    return found


def rule(regime_id: str, day: date, key: str):
    rules = {o.key: o for o in version(regime_id, day).obligations}
    assert key in rules, f"{regime_id} on {day}: no rule {key!r}"
    return rules[key]


def delay(regime_id: str, day: date, key: str) -> str:
    return delay_rule(version(regime_id, day), rule(regime_id, day, key)).effect


# --- Australia: Privacy Act 1988, Part IIIC ----------------------------------------------------------------

AU_DAY = date(2026, 6, 1)


def test_australia_no_law_enforcement_delay_for_an_ordinary_entity():
    # s 26WN (OAIC, "Exceptions to notification obligations"): "An enforcement body does not need to notify
    # individuals about an eligible data breach if its chief executive officer (CEO) believes on reasonable grounds
    # that notifying individuals would be likely to prejudice an enforcement related activity ... The enforcement
    # body must still provide a statement about the eligible data breach to the Commissioner."
    # An exception for enforcement bodies, not a delay a police request gives anyone else: nothing is tolled.
    for key in ("assessment", "oaic", "individuals"):
        assert delay("AU-NDB", AU_DAY, key) == "none", key
    assert version("AU-NDB", AU_DAY).law_enforcement_tolling is False


def test_australia_one_entity_notifying_is_s_26wm_and_one_assessing_is_s_26wj():
    # s 26WM: "If: (a) an entity complies with sections 26WK and 26WL ... those sections do not apply in relation to
    # those eligible data breaches of those other entities."  s 26WJ is the same rule for the s 26WH assessment.
    assert "26WM" in (rule("AU-NDB", AU_DAY, "oaic").notes or "")
    assert "26WJ" not in (rule("AU-NDB", AU_DAY, "oaic").notes or "")
    assert "26WJ" in (rule("AU-NDB", AU_DAY, "assessment").notes or "")


def test_australia_clocks_stay_as_the_act_words_them():
    # s 26WH(2)(b): "completed within 30 days after the entity becomes aware"; s 26WK(2)(b): "as soon as
    # practicable after the entity becomes so aware"; s 26WL(3): "as soon as practicable after the completion of
    # the preparation of the statement" - no fixed period for either notice.
    a = rule("AU-NDB", AU_DAY, "assessment").clocks[0]
    assert (a.start, a.unit, a.amount) == ("awareness", "days", 30)
    for key in ("oaic", "individuals"):
        c = rule("AU-NDB", AU_DAY, key).clocks[0]
        assert (c.unit, c.amount) == ("none", None), key
    assert version("AU-NDB", AU_DAY).reviewed_on == date(2026, 12, 3)
