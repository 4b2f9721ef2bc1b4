"""Letters as PDF files in an outbox folder, for a print-and-mail vendor.

Each message becomes ``<outbox_dir>/<idempotency_key>.pdf`` (A4/Letter-neutral
margins, 11-point type: California requires at least 10) plus one line in
``<outbox_dir>/manifest.csv`` (idempotency key, file name, sha256, created
time) that the vendor hand-off reads. Nothing goes over a network, so the
channel is real in every backend.

The letter is laid out from the message's plain text: a line followed by a
line of dashes is a heading, lines starting with ``- `` are bullets, blank
lines separate paragraphs. The text is escaped before it reaches reportlab's
``Paragraph`` markup, so a name like ``<b>`` prints as typed.

Fonts: DejaVu Sans is embedded when installed (``fonts-dejavu-core``), which
covers names such as "Łukasz Żółć". Without it the letter falls back to
Helvetica, whose encoding is Windows-1252 only; a letter with characters
outside it is refused (``unsupported_characters``) rather than printed with
missing glyphs.

Files are written atomically and exclusively (temp file, then a hard link that
fails if the name exists), so resending a key returns the receipt of the
letter already in the outbox.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from breachclock.notifications.channels import DeliveryError, Lookup, OutgoingMessage, Receipt, utcnow
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

logger = logging.getLogger(__name__)

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = ("idempotency_key", "file_name", "sha256", "created_at")
PROVIDER = "postal-batch"

# The key becomes a file name: no separators, no leading dot.
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")
_HEADING_RULE = re.compile(r"^-{3,}$")
_manifest_lock = threading.Lock()


class PostalLetterChannel:
    """Renders each message as a PDF letter in ``outbox_dir`` and lists it in the manifest.

    Writing the letter is a hand-over (the receipt says so): it leaves the firm when the mail house or a
    person mails the batch. ``simulated`` letters (an exercise's) carry a test sender and count for nothing.
    """

    name = "postal"
    provider = PROVIDER

    def __init__(self, outbox_dir: Path, sender_block: str, *, font_path: Path | None = DEJAVU_SANS,
                 simulated: bool = False) -> None:
        self.outbox_dir = Path(outbox_dir)
        self._sender_block = sender_block
        self.simulated = simulated
        self._font, self._bold_font, self.unicode_font = register_fonts(font_path)

    def send(self, message: OutgoingMessage) -> Receipt:
        notice_id = message.notice_id
        key = message.idempotency_key
        if not _SAFE_KEY.match(key):
            raise DeliveryError(
                "idempotency key is not a safe file name",
                channel=self.name,
                retryable=False,
                provider_code="invalid_idempotency_key",
                notice_id=notice_id,
            )
        if not message.to.strip():
            raise DeliveryError(
                "empty postal address",
                channel=self.name,
                retryable=False,
                provider_code="invalid_recipient",
                notice_id=notice_id,
            )
        target = self.outbox_dir / f"{key}.pdf"
        if target.exists():
            return self._existing_receipt(key, target)
        if not self.unicode_font:
            self._check_encodable(message)
        pdf = self.render(message)
        try:
            self.outbox_dir.mkdir(parents=True, exist_ok=True)
            created = self._write_exclusive(target, pdf)
        except OSError as exc:
            raise DeliveryError(
                "cannot write to the outbox",
                channel=self.name,
                retryable=True,
                provider_code=type(exc).__name__,
                notice_id=notice_id,
            ) from None
        if not created:
            return self._existing_receipt(key, target)
        digest = hashlib.sha256(pdf).hexdigest()
        accepted_at = utcnow()
        self._append_manifest(key, target.name, digest, accepted_at)
        logger.info("postal letter written notice_id=%s file=%s sha256=%s", notice_id, target.name, digest)
        return self._receipt(digest, accepted_at)

    def _receipt(self, digest: str, accepted_at: datetime) -> Receipt:
        return Receipt(provider=self.provider, provider_message_id=digest, accepted_at=accepted_at, status="written",
                       handover=True, simulated=self.simulated)

    def render(self, message: OutgoingMessage) -> bytes:
        """The letter as PDF bytes; deterministic for the same message (no timestamps or random ids)."""
        body = ParagraphStyle("body", fontName=self._font, fontSize=11, leading=15, alignment=TA_LEFT, spaceAfter=7)
        block = ParagraphStyle("block", parent=body, spaceAfter=0)
        title = ParagraphStyle("title", parent=body, fontName=self._bold_font, fontSize=14, leading=18, spaceAfter=10)
        heading = ParagraphStyle("heading", parent=body, fontName=self._bold_font, fontSize=12, spaceBefore=6)

        story: list[Flowable] = [
            Paragraph(_markup(self._sender_block), block),
            Spacer(1, 12 * mm),
            Paragraph(_markup(message.to), block),
            Spacer(1, 12 * mm),
        ]
        if message.subject:
            story.append(Paragraph(_markup(message.subject), title))
        story.extend(layout_text(message.text, body, heading))

        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=25 * mm,
            rightMargin=20 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            # Metadata stays free of personal data; invariant makes the bytes, hence the sha256, reproducible.
            title="Notice",
            author="",
            subject="",
            creator="breachclock",
            invariant=1,
        )
        doc.build(story)
        return buffer.getvalue()

    def _check_encodable(self, message: OutgoingMessage) -> None:
        for part in (self._sender_block, message.to, message.subject or "", message.text):
            try:
                part.encode("cp1252")
            except UnicodeEncodeError:
                raise DeliveryError(
                    "characters outside Windows-1252 need the DejaVu Sans font",
                    channel=self.name,
                    retryable=False,
                    provider_code="unsupported_characters",
                    notice_id=message.notice_id,
                ) from None

    def _write_exclusive(self, target: Path, data: bytes) -> bool:
        """Writes ``data`` to ``target`` unless it exists; False if another writer got there first."""
        fd, tmp_name = tempfile.mkstemp(dir=self.outbox_dir, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                return False
            return True
        finally:
            os.unlink(tmp_name)

    def receipt_for(self, idempotency_key: str) -> Receipt | None:
        """The receipt of a letter already written for this key (the outbox reconciles with it), else None."""
        if not _SAFE_KEY.match(idempotency_key):
            return None
        target = self.outbox_dir / f"{idempotency_key}.pdf"
        return self._existing_receipt(idempotency_key, target) if target.exists() else None

    def find(self, message: OutgoingMessage, since: datetime) -> Lookup:
        """A letter is in the outbox under its key, or it was never written."""
        return Lookup(self.receipt_for(message.idempotency_key), certain=True)

    def _existing_receipt(self, key: str, target: Path) -> Receipt:
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        row = self._manifest_row(key)
        if row is None:
            # The process died between writing the letter and listing it: list it now.
            accepted_at = datetime.fromtimestamp(target.stat().st_mtime, UTC)
            self._append_manifest(key, target.name, digest, accepted_at)
        else:
            accepted_at = datetime.fromisoformat(row["created_at"])
        return self._receipt(digest, accepted_at)

    def _manifest_row(self, key: str) -> dict[str, str] | None:
        manifest = self.outbox_dir / MANIFEST_NAME
        if not manifest.exists():
            return None
        with _manifest_lock, manifest.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("idempotency_key") == key:
                    return row
        return None

    def _append_manifest(self, key: str, file_name: str, digest: str, created_at: datetime) -> None:
        manifest = self.outbox_dir / MANIFEST_NAME
        line = io.StringIO()
        writer = csv.writer(line, lineterminator="\n")
        with _manifest_lock:
            new_file = not manifest.exists()
            if new_file:
                writer.writerow(MANIFEST_FIELDS)
            writer.writerow((key, file_name, digest, created_at.isoformat()))
            # One O_APPEND write per call keeps lines whole even with other writer processes.
            fd = os.open(manifest, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line.getvalue().encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)


def register_fonts(font_path: Path | None) -> tuple[str, str, bool]:
    """Registers DejaVu Sans (and its bold face, if beside it) with reportlab; Helvetica otherwise."""
    if font_path is None or not font_path.exists():
        return "Helvetica", "Helvetica-Bold", False
    regular = f"BC-{font_path.stem}"
    bold_path = font_path.with_name(f"{font_path.stem}-Bold{font_path.suffix}")
    bold = f"{regular}-Bold" if bold_path.exists() else regular
    registered = set(pdfmetrics.getRegisteredFontNames())
    if regular not in registered:
        pdfmetrics.registerFont(TTFont(regular, str(font_path)))
    if bold != regular and bold not in registered:
        pdfmetrics.registerFont(TTFont(bold, str(bold_path)))
    return regular, bold, True


def _markup(text: str) -> str:
    """Plain text as reportlab paragraph markup: escaped, line breaks kept."""
    return "<br/>".join(escape(line) for line in text.strip().splitlines())


def layout_text(text: str, body: ParagraphStyle, heading: ParagraphStyle) -> list[Flowable]:
    """Headings (a line over a rule of dashes), bullet lists and paragraphs from plain text."""
    story: list[Flowable] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) >= 2 and _HEADING_RULE.match(lines[1].strip()):
            story.append(Paragraph(escape(lines[0]), heading))
            lines = lines[2:]
            if not lines:
                continue
        # Consecutive "- " lines form one bullet list; other runs of lines form one paragraph.
        run: list[str] = []
        for line in [*lines, ""]:
            is_bullet = line.lstrip().startswith("- ")
            if run and (not line or is_bullet != run[0].lstrip().startswith("- ")):
                story.append(_run_flowable(run, body))
                run = []
            if line:
                run.append(line)
    return story


def _run_flowable(lines: list[str], body: ParagraphStyle) -> Flowable:
    if lines[0].lstrip().startswith("- "):
        items = [ListItem(Paragraph(escape(line.lstrip()[2:]), body), leftIndent=12) for line in lines]
        return ListFlowable(items, bulletType="bullet", start="\u2022", leftIndent=12, bulletFontName=body.fontName)
    return Paragraph("<br/>".join(escape(line) for line in lines), body)


class FilingChannel(PostalLetterChannel):
    """A notice to a regulator, agency or the media, written as a PDF filing package for a person to submit
    (through the regulator's portal, by mail, as a press release); it counts once that person records it."""

    name = "filing"
    provider = "filing-package"
