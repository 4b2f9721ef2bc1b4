"""Review c2 (2026-12-03) of AU-NDB, BR-LGPD, CA-PIPEDA, CA-QC, IN-DPDP, JP-APPI and SG-PDPA.

Every test keeps a short quote of the law next to the fact it implies (the helpers are copied from
test_law_review_2026.py, not imported).
"""

from __future__ import annotations

from datetime import date

from breachclock.playbooks.schema import delay_rule

from tests.factories import regime_rule as rule
from tests.factories import regime_version as version


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


# --- Quebec: Act respecting the protection of personal information in the private sector, ss. 3.5-3.8 -------


def test_quebec_regulation_applies_from_2022_12_29_not_2022_09_22():
    # Regulation respecting confidentiality incidents (O.C. 1761-2022): "This Regulation comes into force on
    # 29 December 2022"; ss. 3.5-3.8 of the Act took effect on 22 September 2022.
    act_only, with_regulation = version("CA-QC", date(2022, 10, 1)), version("CA-QC", date(2022, 12, 29))
    assert act_only.effective_from == date(2022, 9, 22)
    assert act_only.effective_to == with_regulation.effective_from == date(2022, 12, 29)
    assert "A-2.1, r. 3.1" not in act_only.citation
    assert "A-2.1, r. 3.1" in with_regulation.citation
    # no prescribed content or register retention before the Regulation
    assert not rule("CA-QC", date(2022, 10, 1), "persons_concerned").content
    assert act_only.risk_of_harm.record_years is None
    assert with_regulation.risk_of_harm.record_years == 5
    for day in (date(2022, 10, 1), date(2026, 6, 1)):
        assert version("CA-QC", day).reviewed_on == date(2026, 12, 3)


def test_quebec_notice_to_persons_follows_regulation_section_5():
    # Regulation s. 5: "Notices to persons whose personal information is concerned by a confidentiality incident
    # presenting a risk of serious injury ... must contain (1) a description of the personal information ...
    # (6) the contact information where the person concerned may obtain more information about the incident."
    content = rule("CA-QC", date(2026, 6, 1), "persons_concerned").content
    assert len(content) == 6 and all("s. 5" in c for c in content)
    assert "s. 4" not in " ".join(content)


def test_quebec_promptly_governs_the_commission_notice_only():
    # s. 3.5: "must promptly notify the Commission d'accès à l'information ... He must also notify any person whose
    # personal information is concerned by the incident" - no fixed period for either, and "promptly" is not
    # written of the notice to persons.
    for day in (date(2022, 10, 1), date(2026, 6, 1)):
        cai, persons = rule("CA-QC", day, "cai").clocks[0], rule("CA-QC", day, "persons_concerned").clocks[0]
        assert "promptly notify the Commission" in cai.text
        assert persons.text.startswith("it must also notify any person")
        assert (cai.unit, persons.unit) == ("none", "none")
        # s. 3.5, para. 3: persons need not be notified "so long as doing so could hamper an investigation"; the
        # notice to the Commission has no such delay.
        assert delay("CA-QC", day, "cai") == "none" and delay("CA-QC", day, "persons_concerned") == "toll"


# --- Japan: APPI art. 26; PPC Enforcement Rules arts. 7-10 -------------------------------------------------


def test_japan_rules_art_7_item_3_amended_from_2024_04_01():
    # PPC Rules No. 5 of 2023 (施行日 令和六年四月一日): art. 7 item 3 now reads "不正の目的をもって行われたおそれがある
    # 当該個人情報取扱事業者に対する行為による個人データ（当該個人情報取扱事業者が取得し、又は取得しようとしている個人情報であって、
    # 個人データとして取り扱われることが予定されているものを含む。）の漏えい等" - personal information being acquired counts.
    old, new = version("JP-APPI", date(2024, 3, 31)), version("JP-APPI", date(2024, 4, 1))
    assert old.effective_to == new.effective_from == date(2024, 4, 1)
    assert "No. 5 of 2023" in new.citation and "No. 5 of 2023" not in old.citation
    assert "取得しようとしている" in (new.confidence_notes or "")
    assert "trying to acquire" in (new.personal_information.notes or "")
    assert "trying to acquire" not in (old.personal_information.notes or "")
    # the duties themselves are the same in both versions
    assert [o.key for o in old.obligations] == [o.key for o in new.obligations]


def test_japan_final_report_30_days_and_more_than_1000():
    # Rules art. 8(2): "当該事態を知った日から三十日以内（当該事態が前条第三号に定めるものである場合にあっては、六十日以内）";
    # art. 7 item 4: "個人データに係る本人の数が千人を超える漏えい等" - the earlier 30 days is encoded, "more than" 1,000.
    for day in (date(2023, 1, 1), date(2026, 6, 1)):
        final = rule("JP-APPI", day, "ppc_final").clocks[0]
        assert (final.start, final.unit, final.amount) == ("awareness", "days", 30)
        t = rule("JP-APPI", day, "ppc_final_scale").threshold
        assert t is not None and (t.op, t.value) == (">", 1000)
        assert version("JP-APPI", day).reviewed_on == date(2026, 12, 3)


# --- Singapore: PDPA 2012, Part 6A -------------------------------------------------------------------------

SG_DAY = date(2026, 6, 1)


