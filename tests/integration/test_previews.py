"""Previews counsel can open: each draft as HTML and PDF per channel, the checks beside them, nobody's data."""

from __future__ import annotations

import io
import stat

import pypdf
import pypdfium2
from breachclock.models import Incident, Notice
from breachclock.models.db import session_scope
from breachclock.models.incident.lifecycle import fire
from breachclock.models.notice.drafting import draft_notices, variants_of
from breachclock.models.notice.previews import preview_dir, write_previews
from sqlalchemy import select
from typer.testing import CliRunner

from breachclock.cli import app


def _pdf_text(data: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _drafted(engine, open_incident) -> str:  # type: ignore[no-untyped-def]
    iid = open_incident(playbook=None, summary="A laptop was stolen from a car.")
    with session_scope(engine) as s:
        inc = s.get(Incident, iid)
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="a", reason="r")
        draft_notices(s, inc, actor="a")
    return iid


def test_every_channel_of_a_draft_gets_html_and_pdf_previews_with_its_checks(engine, open_incident) -> None:
    iid = _drafted(engine, open_incident)
    with session_scope(engine) as s:
        ca = s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "individual",
                                            Notice.jurisdiction == "US-CA")).one()
        files = write_previews(s, ca)
        variants = variants_of(s, ca.id)
        out = preview_dir(iid)
        assert set(variants) == {"email", "postal"}
        for channel, v in variants.items():
            page = (out / f"{ca.id}.{channel}.html").read_text(encoding="utf-8")
            pdf = (out / f"{ca.id}.{channel}.pdf").read_bytes()
            text = _pdf_text(pdf)
            assert (out / f"{ca.id}.{channel}.txt").read_text(encoding="utf-8") == v.text
            if channel == "email":
                assert page == v.html  # the e-mail's HTML exactly as it is sent
                assert "ok" in text and "Cal. Civ. Code" in text  # the review sheet carries the checks
            else:
                # the letter is laid out by the renderer that prints it, addressed to no one in particular
                assert "[each person's name and postal address]" in text
            # California's title and headings are on the page people read
            assert "Notice of Data Breach" in page
            for heading in ("What Happened", "What Information Was Involved", "What We Are Doing"):
                assert heading in text, (channel, heading)
        checks = (out / f"{ca.id}.checks.txt").read_text(encoding="utf-8")
        assert "US-CA" in checks and "FAILED" not in checks
        assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
        # A page renders to an image that is not blank (something is printed on it)
        page = pypdfium2.PdfDocument((out / f"{ca.id}.postal.pdf").read_bytes())[0]
        image = page.render(scale=1).to_pil().convert("L")
        assert image.getextrema()[0] < 100 and image.size[0] > 500


def test_notice_show_writes_the_previews_and_names_them(engine, open_incident) -> None:
    iid = _drafted(engine, open_incident)
    with session_scope(engine) as s:
        nid = s.scalars(select(Notice.id).where(Notice.incident_id == iid, Notice.audience == "individual")
                        .order_by(Notice.id)).first()
    result = CliRunner().invoke(app, ["notice", "show", nid])
    assert result.exit_code == 0, result.output
    assert "previews (" in result.output and f"{nid}.*" in result.output.replace("\n", "")
    assert (preview_dir(iid) / f"{nid}.postal.pdf").exists() and (preview_dir(iid) / f"{nid}.checks.txt").exists()
