"""Previews counsel can open: every variant of a draft as HTML and as PDF, with the content checks beside it.

Written to ``<reports>/<incident>/notices/`` whenever notices are drafted or redrafted, and again by
``breachclock notice show``. For each channel a notice goes out on: ``<id>.<channel>.txt`` (what the provider
gets as text), ``<id>.<channel>.html`` (an e-mail's HTML exactly as sent; for letters, filings and SMS the text as
a page), ``<id>.<channel>.pdf`` (a letter or filing laid out by the very renderer that prints it; other channels
as a review sheet); and ``<id>.checks.txt``, the validator's finding for every rule, with its citation. A preview
shows what counsel approves: the stored draft, for people with a sample recipient, never a real person.
"""

from __future__ import annotations

import html
from pathlib import Path

from breachclock.models.incident.dossier import dossier_dir
from breachclock.models.notice.approval import is_approved
from breachclock.models.notice.drafting import variants_of
from breachclock.models.notice.models import Notice
from breachclock.models.notice.validation import validate_notice
from breachclock.models.outbox.models import Delivery
from breachclock.models.report.pdf import Columns, Fields, Letter, render_pdf, write_file
from breachclock.notifications.channels import OutgoingMessage
from breachclock.notifications.config import NotificationSettings
from breachclock.notifications.postal import FilingChannel, PostalLetterChannel
from breachclock.playbooks.content_rules import Finding
from sqlalchemy import select
from sqlalchemy.orm import Session

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:44em;margin:2em auto;line-height:1.4}}
.text{{white-space:pre-wrap}}</style></head>
<body><h1>{title}</h1><div class="text">{text}</div></body></html>
"""


def preview_dir(incident_id: str) -> Path:
    return dossier_dir(incident_id) / "notices"


def _addressee(notice: Notice) -> str:
    if notice.audience == "individual":
        return "[each person's name and postal address]"
    return notice.recipient


def write_previews(session: Session, notice: Notice) -> list[Path]:
    """Write the notice's previews and checks; returns the files written."""
    out = preview_dir(notice.incident_id)
    findings = validate_notice(session, notice)
    approved = is_approved(session, notice)
    sender = NotificationSettings().postal_sender_block or str(notice.context.get("entity_name") or "")
    written: list[Path] = []

    def put(name: str, data: bytes) -> None:
        write_file(out / name, data)
        written.append(out / name)

    for channel, v in sorted(variants_of(session, notice.id).items()):
        put(f"{notice.id}.{channel}.txt", v.text.encode())
        title = v.subject or f"{notice.id} ({channel})"
        put(f"{notice.id}.{channel}.html", (v.html or _PAGE.format(title=html.escape(title),
                                                                    text=html.escape(v.text))).encode())
        if channel in ("postal", "filing"):
            kind = PostalLetterChannel if channel == "postal" else FilingChannel
            letter = kind(out, sender or " ").render(OutgoingMessage(
                channel=channel, to=_addressee(notice), subject=v.subject, text=v.text, html=None,
                idempotency_key=f"preview-{notice.id}"))
            put(f"{notice.id}.{channel}.pdf", letter)
        else:
            put(f"{notice.id}.{channel}.pdf", review_sheet(notice, channel, v.subject, v.text, findings, approved))
    put(f"{notice.id}.checks.txt", ("\n".join(f.line() for f in findings) or
                                    "no content rules in the rule data for these laws").encode() + b"\n")
    return written


def review_sheet(notice: Notice, channel: str, subject: str | None, text: str, findings: list[Finding],
                 approved: bool) -> bytes:
    """One variant as a PDF counsel reads: what it is, the text as sent, and the checks on that channel."""
    mine = [f for f in findings if f.channel == channel]
    mark = {True: "ok", False: "FAILED", None: "confirm"}
    return render_pdf(f"{notice.id}: {channel} notice", [
        Fields([("to", _addressee(notice)), ("audience", notice.audience), ("jurisdiction", notice.jurisdiction),
                ("content hash", notice.content_hash), ("approval", "approved" if approved else "not approved")]),
        Letter(text, subject),
        Columns(("check", "rule", "finding", "citation"),
                [(mark[f.passed], f"{f.regime} {f.rule}", f.detail, f.citation) for f in mine],
                widths=(0.1, 0.22, 0.43, 0.25)) if mine else Fields([("checks", "no content rules for this channel")]),
    ], subtitle="Draft for counsel's review: each person's own name and exposed information are merged in when "
                "it is sent" if notice.audience == "individual" else "Draft for counsel's review")


def write_incident_previews(session: Session, incident_id: str) -> int:
    """Previews of every notice of an incident that is not yet out (delivered notices keep theirs)."""
    started = set(session.scalars(select(Delivery.notice_id).join(Notice).where(Notice.incident_id == incident_id)))
    notices = [n for n in session.scalars(select(Notice).where(Notice.incident_id == incident_id).order_by(Notice.id))
               if n.id not in started or not any(preview_dir(incident_id).glob(f"{n.id}.*.pdf"))]
    for n in notices:
        write_previews(session, n)
    return len(notices)
