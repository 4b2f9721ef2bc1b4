"""Letters in the language people asked for: a row of the extract that says Spanish gets the Spanish letter
(Spanish first, then the English notice in full, so every law's required wording is there), drafted as its own
notice counsel approves; everyone else gets the English one; nobody gets both. Asserted on what each recipient
received at the (fake) provider."""

from __future__ import annotations

from pathlib import Path

import pytest
from breachclock.models import AuditEvent, Notice, Obligation
from breachclock.models.db import session_scope
from breachclock.models.incident.service import open_incident
from breachclock.models.incident.stages import STAGES, run_stage
from breachclock.models.notice.approval import decide
from breachclock.models.notice.drafting import obligations_of
from breachclock.models.notice.validation import validate_notice
from breachclock.models.scoping.store import import_records
from sqlalchemy import select

from tests.factories import finish_containment, live_channels_at, sample_facts
from tests.notifications.fakes import FakeSendGridServer

SUMMARY = "An attacker copied the customer database from our web server."
RESUMEN = "Un atacante copió la base de datos de clientes de nuestro servidor web."
MEASURES = ["We took the server offline and reset every administrator password."]
MEDIDAS = ["Desconectamos el servidor y restablecimos todas las contraseñas de administrador."]
ENTITY = {"name": "Example Shop", "timezone": "America/Los_Angeles", "roles": ["data_owner"],
          "contact": "1-800-555-0100, privacy@example-shop.test"}


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGridServer() as server:
        yield server


def _incident(engine, tmp_path: Path, rows: str, **facts) -> str:  # type: ignore[no-untyped-def]
    facts = {"affected": {}, "entity": ENTITY, "data_elements": ["name", "ssn"], "summary": SUMMARY,
             "measures_taken": MEASURES, **facts}
    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(**facts), source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "people.csv"
    extract.write_text("first_name,last_name,email,state,preferred language,exposed\n" + rows)
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    for stage in STAGES[:5]:
        run_stage(stage, iid, engine=engine)
    return iid


def _received(sendgrid) -> dict[str, list[tuple[str, str, str]]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[tuple[str, str, str]]] = {}
    for request in sendgrid.accepted:
        mail = request.json()
        to = mail["personalizations"][0]["to"][0]["email"]
        text = next(c["value"] for c in mail["content"] if c["type"] == "text/plain")
        html = next(c["value"] for c in mail["content"] if c["type"] == "text/html")
        out.setdefault(to, []).append((mail["subject"], text, html))
    return out


ROWS = ("Ana,Lopez,ana@example.test,CA,Español,name;ssn\n"
        "Luis,Diaz,luis@example.test,TX,es-US,name;ssn\n"
        "Bob,Smith,bob@example.test,CA,English,name;ssn\n"
        "Cy,Jones,cy@example.test,TX,,name;ssn\n"
        "Dee,Roe,dee@example.test,MA,spanish,name;ssn\n")


