"""Documents people read closely (the decision record, regulator packages, notice previews) as PDF.

A document is a list of blocks (headings, paragraphs, key/value and column tables, pre-laid-out letter text,
images) laid out by reportlab, the library the letters already use: no system packages, about 10 ms a page.
Text is escaped before it reaches reportlab's markup, DejaVu Sans is embedded when installed (names such as
"Łukasz Żółć"), and the bytes are deterministic for the same blocks (no timestamps in the metadata), so a
document's sha256 can be recorded as evidence.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from breachclock.notifications.postal import DEJAVU_SANS, layout_text, register_fonts
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Fields:
    """Label → value rows (a form's fields, a record's facts)."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Columns:
    """A table with a header row; widths are fractions of the text width."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] | None = None


@dataclass(frozen=True)
class Letter:
    """Plain notice text laid out as the letter is (headings over dashes, bullets, paragraphs), between rules."""

    text: str
    subject: str | None = None


@dataclass(frozen=True)
class Picture:
    png: bytes = field(repr=False)
    width_mm: float = 160


Block = Heading | Para | Fields | Columns | Letter | Picture
_WIDTH = A4[0] - 40 * mm


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold, _ = register_fonts(DEJAVU_SANS)
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13, spaceAfter=5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=bold, fontSize=8, leading=10, spaceAfter=0),
        "title": ParagraphStyle("title", parent=body, fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=body, fontName=bold, fontSize=13, leading=16, spaceBefore=10),
        "h2": ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=6),
        "letter": ParagraphStyle("letter", parent=body, fontSize=10, leading=13),
        "letter_head": ParagraphStyle("letter_head", parent=body, fontName=bold, fontSize=11, spaceBefore=4),
    }


def _text(value: object, limit: int | None = None) -> str:
    text = str(value)
    if limit is not None and len(text) > limit:
        # A table row cannot break across pages: a cell taller than a page would fail the whole document.
        text = text[: limit - 40].rstrip() + " … [cut here; the full text is in the dossier]"
    return "<br/>".join(escape(line) for line in text.splitlines()) or "—"


def _cell_limit(width: float) -> int:
    # About 60 lines of 8-point text in a column of this fraction of the text width (~120 characters a line).
    return max(300, int(7000 * width))


def _flowables(block: Block, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    if isinstance(block, Heading):
        return [Paragraph(escape(block.text), s["h1" if block.level <= 1 else "h2"])]
    if isinstance(block, Para):
        return [Paragraph(_text(block.text), s["small" if block.small else "body"])]
    grid = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)])
    if isinstance(block, Fields):
        rows = [[Paragraph(_text(k, _cell_limit(0.32)), s["head"]), Paragraph(_text(v, _cell_limit(0.68)), s["cell"])]
                for k, v in block.rows]
        return [Table(rows, colWidths=[0.32 * _WIDTH, 0.68 * _WIDTH], style=grid), Spacer(1, 4 * mm)] if rows else []
    if isinstance(block, Columns):
        widths = block.widths or [1 / len(block.header)] * len(block.header)
        rows = [[Paragraph(_text(h), s["head"]) for h in block.header]]
        rows += [[Paragraph(_text(c, _cell_limit(w)), s["cell"]) for c, w in zip(r, widths, strict=False)]
                 for r in block.rows]
        grid.add("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)
        return [Table(rows, colWidths=[w * _WIDTH for w in widths], style=grid, repeatRows=1), Spacer(1, 4 * mm)]
    if isinstance(block, Letter):
        # Between rules rather than in a box: a long letter must be able to flow over pages.
        inner: list[Flowable] = [Paragraph(escape(block.subject), s["letter_head"])] if block.subject else []
        inner += layout_text(block.text, s["letter"], s["letter_head"])
        rule = HRFlowable(width="100%", thickness=0.5, color=colors.grey, spaceBefore=2, spaceAfter=4)
        return [rule, *inner, rule, Spacer(1, 2 * mm)]
    image = Image(io.BytesIO(block.png))
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = block.width_mm * mm, block.width_mm * mm * ratio
    return [KeepTogether([image]), Spacer(1, 4 * mm)]


def render_pdf(title: str, blocks: Sequence[Block], *, subtitle: str | None = None) -> bytes:
    """The document as PDF bytes (deterministic for the same input)."""
    s = _styles()
    story: list[Flowable] = [Paragraph(escape(title), s["title"])]
    if subtitle:
        story.append(Paragraph(_text(subtitle), s["small"]))
    story.append(Spacer(1, 4 * mm))
    for block in blocks:
        story.extend(_flowables(block, s))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=title, author="", subject="", creator="breachclock",
                      invariant=1).build(story)
    return buffer.getvalue()


def write_file(path: Path, data: bytes) -> str:
    """Write atomically, owner-only (documents about an incident are confidential); returns the sha256."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)
    return hashlib.sha256(data).hexdigest()
