"""Substitute notice: people a law covers whom no letter or e-mail can reach get the law's substitute notice
(the website posting and the notice to statewide media) where the law allows it for want of contact
information, drafted for counsel's approval, handed over like a filing; the duty is met only once it is recorded.
A law that allows substitute notice only above cost or volume thresholds (Michigan) gets none for them, and the
duty stays open. Asserted on the filing package's text and on the duties' state."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from breachclock.models import Notice, Obligation
from breachclock.models.db import session_scope
from breachclock.models.incident.service import open_incident
from breachclock.models.incident.stages import STAGES, run_stage
from breachclock.models.notice.approval import decide
from breachclock.models.notice.drafting import obligations_of
from breachclock.models.outbox.handover import record_filing
from breachclock.models.outbox.models import Delivery
from breachclock.models.outbox.progress import notices_of, progress
from breachclock.models.scoping.store import import_records
from sqlalchemy import select

from tests.factories import finish_containment, live_channels_at, sample_facts
from tests.notifications.fakes import FakeSendGridServer

SUMMARY = "An attacker copied the customer database from our web server."


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGridServer() as server:
        yield server


def _incident(engine, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(
            affected={}, summary=SUMMARY, measures_taken=["We took the server offline."],
            entity={"name": "Example Shop", "timezone": "America/New_York", "roles": ["data_owner"],
                    "contact": "1-800-555-0100, privacy@example-shop.test"}),
            source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    extract = tmp_path / "people.csv"
    # One reachable and one unreachable person (a name and a state only) in each state.
    extract.write_text("record_id,first_name,last_name,email,state,exposed\n"
                       "1,Ann,Cal,ann@example.test,CA,name;ssn\n2,Ben,Cal,,CA,name;ssn\n"
                       "3,Cat,Mass,cat@example.test,MA,name;ssn\n4,Dan,Mass,,MA,name;ssn\n"
                       "5,Eve,Mich,eve@example.test,MI,name;ssn\n6,Fay,Mich,,MI,name;ssn\n")
    with session_scope(engine) as s:
        import_records(s, iid, extract, actor="tester", workers=1)
    for stage in STAGES[:5]:
        run_stage(stage, iid, engine=engine)
    return iid


def test_people_without_contact_get_the_laws_substitute_notice_and_the_duty_waits_for_it(engine, home, tmp_path,
                                                                                         sendgrid) -> None:
    iid = _incident(engine, tmp_path)
    with session_scope(engine) as s:
        subs = list(s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "substitute")))
        # California and Massachusetts allow it for insufficient contact information; Michigan only above its
        # cost and volume limits (§ 445.72(5)(d)).
        assert sorted(n.jurisdiction for n in subs) == ["US-CA", "US-MA"]
        for n in subs:
            (duty,) = obligations_of(s, n.id)
            assert duty.recipient_kind == "individual" and duty.jurisdiction == n.jurisdiction
        for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
            decide(s, n.id, counsel="Jane Counsel", approve=True)
    assert run_stage("approval", iid, engine=engine).outcome == "done"
    result = run_stage("notification", iid, engine=engine, channels=live_channels_at(sendgrid.url, home))
    assert "0 failed" in result.message, result.message
    assert {r.json()["personalizations"][0]["to"][0]["email"] for r in sendgrid.accepted} >= {
        "ann@example.test", "cat@example.test", "eve@example.test"}

    packages = {p.name: " ".join(" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(p).pages)
                for p in (home / "filings").rglob("*.pdf")}
    with session_scope(engine) as s:
        duties = {o.jurisdiction: o for o in s.scalars(select(Obligation).where(
            Obligation.incident_id == iid, Obligation.recipient_kind == "individual", Obligation.required.is_(True)))}
        # Letters went out, but the people without contact are not yet told: no duty is met.
        assert all(o.fulfilled_at is None for o in duties.values())
        for n in subs:
            (d,) = s.scalars(select(Delivery).where(Delivery.notice_id == n.id))
            assert d.status == "prepared"
            text = packages[f"{d.idempotency_key}.pdf"]
            assert "WEBSITE POSTING" in text and "STATEWIDE MEDIA" in text and "1-800-555-0100" in text
            assert "Ben" not in text and "Dan" not in text  # a public notice names nobody
            # Massachusetts forbids describing what happened; California requires it.
            assert (SUMMARY in text) == (n.jurisdiction == "US-CA"), n.jurisdiction
            record_filing(s, d.id, actor="Pat Responder", receipt=f"posted at example-shop.test/notice; AP wire {n.id}")
    with session_scope(engine) as s:
        duties = {o.jurisdiction: o for o in s.scalars(select(Obligation).where(
            Obligation.incident_id == iid, Obligation.recipient_kind == "individual", Obligation.required.is_(True)))}
        for where in ("US-CA", "US-MA"):
            o = duties[where]
            p = progress(s, o, notices_of(s, o))
            assert o.fulfilled_at is not None and p.substituted == 1 and p.done == 1, (where, p)
        mi = duties["US-MI"]
        p = progress(s, mi, notices_of(s, mi))
        assert mi.fulfilled_at is None and p.without_contact == 1 and p.substituted == 0


def test_people_recorded_after_the_posting_get_a_new_one_it_never_covers_them(engine, home, tmp_path,
                                                                              sendgrid) -> None:
    from breachclock.models import Incident

    with session_scope(engine) as s:
        iid = open_incident(s, sample_facts(
            affected={}, summary=SUMMARY, entity={"name": "Example Shop", "timezone": "America/New_York",
                                                  "roles": ["data_owner"], "contact": "1-800-555-0100"}),
            source=b"t", playbook="lost_device", actor="tester").id
    finish_containment(engine, iid)
    first = tmp_path / "first.csv"
    first.write_text("record_id,first_name,last_name,email,state,exposed\n1,Ann,Cal,ann@example.test,CA,name;ssn\n"
                     "2,Ben,Cal,,CA,name;ssn\n")
    with session_scope(engine) as s:
        import_records(s, iid, first, actor="tester", workers=1)

    def through() -> None:
        for stage in STAGES[:5]:
            run_stage(stage, iid, engine=engine)
        with session_scope(engine) as s:
            for n in s.scalars(select(Notice).where(Notice.incident_id == iid)):
                decide(s, n.id, counsel="Jane Counsel", approve=True)
        for stage in ("drafting", "approval", "notification"):
            run_stage(stage, iid, engine=engine, **({"channels": live_channels_at(sendgrid.url, home)}
                                                    if stage == "notification" else {}))
        with session_scope(engine) as s:
            for d in s.scalars(select(Delivery).join(Notice).where(Notice.incident_id == iid,
                                                                   Notice.audience == "substitute",
                                                                   Delivery.status == "prepared")):
                record_filing(s, d.id, actor="Pat Responder", receipt=f"posted, AP wire {d.id}")
        run_stage("notification", iid, engine=engine, channels=live_channels_at(sendgrid.url, home))

    through()
    with session_scope(engine) as s:
        assert s.get(Incident, iid).status == "notified"
    later = tmp_path / "later.csv"  # a third Californian without contact, whose licence number was exposed too
    later.write_text("record_id,first_name,last_name,email,state,exposed\n3,Cy,Cal,,CA,name;ssn;drivers_license\n")
    with session_scope(engine) as s:
        import_records(s, iid, later, actor="tester", workers=1)
    with session_scope(engine) as s:
        ca = s.scalars(select(Obligation).where(Obligation.incident_id == iid, Obligation.jurisdiction == "US-CA",
                                                Obligation.recipient_kind == "individual")).one()
        p = progress(s, ca, notices_of(s, ca))
        assert ca.fulfilled_at is None and p.substituted == 1 and p.without_contact == 1, p
        assert s.get(Incident, iid).status == "notifying"
    through()  # a new posting, naming the licence number, is drafted, approved and posted
    through()
    with session_scope(engine) as s:
        subs = list(s.scalars(select(Notice).where(Notice.incident_id == iid, Notice.audience == "substitute")))
        assert len(subs) == 2 and any("drivers_license" in n.context["element_codes"] for n in subs)
        ca = s.get(Obligation, ca.id)
        p = progress(s, ca, notices_of(s, ca))
        assert ca.fulfilled_at is not None and p.substituted == 2 and p.without_contact == 0, p
        assert s.get(Incident, iid).status == "notified"