def test_people_who_ask_for_spanish_get_the_spanish_letter_and_everyone_else_the_english(engine, home, tmp_path,
                                                                                           sendgrid) -> None:
    translations = {"es": {"summary": RESUMEN, "measures_taken": MEDIDAS}}
    iid = _incident(engine, tmp_path, ROWS, translations=translations)
    with session_scope(engine) as s:
        notices = list(s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "individual")))
        spanish = [n for n in notices if n.context.get("translation") == "es"]
        # One Spanish letter per set of duties that has people asking for Spanish: California, Texas, Massachusetts.
        assert sorted(n.jurisdiction for n in spanish) == ["US-CA", "US-MA", "US-TX"]
        for n in spanish:
            english = next(e for e in notices if e.jurisdiction == n.jurisdiction and e.id != n.id)
            assert [o.id for o in obligations_of(s, n.id)] == [o.id for o in obligations_of(s, english.id)]
            # The Spanish letter passes every content rule of its law (the English notice in it carries them).
            assert not [f.line() for f in validate_notice(s, n) if f.passed is False]
        for n in notices:
            decide(s, n.id, counsel="Jane Counsel", approve=True)
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience != "individual")):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    assert run_stage("approval", iid, engine=engine).outcome == "done"
    result = run_stage("notification", iid, engine=engine, channels=live_channels_at(sendgrid.url, home))
    assert "0 failed" in result.message, result.message

    got = _received(sendgrid)
    for who in ("ana", "luis"):
        ((subject, text, html),) = got[f"{who}@example.test"]  # one letter, never both languages' letters
        assert subject.startswith("Aviso de")
        assert RESUMEN in text and SUMMARY in text and text.index(RESUMEN) < text.index(SUMMARY)
        assert "número de Seguro Social" in text and "Social Security number" in text
        assert MEDIDAS[0] in text and "meses de" in text  # the offer, in Spanish
        assert 'lang="es"' in html and RESUMEN in html
    (subject, text, _), = got["ana@example.test"]
    assert "Notice of Data Breach" in subject and "What Happened" in text  # California's form, in the English part
    for who in ("bob", "cy"):
        ((subject, text, _),) = got[f"{who}@example.test"]
        assert RESUMEN not in text and "Estimado" not in text and SUMMARY in text
    # Massachusetts forbids describing what happened: in neither language.
    ((_, text, html),) = got["dee@example.test"]
    assert "Estimado" in text and RESUMEN not in text and SUMMARY not in text and RESUMEN not in html
    with session_scope(engine) as s:
        duties = list(s.scalars(select(Obligation).where(Obligation.incident_id == iid,
                                                         Obligation.recipient_kind == "individual",
                                                         Obligation.required.is_(True))))
        assert duties and all(o.fulfilled_at is not None for o in duties), {o.jurisdiction: o.fulfillment
                                                                             for o in duties}


def test_without_the_translation_there_is_no_spanish_letter_and_the_record_says_why(engine, home, tmp_path,
                                                                                      sendgrid) -> None:
    iid = _incident(engine, tmp_path, ROWS)
    with session_scope(engine) as s:
        notices = list(s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "individual")))
        assert notices and not [n for n in notices if n.context.get("translation")]
        why = s.scalars(select(AuditEvent.reason).where(AuditEvent.incident_id == iid,
                                                        AuditEvent.action == "notice_not_drafted")).all()
        assert any("translations.es.summary" in w and "Spanish" in w for w in why), why
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    run_stage("approval", iid, engine=engine)
    run_stage("notification", iid, engine=engine, channels=live_channels_at(sendgrid.url, home))
    got = _received(sendgrid)
    ((_, text, _),) = got["ana@example.test"]  # told in English rather than not at all
    assert SUMMARY in text and "Estimado" not in text


def test_an_unknown_language_is_a_warning_and_the_letter_of_where_they_live(engine, home, tmp_path) -> None:
    from breachclock.models.person.models import AffectedPerson

    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(affected={}, entity=ENTITY), source=b"t", playbook="lost_device",
                            actor="tester").id
    extract = tmp_path / "people.csv"
    extract.write_text("first_name,last_name,email,state,language,exposed\n"
                       "Ana,Lopez,ana@example.test,CA,Klingon,name;ssn\nBo,Li,bo@example.test,CA,ES,name;ssn\n")
    with session_scope(engine) as s:
        result = import_records(s, iid, extract, actor="tester", workers=1)
        assert result.warnings == 1
        report = Path(result.report_path).read_text()
        assert "not a language" in report and "Klingon" not in report  # masked, like every value in the report
        assert sorted(p.language or "" for p in s.scalars(select(AffectedPerson))) == ["", "es"]