def test_singapore_intermediary_notice_is_from_reason_to_believe_not_credible_grounds():
    # s 26C(3): "Where a data intermediary ... has reason to believe that a data breach has occurred ... (a) the data
    # intermediary must, without undue delay, notify that other organisation of the occurrence of the data breach"
    di = rule("SG-PDPA", SG_DAY, "data_intermediary")
    assert "reason to believe" in di.clocks[0].text and "credible grounds" not in di.clocks[0].text
    assert (di.roles, di.clocks[0].unit) == (["processor"], "none")


def test_singapore_law_enforcement_bar_is_on_the_individuals_notice_only():
    # s 26D(6): "An organisation must not notify any affected individual in accordance with subsection (2) if -
    # (a) a prescribed law enforcement agency so instructs" - the Commission notice (s 26D(1)), the assessment
    # (s 26C(2)) and the intermediary's notice (s 26C(3)(a)) carry no such bar.
    assert delay("SG-PDPA", SG_DAY, "individuals") == "toll"
    for key in ("assessment", "pdpc_significant_harm", "pdpc_significant_scale", "data_intermediary"):
        assert delay("SG-PDPA", SG_DAY, key) == "none", key


def test_singapore_commission_within_3_days_of_the_assessment():
    # s 26D(1): "no later than 3 calendar days after the day the organisation makes that assessment";
    # s 26B(3)(a): "affects not fewer than the prescribed number of affected individuals" (500).
    for key in ("pdpc_significant_harm", "pdpc_significant_scale"):
        c = rule("SG-PDPA", SG_DAY, key).clocks[0]
        assert (c.start, c.unit, c.amount) == ("notifiability_assessed", "days", 3)
        assert "makes that assessment" in c.text
    t = rule("SG-PDPA", SG_DAY, "pdpc_significant_scale").threshold
    assert t is not None and (t.op, t.value) == (">=", 500)
    assert version("SG-PDPA", SG_DAY).reviewed_on == date(2026, 12, 3)


# --- Canada: PIPEDA ss. 10.1-10.3 ---------------------------------------------------------------------------


def test_pipeda_as_soon_as_feasible_and_no_law_enforcement_delay():
    # s. 10.1(2), (6): "as soon as feasible after the organization determines that the breach has occurred";
    # s. 10.1(3): "Unless otherwise prohibited by law, an organization shall notify an individual" - no fixed
    # period and no law-enforcement delay.
    day = date(2026, 6, 1)
    for key in ("opc", "individuals"):
        c = rule("CA-PIPEDA", day, key).clocks[0]
        assert (c.start, c.unit, c.amount) == ("determination", "none", None)
        assert delay("CA-PIPEDA", day, key) == "none"
    assert "Unless otherwise prohibited by law" in (rule("CA-PIPEDA", day, "individuals").notes or "")
    assert version("CA-PIPEDA", day).reviewed_on == date(2026, 12, 3)


# --- India: DPDP Rules 2025, Rule 7 -------------------------------------------------------------------------


def test_india_initial_board_intimation_content():
    # Rule 7(2)(a): "without delay, a description of the breach, including its nature, extent, timing and location
    # of occurrence and the likely impact"
    for day in (date(2026, 6, 1), date(2027, 6, 1)):
        initial = rule("IN-DPDP", day, "board_initial")
        assert initial.clocks[0].unit == "none"
        assert any("likely impact" in c for c in initial.content)
        assert any("timing and location" in c for c in initial.content)


def test_india_commencement_keeps_the_earlier_of_13_and_14_may_2027():
    # Rule 1: rules 3, 5-16, 22 and 23 come into force eighteen months after publication (notified 13 November
    # 2025); sources differ on 13 or 14 May 2027, and the earlier day is kept so the duty never fails open.
    notified, in_force = version("IN-DPDP", date(2027, 5, 12)), version("IN-DPDP", date(2027, 5, 13))
    assert notified.status == "not_in_force" and in_force.status == "in_force"
    # (the not-in-force version is reviewed since review f, which read Rule 1(2)-(4) verbatim)
    assert in_force.reviewed_on == date(2026, 12, 3) and notified.reviewed_on == date(2026, 12, 3)
    assert "14 May 2027" in (in_force.confidence_notes or "")


def test_quebec_commission_notice_content_from_2022_12_29():
    # Regulation s. 3 (Division II, "Notice to the Commission"): the name of the body "and any Québec business
    # number", the contact person, ... "the number of persons concerned by the incident and the number of those who
    # reside in Québec" - not prescribed before the Regulation came into force.
    content = " ".join(rule("CA-QC", date(2026, 6, 1), "cai").content)
    assert "Québec business number" in content and "reside in Québec" in content
    assert not rule("CA-QC", date(2022, 10, 1), "cai").content


def test_japan_individual_notice_content():
    # Rules art. 10 (as summarised): notify "第八条第一項第一号、第二号、第四号、第五号及び第九号に定める事項" - overview, items
    # of personal data, cause, secondary damage, other matters; not the number of persons or the PPC-only items.
    for key in ("individuals", "individuals_scale"):
        (content,) = rule("JP-APPI", date(2026, 6, 1), key).content
        assert "items 1, 2, 4, 5 and 9" in content and "secondary damage" in content
