"""The decision record: a PDF that shows the clocks on a chart, the facts at each decision, every rule considered,
the risk assessment and who approved what, written from the record alone and naming no affected person."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pypdf
import pypdfium2
from breachclock.models import Incident, Notice
from breachclock.models.db import session_scope
from breachclock.models.incident.lifecycle import fire
from breachclock.models.incident.service import hold, release, update_facts
from breachclock.models.notice.approval import decide
from breachclock.models.notice.drafting import draft_notices
from breachclock.models.report.decision_record import facts_at_each_evaluation, write_decision_record
from breachclock.models.report.timeline import Clock, timeline_png
from sqlalchemy import select
from typer.testing import CliRunner

from breachclock.cli import app


def _text(path) -> str:  # type: ignore[no-untyped-def]
    return " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(path).pages)


def _incident(engine, open_incident) -> str:  # type: ignore[no-untyped-def]
    iid = open_incident(playbook=None, summary="A laptop was stolen from a car.")
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        hold(s, inc, agency="FBI Boston field office", actor="Riley Responder", reason="active investigation",
             at=datetime(2026, 3, 3, 15, tzinfo=UTC))
        release(s, inc, actor="Riley Responder", reason="the FBI no longer objects",
                at=datetime(2026, 3, 5, 15, tzinfo=UTC))
        update_facts(s, inc, {"affected": {"US-CA": 640, "US-TX": 250}}, actor="Riley Responder",
                     reason="forensic count of the second share")
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="a", reason="r")
        for n in draft_notices(s, inc, actor="a").drafted:
            decide(s, n.id, counsel="Jane Counsel", approve=True, comment="reviewed")
    return iid


def test_the_record_shows_the_facts_at_each_decision_every_rule_and_who_approved(engine, open_incident) -> None:
    iid = _incident(engine, open_incident)
    with session_scope(engine) as s:
        rows = facts_at_each_evaluation(s, s.get(Incident, iid))
        # Each evaluation records why it ran (not the last rule's reason) and the facts as they then stood.
        whys = [r["why"] for r in rows]
        assert "law-enforcement hold started" in whys and "law-enforcement hold released" in whys
        assert "facts changed: forensic count of the second share" in whys
        before = next(r for r in rows if r["why"] == "law-enforcement hold released")
        after = next(r for r in rows if r["why"].startswith("facts changed"))
        assert "US-CA 501" in before["facts"] and "US-CA 640" in after["facts"]
        assert "updated" in after["changes"] and "US-CA/individuals" in after["changes"]
        path, digest = write_decision_record(s, iid, datetime(2026, 3, 20, tzinfo=UTC))
        notices = list(s.scalars(select(Notice.id).where(Notice.incident_id == iid)))
    assert path.name == "decision-record.pdf" and len(digest) == 64
    text = _text(path)
    for expected in (f"Decision record: {iid}", "Clocks", "Facts at each decision", "Every rule considered",
                     "Risk assessment", "Notices, approvals and deliveries", "Law-enforcement holds",
                     "FBI Boston field office", "forensic count of the second share", "US-CA 640",
                     "Cal. Civ. Code", "approved by Jane Counsel", "not owed", "audit chain intact"):
        assert expected in text, expected
    assert all(n in text.replace(" ", "") for n in notices)  # a narrow cell may break an id
    # The first page carries the timeline chart: its bars are drawn in the chart's blue.
    image = pypdfium2.PdfDocument(str(path))[0].render(scale=1).to_pil().convert("RGB")
    colours = [c for _, c in image.getcolors(maxcolors=1 << 20)]
    assert any(abs(r - 0x9E) < 12 and abs(g - 0xCA) < 12 and abs(b - 0xE1) < 12 for r, g, b in colours)


def test_the_record_names_no_affected_person(engine, open_incident, tmp_path) -> None:
    from breachclock.models.scoping.store import import_records

    iid = open_incident(playbook=None, affected={})
    extract = tmp_path / "people.csv"
    extract.write_text("first_name,last_name,address,city,state,zip,exposed\n"
                       "Zofia,Kowalczyk-Brandt,77 Quarry Lane,Sacramento,CA,95814,ssn\n", encoding="utf-8")
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    with session_scope(engine) as s:
        path, _ = write_decision_record(s, iid)
    text = _text(path)
    assert "US-CA 1" in text
    assert "Kowalczyk" not in text and "Quarry" not in text and "Zofia" not in text


def test_decision_record_command_writes_it_and_refuses_an_unknown_incident(engine, open_incident) -> None:
    iid = open_incident(playbook=None)
    ok = CliRunner().invoke(app, ["decision-record", iid])
    assert ok.exit_code == 0, ok.output
    assert "decision-record.pdf" in ok.output.replace("\n", "")
    bad = CliRunner().invoke(app, ["decision-record", "INC-NOPE"])
    assert bad.exit_code == 2 and "INC-NOPE" in bad.output


def test_the_timeline_draws_holds_late_and_simulated_clocks_deterministically() -> None:
    t0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
    clocks = [Clock("US-CA individuals", t0, t0 + timedelta(days=30), False, t0 + timedelta(days=31), True),
              Clock("US-MA individuals (policy)", t0, t0 + timedelta(days=30), True, None, True),
              Clock("CONTRACT:acme notify_client", t0, t0 + timedelta(hours=24), False, t0 + timedelta(hours=2),
                    False)]
    holds = [(t0 + timedelta(days=2), t0 + timedelta(days=4))]
    png = timeline_png(clocks, holds, t0 + timedelta(days=10), "America/New_York")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == timeline_png(clocks, holds, t0 + timedelta(days=10), "America/New_York")
    from PIL import Image

    pixels = {c for _, c in Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0xCB, 0x18, 0x1D) in pixels  # deadline ticks and the late diamond
    assert (0xD9, 0xD9, 0xD9) in pixels  # the hold's grey span (0.85)


def test_a_cell_longer_than_a_page_is_cut_not_fatal() -> None:
    from breachclock.models.report.pdf import Columns, Fields, render_pdf

    huge = "A very long reason. " * 2000
    pdf = render_pdf("Long", [Columns(("rule", "reason"), [("US-CA individuals", huge)], widths=(0.2, 0.8)),
                              Fields([("basis", huge)])])
    text = " ".join((p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "the full text is in the dossier" in " ".join(text.split())