def test_people_imported_after_notification_are_told_and_the_incident_cannot_close_before(engine, home, tmp_path,
                                                                                         sendgrid) -> None:
    from breachclock.models import Incident
    from breachclock.models.incident.lifecycle import IllegalTransition, fire

    translations = {"es": {"summary": RESUMEN, "measures_taken": MEDIDAS}}
    iid = _incident(engine, tmp_path, "Bob,Smith,bob@example.test,CA,,name;ssn\n", translations=translations)

    def approve_and_send() -> str:
        with session_scope(engine) as s:
            for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
                decide(s, n.id, counsel="Jane Counsel", approve=True)
        for stage in ("drafting", "approval", "notification"):
            result = run_stage(stage, iid, engine=engine, **({"channels": live_channels_at(sendgrid.url, home)}
                                                             if stage == "notification" else {}))
        return result.message

    approve_and_send()
    with session_scope(engine) as s:
        assert s.get(Incident, iid).status == "notified"
    assert run_stage("documentation", iid, engine=engine).outcome == "done"
    later = tmp_path / "later.csv"
    later.write_text("first_name,last_name,email,state,language,exposed\nCy,Ng,cy@example.test,CA,,name;ssn\n"
                     "Ana,Lopez,ana@example.test,CA,es,name;ssn\n")
    with session_scope(engine) as s:
        import_records(s, iid, later, actor="tester", workers=1)
    with session_scope(engine) as s:
        incident = s.get(Incident, iid)
        assert incident.status == "notifying"  # notification is not over while they are owed a letter
        with pytest.raises(IllegalTransition):
            fire(s, incident, "close", actor="tester", reason="done")
    approve_and_send()
    approve_and_send()  # Ana's Spanish letter is drafted as the notification runs, approved, then sent
    got = _received(sendgrid)
    assert sorted(got) == ["ana@example.test", "bob@example.test", "cy@example.test"]
    assert all(len(v) == 1 for v in got.values())
    assert got["ana@example.test"][0][0].startswith("Aviso de")
    # The dossier is written anew, as a second edition beside the first (which its evidence row still names).
    assert run_stage("documentation", iid, engine=engine).outcome == "done"
    assert run_stage("documentation", iid, engine=engine).outcome == "already_done"
    from breachclock.models.task.models import Evidence

    with session_scope(engine) as s:
        uris = [e.uri for e in s.scalars(select(Evidence).where(Evidence.incident_id == iid,
                                                                  Evidence.kind == "dossier"))]
        assert len(set(uris)) == 2 and all(Path(u).is_file() for u in uris)
        assert "cy@example.test" not in Path(uris[-1]).read_text()
        incident = s.get(Incident, iid)
        assert incident.status == "notified"
        fire(s, incident, "close", actor="tester", reason="every duty met")


@pytest.mark.parametrize(("english", "spanish"), [
    (["We have written to the 3 Massachusetts residents affected."], MEDIDAS),
    (MEASURES, ["Hemos escrito a los 3 residentes de Massachusetts afectados."])])
def test_a_massachusetts_letter_that_states_the_number_of_residents_cannot_be_approved(
        engine, home, tmp_path, english, spanish) -> None:  # type: ignore[no-untyped-def]
    # M.G.L. c. 93H § 3(b): the notice "shall not include the nature of the breach or unauthorized acquisition or
    # use or the number of residents of the commonwealth affected by said breach or unauthorized access or use"
    rows = "".join(f"P{i},Mass,p{i}@example.test,MA,es,name;ssn\n" for i in range(3))
    iid = _incident(engine, tmp_path, rows, measures_taken=english,
                    translations={"es": {"summary": RESUMEN, "measures_taken": spanish}})
    with session_scope(engine) as s:
        letters = list(s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "individual",
                                                      Notice.jurisdiction == "US-MA")))
        assert letters
        failed = {(n.context.get("translation"), f.rule) for n in letters for f in validate_notice(s, n)
                  if f.passed is False}
        assert (("es", "no_number_of_residents") in failed) and (
            (None, "no_number_of_residents") in failed) == (english != MEASURES), failed


