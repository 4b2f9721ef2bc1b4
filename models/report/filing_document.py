"""Writing regulator filing packages: a PDF a person reads and submits from, and the same content as JSON.

Both go to ``<incident's report folder>/filings/``, owner-only and atomically (through the shared PDF
builder's ``write_file``), named after the duty (``US-TX.attorney_general.pdf``; the data set and the
jurisdiction are added where a regime has several duties of one rule). Writing changes nothing in the record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from breachclock.models.base import utcnow
from breachclock.models.incident.dossier import dossier_dir
from breachclock.models.obligation.models import Obligation
from breachclock.models.report.filing import build_package, regulator_obligations
from breachclock.models.report.pdf import Block, Columns, Fields, Heading, Letter, Para, render_pdf, write_file
from sqlalchemy.orm import Session

_KIND = {"form": "the regulator's own form or portal (its headings and questions)",
         "statute": "the content the statute or regulation prescribes (the regulator's own form is not encoded)",
         "generic": "GENERIC FALLBACK: no form is encoded for this regulator; not the regulator's form"}
_STATUS = {"filled": "", "missing": "MISSING (required): ", "manual": "missing: ", "empty": "not known (optional): "}


@dataclass(frozen=True)
class WrittenPackage:
    obligation_id: int
    regime: str
    rule: str
    jurisdiction: str
    form: str
    form_kind: str
    required: int
    required_filled: int
    missing: int
    pdf: Path
    json: Path
    pdf_sha256: str
    json_sha256: str


def filings_dir(incident_id: str) -> Path:
    return dossier_dir(incident_id) / "filings"


def _stem(o: Obligation, siblings: list[Obligation]) -> str:
    same = [s for s in siblings if s.regime == o.regime and s.rule_key == o.rule_key]
    parts = [o.regime, o.rule_key]
    if len({s.data_set for s in same}) > 1:
        parts.append(o.data_set)
    if len({s.jurisdiction for s in same}) > 1:
        parts.append(o.jurisdiction)
    return re.sub(r"[^A-Za-z0-9._-]", "_", ".".join(parts))


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def package_blocks(p: dict[str, Any]) -> list[Block]:
    """The package laid out: where it goes, the deadline, the fields, what is missing, the sample notice."""
    form, o, d, s = p["form"], p["obligation"], p["deadline"], p["summary"]
    blocks: list[Block] = []
    if p["incident"]["exercise"]:
        blocks.append(Para("EXERCISE: this incident is a drill; nothing here is to be filed."))
    blocks.append(Para(f"Prepared by breachclock for a person to submit; not submitted. {s['required_filled']} of "
                       f"{s['required']} required fields filled; {s['missing']} item(s) still missing."))
    if form["caveat"]:
        blocks.append(Para(f"Caution: {form['caveat']}"))
    blocks += [Heading("Where it goes"), Fields([
        ("Regulator", o["recipient"]), ("Form", form["name"]), ("What the field list is", _KIND[form["kind"]]),
        ("Form or portal", form["url"] or "—"), ("Citation (form)", form["citation"]),
        ("Citation (duty)", o["citation"]), ("Duty", f"{o['regime']} {o['rule']} ({o['jurisdiction']}, data set "
                                                     f"{o['data_set']}); rule version {o['rule_version']}"),
        ("Why it is owed", o["reason"] + ("" if o["required"] else " (counsel has not yet decided whether it is owed)")),
        ("Field list compiled", f"{form['as_of']} from: " + "; ".join(form["sources"]) if form["sources"] else
         str(form["as_of"])),
        ("Confidence", f"{form['confidence']} (form); {o['confidence']} (duty). {form['confidence_notes']}"),
    ])]
    blocks += [Heading("Deadline"), Fields([("Where it stands", d["status"]), ("The law's words", d["due_text"]),
                                            ("Clock starts", f"{d['clock_start'].get('event', '—')} at "
                                                             f"{d['clock_start'].get('at') or '—'}")])]
    blocks += [Heading("Fields"), Columns(
        ("#", "Field (as the form or statute words it)", "Req.", "Value", "From"),
        [(str(i), f["label"] + (f" [{f['citation']}]" if f["citation"] else ""), "yes" if f["required"] else "no",
          _STATUS[f["status"]] + (f["value"] if f["value"] is not None else (f["missing_because"] or ""))
          + (f"\nNote: {f['note']}" if f["note"] else ""), f["source"])
         for i, f in enumerate(p["fields"], 1)], widths=(0.04, 0.36, 0.06, 0.4, 0.14))]
    blocks.append(Heading(f"Still missing ({len(p['missing'])})"))
    blocks += [Columns(("Field", "Required", "Why"), [(m["label"], "yes" if m["required"] else "no", m["why"] or "")
                                                      for m in p["missing"]], widths=(0.5, 0.1, 0.4))
               ] if p["missing"] else [Para("Nothing is missing.")]
    if p["statute_content"] or form["kind"] == "generic":
        blocks += [Heading("What the regime data says this notice must contain"),
                   Para("\n".join(f"- {c}" for c in p["statute_content"]) or p["statute_content_note"])]
    if form["copy_of_notice"] == "required":
        blocks.append(Heading("Copy of the notice to individuals (sample, without personal information)"))
        sample = p["sample_notice"]
        blocks += [Para(f"Notice {sample['notice']} ({sample['channel']}) as drafted; each person's letter names that "
                        "person.", small=True), Letter(sample["text"], sample["subject"])] if sample else [
            Para("missing: no notice to individuals under this law has been drafted yet.")]
    blocks.append(Para(f"Personal data: {p['personal_data']}. Prepared at {p['prepared_at']:%Y-%m-%d %H:%M}Z.",
                       small=True))
    return blocks


def write_packages(session: Session, incident_id: str, regime: str | None = None,
                   now: datetime | None = None) -> list[WrittenPackage]:
    """Write the package of every regulator duty of the incident (only ``regime``'s if given)."""
    now = now or utcnow()
    duties = regulator_obligations(session, incident_id, regime)
    siblings = regulator_obligations(session, incident_id)
    out = []
    for o in duties:
        p = build_package(session, o, now)
        stem = filings_dir(incident_id) / _stem(o, siblings)
        to = o.recipient if p["form"]["kind"] == "generic" else p["form"]["authority"]
        title = f"Filing package: {o.regime} {o.rule_key} - {to}"
        pdf_bytes = render_pdf(title, package_blocks(p), subtitle=f"Incident {incident_id} · {p['form']['name']}")
        data = json.dumps(p, indent=2, sort_keys=True, default=_json_default, ensure_ascii=False).encode()
        pdf, js = stem.parent / f"{stem.name}.pdf", stem.parent / f"{stem.name}.json"
        s = p["summary"]
        out.append(WrittenPackage(o.id, o.regime, o.rule_key, o.jurisdiction, p["form"]["id"], p["form"]["kind"],
                                  s["required"], s["required_filled"], s["missing"], pdf, js,
                                  write_file(pdf, pdf_bytes), write_file(js, data)))
    return out
