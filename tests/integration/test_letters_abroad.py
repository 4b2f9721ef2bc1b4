"""Residents abroad get the letter of where they live: the authority they may complain to, their country's
words, no US agency; Quebec's in French (one letter under PIPEDA and Quebec's Act together). Asserted on what
each recipient received at the (fake) provider."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from breachclock.models import Notice
from breachclock.models.db import session_scope
from breachclock.models.incident.service import open_incident
from breachclock.models.incident.stages import STAGES, run_stage
from breachclock.models.notice.approval import decide
from breachclock.models.scoping.store import import_records
from sqlalchemy import select

from tests.factories import finish_containment, live_channels_at, sample_facts
from tests.notifications.fakes import FakeSendGridServer

PEOPLE = {"gb": ("GB", "London"), "de": ("DE", "Berlin"), "on": ("CA-ON", "Toronto"), "qc": ("CA-QC", "Montréal"),
          "au": ("AU-NSW", "Sydney")}


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGridServer() as server:
        yield server


def _received(engine, home: Path, tmp_path: Path, sendgrid: FakeSendGridServer,  # type: ignore[no-untyped-def]
              **facts) -> dict[str, list[str]]:
    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(**facts, **{  # type: ignore[arg-type]
            k: v for k, v in dict(affected={}, data_elements=["name", "ssn", "financial_account"],
            summary="An attacker copied the client intake folder from a file server.",
            likely_consequences="Someone could try to open accounts in your name or send you convincing scam messages.",
            entity={"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"],
                    "contact": "privacy@example-law.test, +1 212 555 0100"}).items() if k not in facts}),
            source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "people.csv"
    # Each has an e-mail address and a postal address: the letter goes by whichever the law allows.
    extract.write_text("first_name,last_name,email,address,city,postal_code,country,state,exposed\n" + "".join(
        f"{key.upper()},Resident,{key}@example.test,1 High Street,{city},12345,{code.split('-')[0]},"
        f"{code.split('-')[1] if '-' in code else ''},ssn;financial_account\n"
        for key, (code, city) in PEOPLE.items()), encoding="utf-8")
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    for stage in STAGES[:5]:
        run_stage(stage, iid, engine=engine)
    with session_scope(engine) as s:
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    assert run_stage("approval", iid, engine=engine).outcome == "done"
    result = run_stage("notification", iid, engine=engine, channels=live_channels_at(
        sendgrid.url, home, "Example LLP\n1 Main St\nNew York NY 10001"))
    assert "0 failed" in result.message, result.message
    out: dict[str, list[str]] = {}
    for request in sendgrid.accepted:
        mail = request.json()
        text = next(c["value"] for c in mail["content"] if c["type"] == "text/plain")
        out.setdefault(mail["personalizations"][0]["to"][0]["email"].split("@")[0], []).append(
            mail["subject"] + "\n" + text)
    for pdf in (home / "letters").glob("*.pdf"):  # letters: whose is in the address block
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(pdf).pages)
        for key in PEOPLE:
            if f"{key.upper()} Resident" in text:
                out.setdefault(key, []).append(text)
    return out


def test_each_resident_abroad_gets_one_letter_of_their_country(engine, home, tmp_path, sendgrid) -> None:
    received = _received(engine, home, tmp_path, sendgrid)
    letters = {key: received.get(key, []) for key in PEOPLE}
    assert all(len(v) == 1 for v in letters.values()), {k: len(v) for k, v in letters.items()}
    gb, de, on, qc, au = (letters[k][0] for k in PEOPLE)
    for text in (gb, de, on, qc, au):
        assert "Federal Trade Commission" not in text and "attorney general" not in text.casefold()
        assert "Social Security" not in text and "Equifax Information Services LLC" not in text
    for text in (gb, de, on, au):  # GDPR Art. 34(2) / 33(3)(c): the likely consequences; the contact point
        assert "Someone could try to open accounts in your name" in text and "privacy@example-law.test" in text
        assert "An attacker copied the client intake folder" in text
    assert "What This May Mean for You" in gb and "What This May Mean for You" in de
    assert "Information Commissioner's Office" in gb and "National Insurance number" in gb
    assert "0303 123 1113" in gb
    assert "data protection supervisory authority of the country where you live" in de
    assert "Office of the Privacy Commissioner of Canada" in on and "Social Insurance Number" in on
    assert "make a complaint to us" in on  # PIPEDA's internal complaint process
    assert "Office of the Australian Information Commissioner" in au
    # Quebec: in French, naming the Commission d'accès à l'information
    assert "Commission d'accès à l'information du Québec" in qc and "numéro d'assurance sociale" in qc
    assert "Ce qui s'est passé" in qc and "Nous vous offrons gratuitement 24 mois" in qc
    assert "Dear" not in qc and "QC Resident" in qc
    # ... and, as the one letter under PIPEDA too, Canada's Commissioner and the internal complaint process
    assert "Commissariat à la protection de la vie privée du Canada" in qc and "porter plainte auprès de nous" in qc


def test_a_gdpr_letter_without_the_likely_consequences_cannot_be_approved(engine, open_incident) -> None:
    from breachclock.models import Incident
    from breachclock.models.incident.lifecycle import fire
    from breachclock.models.notice.drafting import NoticeError, draft_notices

    iid = open_incident(playbook=None, affected={"GB": 4}, summary="An attacker copied the intake folder.")
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="a", reason="r")
        (uk,) = [n for n in draft_notices(s, inc, actor="a").drafted if n.audience == "individual"]
        with pytest.raises(NoticeError, match="likely_consequences") as refused:
            decide(s, uk.id, counsel="Jane Counsel", approve=True)
        assert "Art. 33(3)(c)" in str(refused.value)


def test_the_quebec_letter_prints_the_incidents_own_words_in_french_when_the_file_gives_them(
        engine, home, tmp_path, sendgrid) -> None:
    resume = "Un attaquant a copié le dossier d'accueil des clients à partir d'un serveur de fichiers."
    consequences = "Quelqu'un pourrait tenter d'ouvrir des comptes à votre nom."
    received = _received(engine, home, tmp_path, sendgrid, translations={"fr": {
        "summary": resume, "measures_taken": ["Nous avons isolé le serveur."], "likely_consequences": consequences}},
        measures_taken=["We isolated the server."])
    (qc,) = received["qc"]
    assert resume in qc and consequences in qc and "Nous avons isolé le serveur." in qc
    assert "An attacker copied the client intake folder" not in qc and "We isolated the server." not in qc
    (gb,) = received["gb"]  # an English letter keeps the responders' English
    assert "An attacker copied the client intake folder" in gb and "We isolated the server." in gb
