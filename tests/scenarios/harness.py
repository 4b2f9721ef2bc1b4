"""Realistic incidents run end to end, judged by what each recipient actually received.

A scenario is data (``tests/scenarios/*.yaml``): the firm, its clients with their contract terms and
channels, the incident with its data sets, an extract of affected people generated from a seed, and what
the law requires — written by hand from the statutes, never read back from the engine. :class:`Scenario`
runs it through the ``breachclock`` command line (in process), with the live channels pointed at local
servers that speak SendGrid's and Twilio's APIs and with real PDF letters and filings, and then reads the
recipients' side: the fake providers' request logs and the text of every PDF.

What a scenario file says::

    firm: {name, timezone, contact, country}
    clients: [client terms, as `breachclock clients load` takes them]
    incident: {the incident file without entity; `discovered_hours_ago` instead of discovered_at}
    extract:
      seed: 7
      groups:                       # people generated per group
        - data_set: firm-records    # the data_set column of each row
          count: 20
          residency: {state: IL} | {zip: "60601"} | {country: GB} | {}     # the evidence the row carries
          contact: email | postal | both | phone | none
          elements: [ssn, dob]
          notified: true            # do they receive a notice from the firm?
          owed: true                # does the law require notifying them (default: notified)? A person
                                    # owed notice without contact details gets none until substitute notice
    decide_unknown_residency: notify | skip       # what counsel decides for people of unknown residency
    expect:
      clients: {client-id: {channel: sms, notices: 2}}
      open_regimes: [UK-GDPR]       # duties that must stay open (no letter exists for them yet)
      state: notified | notifying
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from breachclock.models import Delivery, Incident, Notice, Obligation, PlaybookTask
from breachclock.models.db import get_engine, session_scope
from breachclock.playbooks import catalog
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from breachclock.cli import app
from tests.notifications.fakes import FakeSendGridServer, FakeTwilioServer

SCENARIOS = Path(__file__).resolve().parent
_FIRST = ["Ana", "Ben", "Chloe", "Dmitri", "Ebony", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kai", "Lena"]
_STREETS = ["Elm Street", "Oak Avenue", "Maple Road", "Cedar Lane", "Birch Way"]
_ZIP_OF = {"IL": "62701", "MI": "48933", "TX": "78701", "CA": "95814", "NY": "12207", "MA": "02110",
           "FL": "32301", "WA": "98501", "CO": "80202", "PA": "17101", "OH": "43215", "GA": "30303"}
_ABROAD = {"GB": ("London", "SW1A 1AA", "United Kingdom"), "CA": ("Toronto", "M5H 2N2", "Canada"),
           "DE": ("Berlin", "10115", "Germany"), "FR": ("Paris", "75001", "France")}


@dataclass
class Person:
    """One generated person: what the extract says about them, and what the law says they are owed."""

    index: int
    data_set: str
    name: str
    email: str | None
    phone: str | None
    address: tuple[str, str, str, str, str] | None  # street, city, state field, zip, country
    state_field: str
    zip: str
    country: str
    elements: list[str]
    notified: bool
    group: int
    jurisdiction: str
    owed: bool
    """The law requires notifying them (``notified`` says whether a message can reach them)."""

    @property
    def expected_channel(self) -> str | None:
        if not self.notified:
            return None
        return "postal" if self.address else "email" if self.email else None


@dataclass
class Received:
    """What one recipient got: the channel and the text as it reached them."""

    channel: str
    to: str
    subject: str | None
    text: str
    key: str | None = None
    """The idempotency key (letters and filings are named by it)."""


@dataclass
class Scenario:
    spec: dict[str, Any]
    home: Path
    sendgrid: FakeSendGridServer
    twilio: FakeTwilioServer
    runner: CliRunner = field(default_factory=CliRunner)
    people: list[Person] = field(default_factory=list)
    incident_id: str = ""

    @classmethod
    def load(cls, name: str, home: Path, sendgrid: FakeSendGridServer, twilio: FakeTwilioServer) -> Scenario:
        spec = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))
        return cls(spec, home, sendgrid, twilio)

    # --- the command line -------------------------------------------------------------------

    def cli(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, list(args))
        assert result.exit_code == code, f"breachclock {' '.join(args)} -> {result.exit_code}\n{result.output}"
        return result.output

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return get_engine()

    # --- the incident -----------------------------------------------------------------------

    def open(self) -> str:
        clients = self.home / "clients.yaml"
        clients.write_text(yaml.safe_dump({"clients": self.spec["clients"]}), encoding="utf-8")
        self.cli("clients", "load", str(clients))
        incident = dict(self.spec["incident"])
        discovered = datetime.now(UTC) - timedelta(hours=incident.pop("discovered_hours_ago", 2))
        incident.update(entity={**self.spec["firm"], "roles": ["data_owner"]}, discovered_at=discovered.isoformat())
        path = self.home / "incident.yaml"
        path.write_text(yaml.safe_dump(incident, sort_keys=False), encoding="utf-8")
        out = self.cli("open", str(path), "--no-flow")
        self.incident_id = re.search(r"Opened (INC-[0-9A-F]+)", out).group(1)  # type: ignore[union-attr]
        return self.incident_id

    def generate_extract(self, path: Path, *, groups: list[dict[str, Any]] | None = None, start: int = 0,
                         email_tag: str = "", record_ids: bool = False) -> list[Person]:
        """Write the extract (CSV) and remember who is in it; each person is unique by name and contact.

        ``email_tag`` changes everyone's e-mail address (a later extract from another system); ``record_ids``
        adds the source system's record id column."""
        seed = self.spec["extract"]["seed"]
        people = []
        rows = []
        for g_index, group in enumerate(groups or self.spec["extract"]["groups"]):
            for _ in range(group["count"]):
                i = start + len(people)
                rng = random.Random(f"{seed}:{i}")  # per person: the same index is the same person in every extract
                first = rng.choice(_FIRST)
                name = f"{first} Testperson{i:04d}"
                contact = group["contact"]
                email = f"{first.lower()}.p{i:04d}{email_tag}@people.test" if contact in ("email", "both") else None
                phone = f"+1312555{i:04d}" if contact == "phone" else None
                residency = group.get("residency", {})
                state = residency.get("state", "")
                zip_code = residency.get("zip", "")
                country = residency.get("country", "")
                address = None
                if contact in ("postal", "both"):
                    if country in _ABROAD:
                        city, postcode, country_name = _ABROAD[country]
                        address = (f"{10 + i} {rng.choice(_STREETS)}", city, state, postcode, country_name)
                    else:
                        city = "Springfield"
                        address = (f"{10 + i} {rng.choice(_STREETS)}", city, state,
                                   zip_code or _ZIP_OF.get(state, "") or "", country)
                person = Person(i, group["data_set"], name, email, phone, address, state, zip_code, country,
                                list(group["elements"]), bool(group["notified"]), g_index, group["jurisdiction"],
                                bool(group.get("owed", group["notified"])))
                people.append(person)
                street, city, st, z, ctry = address or ("", "", state, zip_code, country)
                rows.append({"first_name": first, "last_name": f"Testperson{i:04d}", "email": email or "",
                             "phone": phone or "", "address": street, "city": city, "state": st,
                             "zip": z, "country": ctry, "exposed": ";".join(group["elements"]),
                             "data_set": group["data_set"], **({"record_id": f"R-{i:05d}"} if record_ids else {})})
        import csv

        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return people

    def complete_tasks(self, phase: str) -> None:
        with session_scope(self.engine) as s:
            keys = list(s.scalars(select(PlaybookTask.key).where(PlaybookTask.incident_id == self.incident_id,
                                                                 PlaybookTask.phase == phase,
                                                                 PlaybookTask.status == "open")))
        for key in keys:
            self.cli("task", "done", self.incident_id, key, "--outcome", "done by the scenario's responder")

    def scope(self, people_file: Path, *extra: str) -> str:
        return self.cli("scope", self.incident_id, str(people_file), *extra)

    def decide_unknown_residency(self) -> None:
        if self.spec.get("decide_unknown_residency", "skip") != "notify":
            return
        with session_scope(self.engine) as s:
            ids = list(s.scalars(select(Obligation.id).where(Obligation.incident_id == self.incident_id,
                                                             Obligation.required.is_(None))))
        for oid in ids:
            self.cli("obligation", "decide", self.incident_id, str(oid), "--required", "--counsel", "Dana Counsel",
                     "--reason", "notify everyone whose residency is unknown")

    def notices(self) -> list[Notice]:
        with session_scope(self.engine) as s:
            return list(s.scalars(select(Notice).where(Notice.incident_id == self.incident_id).order_by(Notice.id)))

    def approve_all(self) -> None:
        with session_scope(self.engine) as s:
            from breachclock.models.notice.approval import is_approved

            pending = [n.id for n in s.scalars(select(Notice).where(Notice.incident_id == self.incident_id))
                       if not is_approved(s, n)]
        for nid in pending:
            self.cli("approve", nid, "--counsel", "Dana Counsel", "--no-resume")

    def hand_over(self) -> None:
        """The mail room mails the prepared letters; a paralegal files each prepared filing."""
        with session_scope(self.engine) as s:
            filings = list(s.scalars(select(Delivery.id).join(Notice).where(
                Notice.incident_id == self.incident_id, Delivery.channel == "filing", Delivery.status == "prepared")))
            letters = s.scalar(select(Delivery.id).join(Notice).where(
                Notice.incident_id == self.incident_id, Delivery.channel == "postal", Delivery.status == "prepared"))
        if letters is not None:
            self.cli("mailed", self.incident_id, "--receipt", "mail house job 4411")
        for did in filings:
            self.cli("filed", str(did), "--receipt", f"portal confirmation {did}")

    def state(self) -> str:
        with session_scope(self.engine) as s:
            return s.get(Incident, self.incident_id).status  # type: ignore[union-attr]

    def run_to_end(self, extract: Path) -> str:
        """The whole response as people would drive it: triage, contain, scope, approve, send, hand over."""
        self.open()
        self.cli("run", self.incident_id)
        self.approve_all()  # the contract notices drafted at triage
        for n in self.notices():
            self.cli("notice", "send", n.id)
        self.complete_tasks("containment")
        self.people = self.generate_extract(extract)
        self.scope(extract)
        self.complete_tasks("investigation")
        self.decide_unknown_residency()
        self.cli("run", self.incident_id)
        self.approve_all()
        self.cli("run", self.incident_id)
        self.hand_over()
        return self.cli("run", self.incident_id)

    # --- what recipients received -----------------------------------------------------------

    def received(self) -> list[Received]:
        out = []
        for r in self.sendgrid.accepted:
            mail = r.json()
            text = next(c["value"] for c in mail["content"] if c["type"] == "text/plain")
            for to in mail["personalizations"][0]["to"]:
                out.append(Received("email", to["email"], mail["subject"], text))
        for r in self.twilio.accepted:
            form = r.form()
            out.append(Received("sms", form["To"][0], None, form["Body"][0]))
        for kind in ("postal", "filings"):
            folder = self.home / "outbox" / kind
            for pdf in sorted(folder.glob("*.pdf")) if folder.exists() else []:
                text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
                out.append(Received("postal" if kind == "postal" else "filing", "", None, text, pdf.stem))
        return out

    def received_by(self, person: Person) -> list[Received]:
        return [r for r in self.received() if (person.email and r.channel == "email" and r.to == person.email)
                or (person.phone and r.channel == "sms" and r.to == person.phone)
                or (r.channel == "postal" and person.name in r.text)]

    def obligations(self) -> list[Obligation]:
        with session_scope(self.engine) as s:
            return list(s.scalars(select(Obligation).where(Obligation.incident_id == self.incident_id)))


def involved_section(text: str) -> str:
    """The 'What Information Was Involved' part of a letter to a person."""
    start = text.index("What Information Was Involved")
    end = min(i for i in (text.find("What This May Mean for You", start), text.find("What We Are Doing", start))
              if i > 0)
    return text[start:end]


def plain(element: str, where: str | None = None) -> str:
    """How a letter to a person of ``where`` names an element (a UK letter: "National Insurance number")."""
    return catalog.plain_element(element, where)


def counts_by_jurisdiction(people: list[Person], received: dict[int, list[Received]]) -> Counter[str]:
    return Counter(p.jurisdiction for p in people if received[p.index])


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
