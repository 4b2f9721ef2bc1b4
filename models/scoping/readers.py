"""Reading an extract: the import spec, its header, the chunks it is split into and the rows of each chunk
(CSV, JSON Lines, streamed XLSX), bounded so a hostile file cannot exhaust the machine.

Longer than most modules because the three formats share one chunking contract (byte ranges that end on a
record boundary, quoted newlines included); splitting them would put that contract in three places.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from breachclock.models.scoping.errors import ScopingError
from breachclock.models.scoping.mapping import (
    MAX_COLUMNS,
    ColumnMapping,
    DataSetChoice,
    Format,
    detect_mapping,
    element_code,
    load_mapping_file,
    merge_mapping,
)
from breachclock.playbooks.facts import ENTITY_DATA_SET

DEFAULT_CHUNK_BYTES = 4 << 20  # ~37k rows of a typical extract: keeps 2 workers evenly busy to the end
DEFAULT_CHUNK_ROWS = 50_000


# Bounds on an extract (docs/incident-file.md): a cell longer than this is refused, as is a wider header, and a
# workbook whose sheets unpack to more than this or at a ratio only a zip bomb reaches.


MAX_XLSX_UNPACKED = 4 << 30
MAX_XLSX_RATIO = 200


# --- import spec and chunks --------------------------------------------------------------------

@dataclass(frozen=True)
class ImportSpec:
    """What to read and how. Holds file paths and header names only: safe to pass to tasks."""

    path: str
    format: Format
    encoding: str
    delimiter: str
    headers: tuple[str, ...]
    mapping: ColumnMapping
    elements: tuple[str, ...]
    name_exposed: bool
    sheet: str | None
    data_start: int  # CSV/JSONL: byte offset after the header; XLSX: first data row
    source_tag: str  # fingerprint of the file, used in name-only identities
    data_set: str | None = None  # the data set of every row, unless a column says
    data_sets: dict[str, str] = field(default_factory=dict)  # a column's value (data set or client id) → data set
    streamed: bool = False  # an encoding that cannot be cut into byte ranges: one chunk, decoded as a stream

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImportSpec:
        m = d["mapping"]
        mapping = ColumnMapping({k: tuple(v) for k, v in m["columns"].items()}, m["elements_column"],
                                dict(m["element_flags"]), m.get("data_set_column"))
        return cls(**{**d, "mapping": mapping, "headers": tuple(d["headers"]), "elements": tuple(d["elements"])})


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # byte offset (CSV/JSONL) or first row (XLSX)
    end: int  # byte offset (exclusive) or last row (inclusive)
    first_line: int  # 1-based line (row) number of the first record


@dataclass(frozen=True)
class ChunkResult:
    """What a chunk task returns: counts and where its sealed output is. Never personal data."""

    index: int
    rows: int
    rejected: int
    warnings: int
    people: int
    path: str


def _format_of(path: Path, given: str | None) -> Format:
    if given:
        if given not in ("csv", "jsonl", "xlsx"):
            raise ScopingError(f"unknown format {given!r} (csv, jsonl or xlsx)")
        return given  # type: ignore[return-value]
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    return "csv"


def _ascii_compatible(encoding: str) -> bool:
    probe = '\n\r",;|\t'
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def _fingerprint(path: Path) -> str:
    import hashlib

    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        h.update(fh.read(1 << 16))
        if size > 1 << 16:
            fh.seek(max(size - (1 << 16), 0))
            h.update(fh.read())
    return h.hexdigest()[:16]


def _record_end(fh: Any, pos: int, quote: bytes | None, parity: int = 0, limit: int = 1 << 20) -> int:
    """The offset just after the first newline at/after ``pos`` that is outside quotes (parity even)."""
    fh.seek(pos)
    scanned = 0
    while True:
        block = fh.read(1 << 16)
        if not block:
            return pos + scanned
        i = 0
        while (j := block.find(b"\n", i)) >= 0:
            if quote:
                parity = (parity + block.count(quote, i, j)) & 1
            if parity == 0 or scanned + j > limit:  # a stray quote must not swallow the rest of the file
                return pos + scanned + j + 1
            i = j + 1
        if quote:
            parity = (parity + block.count(quote, i)) & 1
        scanned += len(block)


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _streamed_header(src: Path, fmt: Format, encoding: str, delimiter: str | None) -> tuple[list[str], str]:
    """The header of a file in an encoding that cannot be cut into byte ranges (UTF-16...): read as a stream,
    never copied to disk in clear."""
    try:
        with src.open(encoding=encoding, newline="") as fh:
            line = fh.readline(1 << 20)
    except UnicodeError:
        raise ScopingError(f"line 1 is not valid {encoding} text (name the file's encoding)") from None
    return _first_line(line.lstrip("\ufeff"), fmt, delimiter)


def _first_line(line: str, fmt: Format, delimiter: str | None) -> tuple[list[str], str]:
    """Check a file's first line; its columns (JSON Lines: the first object's keys) and the delimiter."""
    if not line.strip():
        raise ScopingError("the file is empty or its first line is blank: expected a header")
    if fmt == "jsonl":
        try:
            first = json.loads(line)
        except ValueError:
            first = None
        if not isinstance(first, dict) or not first:
            raise ScopingError("line 1 is not a JSON object (JSON Lines: one object per line)")
        return [str(k) for k in first], ""
    delimiter = delimiter or _sniff_delimiter(line)
    if len(delimiter) != 1:
        raise ScopingError(f"the delimiter must be one character, got {delimiter!r}")
    try:
        headers = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter))
    except (csv.Error, StopIteration):
        raise ScopingError("the header line cannot be parsed as CSV") from None
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise ScopingError("the header line is empty")
    return headers, delimiter


def prepare_import(path: str | os.PathLike[str], *, format: str | None = None, encoding: str | None = None,
                   delimiter: str | None = None, mapping_file: str | os.PathLike[str] | None = None,
                   elements: Iterable[str] = (), sheet: str | None = None, name_exposed: bool | None = None,
                   work_dir: str | os.PathLike[str] | None = None, data_sets: DataSetChoice | None = None,
                   data_set: str | None = None) -> ImportSpec:
    """Validate the file's header and the mapping. Raises ScopingError on a malformed file or mapping.

    ``data_sets`` says which data sets the incident has (see :func:`data_set_choice`); ``data_set`` names the
    one every row belongs to, unless the file has a data-set (or client) column.
    """
    src = Path(path)
    if not src.exists():
        raise ScopingError(f"no such file: {src}")
    if not src.is_file():
        raise ScopingError(f"{src}: not a regular file (an extract must be a file)")
    given = load_mapping_file(mapping_file) if mapping_file else None
    fmt = _format_of(src, format or (given.format if given else None))
    encoding = encoding or (given.encoding if given else None) or "utf-8"
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        raise ScopingError(f"unknown encoding {encoding!r}") from None
    delimiter = delimiter or (given.delimiter if given else None)
    sheet = sheet or (given.sheet if given else None)
    base_elements: list[str] = []
    for token in [*elements, *(given.elements if given else [])]:
        code = element_code(token)
        if code is None:
            raise ScopingError(f"unknown data element {token!r}; see playbooks/data_elements.yaml")
        base_elements.append(code)
    streamed = fmt != "xlsx" and not _ascii_compatible(encoding)
    if fmt == "xlsx":
        _check_xlsx_size(src)
        headers, data_start = _xlsx_header(src, sheet)
        delimiter = ""
    elif streamed:
        (headers, delimiter), data_start = _streamed_header(src, fmt, encoding, delimiter), 0
    else:
        headers, data_start, delimiter = _text_header(src, fmt, encoding, delimiter)
    if len(headers) > MAX_COLUMNS:
        raise ScopingError(f"the header has {len(headers)} columns; an extract may have at most {MAX_COLUMNS}")
    if len(set(headers)) != len(headers):
        dupes = sorted({h for h in headers if headers.count(h) > 1})
        raise ScopingError(f"duplicate column names in the header: {', '.join(map(repr, dupes))}")
    if fmt == "jsonl" and given is not None:  # keys absent from the sampled lines may still be mapped
        named = [*(h for v in given.columns.values() if v for h in ([v] if isinstance(v, str) else v)),
                 *([given.elements_column] if given.elements_column else []), *given.element_flags]
        headers = [*headers, *(h for h in named if h not in headers)]
    mapping = merge_mapping(detect_mapping(headers), given, headers)
    if not any(f in mapping.columns for f in ("first_name", "last_name", "full_name", "email", "phone", "address")):
        raise ScopingError("no identifying column found (name, email, phone or address); give a mapping file. "
                           f"Columns: {', '.join(map(repr, headers[:40]))}")
    if not (mapping.elements_column or mapping.element_flags or base_elements):
        raise ScopingError("no exposed data elements: give an elements column, per-element flag columns "
                           "(e.g. has_ssn) in the mapping, or the incident-wide list of elements")
    if name_exposed is None:
        name_exposed = given.name_exposed if given and given.name_exposed is not None else True
    choice = data_sets or DataSetChoice({ENTITY_DATA_SET: ENTITY_DATA_SET}, ENTITY_DATA_SET)
    if data_set is not None and data_set not in choice.values:
        raise ScopingError(f"unknown data set {data_set!r} (the incident's: {', '.join(choice.names())})")
    fixed = choice.values[data_set] if data_set else None
    if fixed is None and mapping.data_set_column is None:
        if choice.default is None:
            raise ScopingError(f"the incident has several data sets ({', '.join(choice.names())}): say which one the "
                               "extract belongs to (--data-set) or map a data_set column")
        fixed = choice.default
    values = dict(choice.values)
    if choice.default is not None:
        values[""] = choice.default  # a blank data-set cell in an incident with one data set means that one
    return ImportSpec(str(src), fmt, encoding, delimiter or ",", tuple(headers), mapping,
                      tuple(sorted(set(base_elements))), name_exposed, sheet, data_start, _fingerprint(src),
                      fixed, values, streamed)




def _text_header(src: Path, fmt: Format, encoding: str, delimiter: str | None) -> tuple[list[str], int, str]:
    with src.open("rb") as fh:
        start = 3 if fh.read(3) == codecs.BOM_UTF8 and encoding.startswith("utf") else 0
        end = _record_end(fh, start, b'"' if fmt == "csv" else None)
        fh.seek(start)
        raw = fh.read(end - start)
    try:
        line = raw.decode(encoding)
    except UnicodeDecodeError:
        raise ScopingError(f"line 1 is not valid {encoding} text (name the file's encoding)") from None
    headers, delimiter = _first_line(line, fmt, delimiter)
    if fmt != "jsonl":
        return headers, end, delimiter
    # The keys of the first lines (up to 1 MB / 1000 objects) are the columns; a mapping may name others.
    keys = dict.fromkeys(headers)
    with src.open("rb") as fh:
        fh.seek(start)
        sample = fh.read(1 << 20).split(b"\n")[1:1000]
    for raw_line in sample[:-1]:
        try:
            obj = json.loads(raw_line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            keys.update(dict.fromkeys(str(k) for k in obj))
    return list(keys), start, ""


def _open_xlsx(src: Path):  # type: ignore[no-untyped-def]
    import openpyxl

    try:
        return openpyxl.load_workbook(src, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ScopingError("not a readable .xlsx workbook") from None
    except Exception as exc:  # openpyxl raises assorted errors on broken workbooks
        raise ScopingError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None


def _sheet(wb: Any, sheet: str | None) -> Any:
    if sheet is None:
        return wb.worksheets[0]
    if sheet not in wb.sheetnames:
        raise ScopingError(f"no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
    return wb[sheet]


def _check_xlsx_size(src: Path) -> None:
    try:
        with zipfile.ZipFile(src) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise ScopingError("not a readable .xlsx workbook") from None
    packed = max(src.stat().st_size, 1)
    if unpacked > MAX_XLSX_UNPACKED or unpacked > MAX_XLSX_RATIO * packed and unpacked > 64 << 20:
        raise ScopingError(f"the workbook unpacks to {unpacked:,} bytes from {packed:,}: too large to be an extract "
                           "(save it as CSV)")


def _xlsx_header(src: Path, sheet: str | None) -> tuple[list[str], int]:
    wb = _open_xlsx(src)
    try:
        ws = _sheet(wb, sheet)
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if any(v not in (None, "") for v in row):
                return [cell_text(v).strip() for v in row], i + 1
        raise ScopingError("the sheet is empty: expected a header row")
    finally:
        wb.close()


def plan_chunks(spec: ImportSpec, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                chunk_rows: int = DEFAULT_CHUNK_ROWS) -> list[Chunk]:
    """Cut the file into chunks that end on record boundaries (one pass over the bytes, no parsing).

    A workbook, and a text file in an encoding that cannot be cut by bytes, is one chunk read as a stream:
    a workbook re-read from its start for every chunk would cost time quadratic in its rows.
    """
    if spec.format == "xlsx" or spec.streamed:
        return [Chunk(0, spec.data_start, -1, spec.data_start if spec.format == "xlsx" else 2)]
    src = Path(spec.path)
    size = src.stat().st_size
    quote = b'"' if spec.format == "csv" else None
    chunks: list[Chunk] = []
    with src.open("rb") as fh:
        fh.seek(0)
        line = fh.read(spec.data_start).count(b"\n") + 1
        pos = spec.data_start
        while pos < size:
            target = min(pos + chunk_bytes, size)
            fh.seek(pos)
            body = fh.read(target - pos)
            parity = body.count(quote) & 1 if quote else 0
            end = size if target >= size else _record_end(fh, target, quote, parity)
            chunks.append(Chunk(len(chunks), pos, end, line))
            fh.seek(target)
            line += body.count(b"\n") + fh.read(end - target).count(b"\n")
            pos = end
    return chunks




def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)




def read_rows(spec: ImportSpec, chunk: Chunk) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line, values as strings, problem) per record of the chunk; values None when the record is malformed."""
    width = len(spec.headers)
    if spec.format == "xlsx":
        wb = _open_xlsx(Path(spec.path))
        try:
            ws = _sheet(wb, spec.sheet)
            for line, row in enumerate(ws.iter_rows(min_row=chunk.start, values_only=True), start=chunk.start):
                if not any(v not in (None, "") for v in row):
                    continue
                values = [cell_text(v) for v in row]
                if len(values) < width:
                    values.extend([""] * (width - len(values)))
                yield line, values, None
        finally:
            wb.close()
        return
    if spec.streamed:
        try:
            with open(spec.path, encoding=spec.encoding, newline="") as stream:
                stream.readline(1 << 20)  # the header
                yield from _text_rows(spec, stream, chunk.first_line)
        except UnicodeError:
            raise ScopingError(f"the file is not valid {spec.encoding} text (name the file's encoding)") from None
        return
    with open(spec.path, "rb") as fh:
        fh.seek(chunk.start)
        data = fh.read(chunk.end - chunk.start)
    try:
        text = data.decode(spec.encoding)
    except UnicodeDecodeError as exc:
        bad_line = chunk.first_line + data[: exc.start].count(b"\n")
        raise ScopingError(f"line {bad_line} is not valid {spec.encoding} text (name the file's encoding)") from None
    del data
    yield from _text_rows(spec, io.StringIO(text, newline=""), chunk.first_line)


def _text_rows(spec: ImportSpec, text: Any, first_line: int) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """Records of CSV or JSON Lines text (a stream of the chunk's text), numbered from ``first_line``."""
    width = len(spec.headers)
    if spec.format == "jsonl":
        headers = spec.headers
        for offset, raw in enumerate(text):
            line = first_line + offset
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                yield line, None, "not a JSON object"
                continue
            if not isinstance(obj, dict):
                yield line, None, "not a JSON object"
                continue
            yield line, [json_cell(obj.get(h)) for h in headers], None
        return
    reader = csv.reader(text, delimiter=spec.delimiter, strict=False)
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ScopingError(f"line {first_line + reader.line_num - 1}: malformed CSV ({exc})") from None
        line = first_line + last_line
        last_line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            yield line, None, f"expected {width} fields, found {len(row)}"
            continue
        yield line, row, None




def json_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ";".join(map(str, v))
    if isinstance(v, bool):
        return "Y" if v else "N"
    if isinstance(v, str):
        return v
    return str(v)