def test_a_spanish_letter_is_drafted_only_for_the_duties_of_people_who_asked(engine, home, tmp_path) -> None:
    # A Californian patient who asked for Spanish gets California's and HIPAA's letter in one; a Nevadan who did
    # not gets HIPAA's own. No Spanish HIPAA-only letter that nobody would receive, for counsel to approve.
    health = {**ENTITY, "sectors": ["hipaa_covered_entity"]}
    iid = _incident(engine, tmp_path, "Ana,Lopez,ana@example.test,CA,es,name;medical;ssn\n"
                                      "Ned,Vega,ned@example.test,NV,,name;medical\n",
                    entity=health, data_elements=["name", "medical", "ssn"],
                    translations={"es": {"summary": RESUMEN, "measures_taken": MEDIDAS}})
    with session_scope(engine) as s:
        spanish = [sorted(o.regime for o in obligations_of(s, n.id)) for n in s.scalars(
            select(Notice).where(Notice.incident_id == iid, Notice.audience == "individual"))
            if n.context.get("translation") == "es"]
        assert spanish == [["US-CA", "US-FED-HIPAA"]], spanish


def _update(engine, iid: str, changes: dict) -> None:  # type: ignore[type-arg]
    from breachclock.models import Incident
    from breachclock.models.incident.service import update_facts

    with session_scope(engine) as s:
        update_facts(s, s.get(Incident, iid), changes, actor="tester", reason="test")


def _approve_all(engine, iid: str) -> None:
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)


def test_a_spanish_letter_whose_translation_is_withdrawn_is_never_sent(engine, home, tmp_path, sendgrid) -> None:
    rows = "Ana,Lopez,ana@example.test,CA,es,name;ssn\nBob,Smith,bob@example.test,CA,,name;ssn\n"
    iid = _incident(engine, tmp_path, rows, translations={"es": {"summary": RESUMEN, "measures_taken": MEDIDAS}})
    _approve_all(engine, iid)
    _update(engine, iid, {"translations": {}})  # the responders take the translation back before it went out
    with session_scope(engine) as s:
        withdrawn = s.scalars(select(AuditEvent).where(AuditEvent.incident_id == iid,
                                                       AuditEvent.action == "notice_withdrawn")).all()
        assert len(withdrawn) == 1 and "translations.es.summary" in withdrawn[0].reason
    run_stage("approval", iid, engine=engine)
    result = run_stage("notification", iid, engine=engine, channels=live_channels_at(sendgrid.url, home))
    assert "0 failed" in result.message, result.message
    got = _received(sendgrid)
    ((_, text, _),) = got["ana@example.test"]
    assert "Estimado" not in text and SUMMARY in text  # the letter of where she lives, as the record says


def test_a_changed_english_account_asks_counsel_to_check_its_translation(engine, home, tmp_path) -> None:
    from breachclock.models.notice.validation import validate_notice

    iid = _incident(engine, tmp_path, "Ana,Lopez,ana@example.test,CA,es,name;ssn\n",
                    translations={"es": {"summary": RESUMEN, "measures_taken": MEDIDAS}})
    _update(engine, iid, {"summary": "A laptop holding the customer list was stolen from an employee's car."})
    with session_scope(engine) as s:
        spanish = next(n for n in s.scalars(select(Notice).where(Notice.incident_id == iid))
                       if n.context.get("translation") == "es")
        flags = [f for f in validate_notice(s, spanish) if f.rule == "translation_current"]
        assert flags and flags[0].passed is None and "translations.es" in flags[0].detail
    _update(engine, iid, {"translations": {"es": {"summary": "Robaron del auto de un empleado una computadora "
                                                             "portátil con la lista de clientes.",
                                                  "measures_taken": MEDIDAS}}})
    with session_scope(engine) as s:
        spanish = next(n for n in s.scalars(select(Notice).where(Notice.incident_id == iid))
                       if n.context.get("translation") == "es")
        assert not [f for f in validate_notice(s, spanish) if f.rule == "translation_current"]
