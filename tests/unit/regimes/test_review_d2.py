"""Review d2 (2026-12-03) of BR-LGPD, US-FED-CIRCIA, US-FED-FTC-HBNR, US-FED-FTC-SAFEGUARDS, US-GU, US-VI and US-FL.

Every test keeps a short quote of the law next to the fact it implies (the helpers are copied from
test_law_review_2026.py, not imported).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from breachclock.playbooks.catalog import regimes
from breachclock.playbooks.facts import IncidentFacts

from tests.factories import law_decision as decide
from tests.factories import law_facts as facts
from tests.factories import regime_rule as rule
from tests.factories import regime_version as version

# --- Brazil: LGPD art. 48 and Resolution CD/ANPD 15/2024 ----------------------------------------------------

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
RES15 = date(2024, 6, 3)


def _lgpd_incident(day: date) -> IncidentFacts:
    return facts(datetime(day.year, day.month, day.day, 9, tzinfo=SAO_PAULO), {"BR": 10}, ["name", "email"],
                 entity={"name": "Acme", "timezone": "America/Sao_Paulo", "roles": ["controller"]})


def test_lgpd_three_business_days_run_from_the_controllers_knowledge():
    # Res. 15 art. 6 §1: "O prazo a que se refere o caput será contado do conhecimento pelo controlador de que o
    # incidente afetou dados pessoais"; art. 9: "no prazo de três dias úteis contados do conhecimento pelo
    # controlador de que o incidente afetou dados pessoais" - knowledge, not the incident's occurrence.
    for key in ("anpd", "data_subjects"):
        clock = rule("BR-LGPD", RES15, key).clocks[0]
        assert (clock.start, clock.unit, clock.amount, clock.holidays) == ("awareness", "business_days", 3, "BR")
        assert "conhecimento pelo controlador" in clock.text
    v = version("BR-LGPD", RES15)
    assert v.reviewed_on == date(2026, 12, 3)


def test_lgpd_declaration_to_the_anpd_six_business_days_from_knowledge():
    # Res. 15 art. 9 §4: "O controlador deverá juntar ao processo [...] uma declaração de que foi realizada a
    # comunicação aos titulares [...] em até três dias úteis, contados do término do prazo de que trata o caput"
    # - the caput's three business days, then three more.
    r = rule("BR-LGPD", RES15, "anpd_data_subject_declaration")
    assert r.recipient_kind == "regulator" and r.roles == ["controller"]
    clock = r.clocks[0]
    assert (clock.start, clock.unit, clock.amount, clock.holidays) == ("awareness", "business_days", 6, "BR")
    f = _lgpd_incident(RES15)  # Monday 2024-06-03
    as_of = datetime(2024, 6, 4, tzinfo=SAO_PAULO)
    assert decide(f, "BR-LGPD", "data_subjects", as_of).due_date == date(2024, 6, 6)
    d = decide(f, "BR-LGPD", "anpd_data_subject_declaration", as_of)
    assert d.required and d.due_date == date(2024, 6, 11)
    assert "anpd_data_subject_declaration" not in {o.key for o in version("BR-LGPD", date(2024, 4, 25)).obligations}


def test_lgpd_public_notice_lasts_three_months_not_90_days():
    # Res. 15 art. 9 §3: where direct notice is not feasible, by the means of publicity available "pelo período
    # de, no mínimo, três meses".
    notes = rule("BR-LGPD", RES15, "data_subjects").notes or ""
    assert "três meses" in notes and "90 days" not in notes


def test_lgpd_anpd_content_is_resolution_15_article_6_paragraph_2():
    # Res. 15 art. 6 §2: twelve items, from "I - a descrição da natureza e da categoria de dados pessoais afetados"
    # to "XII - o total de titulares cujos dados são tratados nas atividades de tratamento afetadas pelo incidente".
    content = rule("BR-LGPD", RES15, "anpd").content
    assert len(content) == 12
    assert "crianças, de adolescentes ou de idosos" in content[1]
    assert "causa principal" in content[10] and "total de titulares" in content[11]


def test_lgpd_before_resolution_15_reasonable_time_and_article_48_content():
    # LGPD art. 48 §1: "A comunicação será feita em prazo razoável, conforme definido pela autoridade nacional, e
    # deverá mencionar, no mínimo: I - a descrição da natureza dos dados pessoais afetados; [...] VI - as medidas
    # que foram ou que serão adotadas para reverter ou mitigar os efeitos do prejuízo."
    day = date(2023, 1, 2)
    anpd = rule("BR-LGPD", day, "anpd")
    assert anpd.clocks[0].unit == "none" and anpd.clocks[0].amount is None
    assert len(anpd.content) == 6 and anpd.content[0].startswith("a descrição da natureza dos dados pessoais")
    assert version("BR-LGPD", day).reviewed_on == date(2026, 12, 3)
    d = decide(_lgpd_incident(day), "BR-LGPD", "anpd", datetime(2023, 1, 3, tzinfo=SAO_PAULO))
    assert d.required and d.due_date is None  # no fixed period: the firm's policy target applies


# --- CIRCIA: 6 U.S.C. 681b; no final rule found --------------------------------------------------------------


def test_circia_statutory_clocks_and_status_not_settled():
    # 6 U.S.C. 681b(a)(1)(A): "not later than 72 hours after the covered entity reasonably believes that the covered
    # cyber incident has occurred"; (a)(2)(A): "not later than 24 hours after the ransom payment has been made";
    # the duties apply "on the dates prescribed in the final rule" (681b(a)(7)) - none found, sources conflict.
    (v,) = regimes()["US-FED-CIRCIA"].versions
    # (reviewed_on is set since review f, which read 681b(a) whole; the status is still not settled)
    assert v.status == "not_in_force" and v.confidence == "low" and v.reviewed_on == date(2026, 12, 3)
    incident = rule("US-FED-CIRCIA", date(2026, 12, 3), "cisa_incident").clocks[0]
    ransom = rule("US-FED-CIRCIA", date(2026, 12, 3), "cisa_ransom_payment").clocks[0]
    assert (incident.unit, incident.amount, ransom.start, ransom.unit, ransom.amount) == (
        "hours", 72, "ransom_paid", "hours", 24)


# --- Florida: § 501.171(4)(c) ---------------------------------------------------------------------------------


def test_florida_harm_exception_needs_investigation_and_law_enforcement_consultation():
    # § 501.171(4)(c) (secondary copies): "if, after an appropriate investigation and consultation with relevant
    # federal, state, or local law enforcement agencies, the covered entity reasonably determines that the breach
    # has not and will not likely result in identity theft or any other financial harm [...] Such a determination
    # must be documented in writing and maintained for at least 5 years."
    for day in (date(2015, 1, 1), date(2026, 6, 1)):
        roh = version("US-FL", day).risk_of_harm
        assert roh.exception and roh.written and roh.record_years == 5
        assert [f.id for f in roh.factors] == ["appropriate_investigation", "law_enforcement_consulted"]
        assert "identity theft or any other financial harm" in (roh.text or "")
        # the Department copy of the determination is kept (the conservative reading of the last sentence)
        r = rule("US-FL", day, "department_no_harm")
        assert r.only_with_harm_exception and r.clocks[0].amount == 30
