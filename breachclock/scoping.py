"""Scoping: import the exposed records, work out who lives where and what was exposed, count per jurisdiction.

Pipeline (every step streams; nothing holds the whole file):

1. :func:`prepare_import` reads the header, detects the column mapping (or
   takes a mapping YAML file) and validates it. Formats: CSV (any delimiter
   and encoding, UTF-8 default), JSON Lines, Excel ``.xlsx`` (read-only).
2. :func:`plan_chunks` cuts the file into chunks: byte ranges ending on a
   record boundary for CSV/JSONL, row ranges for XLSX.
3. :func:`process_chunk` — a pure function of (spec, chunk, work dir) —
   parses, validates, normalises, de-duplicates within the chunk and seals
   each person; it writes the sealed people and the row problems to a chunk
   file in the work directory and returns only counts and that path. Chunks
   can run in threads, processes or Prefect/Dask tasks.
4. :func:`commit_import` writes the row report from the chunk files (in the
   work directory: a private temporary directory, mode 0700, removed
   afterwards), then — only if no row was rejected or ``accept_rejected`` —
   streams the chunk files in order into the legal record: the first
   occurrence of a person is inserted (raw DBAPI ``executemany`` on SQLite,
   Core ``insert`` elsewhere), a later occurrence (another chunk, or an
   earlier import) is merged into the recorded row; only the set of identity
   keys seen is held in memory. It then writes the per-jurisdiction counts and
   the exposed elements into the facts with ``update_facts`` (which
   re-evaluates obligations and audits), all in the caller's one transaction.
   Any failure before or during that step leaves the database unchanged.

Residency comes from :mod:`breachclock.residency` (state/province field, else
US ZIP, else country; otherwise ``unknown``, counted and reported).

**Who is the same person.** Names are folded (accents and punctuation off,
lower case, "Last, First" turned round), e-mail addresses lower-cased, phone
numbers reduced to digits (a leading US ``1`` dropped from 11 digits),
addresses folded and joined with the 5-digit ZIP. The identity is the
normalised full name plus the first of: e-mail, phone, postal address+ZIP;
without a name, the e-mail, phone or address alone. A name with no contact
detail at all is never merged with anyone (identity = name + source + line:
two "John Smith"s without contact details count as two people; re-importing
the same file does not duplicate them). The stored ``identity_key`` is
``Sealer.identity(identity)`` (keyed HMAC), unreadable without the key.
**On a merge** the exposed elements are the union; each contact field keeps
the first non-empty value (file order, earlier imports first); the
jurisdiction is the first known one. This works within a file, across chunks
and against people already imported for the incident.

**Exposed elements** per person are the union of: a per-row list column
(``ssn;dob``, separators ``; , |``), per-element flag columns (``has_ssn=Y``),
the caller's incident-wide list, and ``name`` when the record carries a name
(``name_exposed``, default true: the extract is what was exposed; set it false
in the mapping file when names only came from a contact system).

**Personal data** is sealed (encrypted) inside :func:`process_chunk` and never
leaves it in clear: not in logs, exception messages, chunk results or the row
report, which shows at most a masked value (``J***h``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import pickle
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from models.audit import lock_incident, touch
from models.base import utcnow
from models.incident.models import load_facts
from models.incident.service import ensure_open, get_incident, update_facts
from models.outbox.progress import reopen_incomplete
from models.person.crypto import get_sealer
from models.person.models import AffectedPerson, PersonKey
from models.settings import current_actor, get_settings
from playbooks import catalog
from playbooks.documents import DocumentError, read_document
from playbooks.engine import coverage
from playbooks.facts import ENTITY_DATA_SET, AffectedGroup, IncidentFacts
from playbooks.jurisdictions import UNKNOWN, fold, resolve

Format = Literal["csv", "jsonl", "xlsx"]
FIELDS = ("record_id", "first_name", "last_name", "full_name", "address", "city", "state", "postal_code", "country",
          "email", "phone")
DEFAULT_CHUNK_BYTES = 4 << 20  # ~37k rows of a typical extract: keeps 2 workers evenly busy to the end
DEFAULT_CHUNK_ROWS = 50_000
# Bounds on an extract (docs/incident-file.md): a cell longer than this is refused, as is a wider header, and a
# workbook whose sheets unpack to more than this or at a ratio only a zip bomb reaches.
MAX_CELL = 4096
MAX_COLUMNS = 1000
MAX_XLSX_UNPACKED = 4 << 30
MAX_XLSX_RATIO = 200
REPORT_COLUMNS = ("row", "column", "severity", "problem", "value")


class ScopingError(ValueError):
    """The file or the mapping cannot be imported. Messages never contain personal data."""


class RowsRejected(ScopingError):
    """Some rows were rejected and ``accept_rejected`` was not given: nothing was written."""

    def __init__(self, rejected: int, rows: int, report_path: Path):
        super().__init__(f"{rejected} of {rows} rows rejected; nothing was imported. Row report: {report_path} "
                         "(fix the rows, or pass accept_rejected to import the others)")
        self.rejected, self.rows, self.report_path = rejected, rows, report_path


# --- mapping -----------------------------------------------------------------------------------

def _key(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", header.casefold())


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "given", "fname", "forename"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname"),
    "record_id": ("recordid", "sourceid", "personid", "customerid", "patientid", "memberid", "mrn"),
    "full_name": ("name", "fullname", "displayname", "personname", "customername"),
    "address": ("address", "address1", "addressline1", "street", "streetaddress", "addr1", "addr", "line1",
                "address2", "addressline2", "addr2", "line2", "address3", "addressline3"),
    "city": ("city", "town", "locality"),
    "state": ("state", "province", "stateprovince", "stateorprovince", "stateprov", "region", "st"),
    "postal_code": ("zip", "zipcode", "zip5", "postalcode", "postcode", "postal"),
    "country": ("country", "countrycode", "nation"),
    "email": ("email", "emailaddress", "mail"),
    "phone": ("phone", "phonenumber", "mobile", "mobilephone", "cell", "cellphone", "telephone", "tel"),
}
_ELEMENT_LIST_HEADERS = ("elements", "dataelements", "exposed", "exposedelements", "exposeddata", "exposedfields")
_DATA_SET_HEADERS = ("dataset", "datasetid", "client", "clientid")
_ELEMENT_ALIASES = {
    "socialsecuritynumber": "ssn", "sin": "ssn", "nin": "ssn", "driverslicence": "drivers_license",
    "dl": "drivers_license", "dateofbirth": "dob", "birthdate": "dob", "creditcard": "payment_card",
    "card": "payment_card", "debitcard": "payment_card", "accountnumber": "financial_account",
    "bankaccount": "financial_account", "pin": "access_code", "securitycode": "access_code",
    "cvv": "access_code", "emailaddress": "email", "phonenumber": "phone", "postaladdress": "address",
    "healthinsurance": "health_insurance", "medicalinformation": "medical", "fullname": "name",
}
_TRUE = frozenset({"y", "yes", "true", "t", "1", "x"})
_FALSE = frozenset({"n", "no", "false", "f", "0", ""})


class MappingFile(BaseModel):
    """A mapping YAML file: which header holds what. Every key is optional; unset keys are auto-detected."""

    model_config = ConfigDict(extra="forbid")
    columns: dict[str, str | list[str] | None] = Field(default_factory=dict)
    elements_column: str | None = None
    data_set_column: str | None = None
    element_flags: dict[str, str] = Field(default_factory=dict)
    elements: list[str] = Field(default_factory=list)
    name_exposed: bool | None = None
    format: Format | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """Header names per field (``address`` may span several columns) and the element sources."""

    columns: dict[str, tuple[str, ...]]
    elements_column: str | None = None
    element_flags: dict[str, str] = field(default_factory=dict)  # header → element code
    data_set_column: str | None = None  # which data set (or client) each row belongs to


def _element_code(token: str) -> str | None:
    vocabulary = catalog.data_elements()
    t = token.strip().casefold().replace("-", "_").replace(" ", "_")
    if t in vocabulary:
        return t
    return _ELEMENT_ALIASES.get(_key(t)) or next((e for e in vocabulary if _key(e) == _key(t)), None)


def detect_mapping(headers: Sequence[str]) -> ColumnMapping:
    """Guess the mapping from common header names (``First Name``, ``zip``, ``has_ssn``...)."""
    by_key: dict[str, str] = {}
    for h in headers:
        by_key.setdefault(_key(h), h)
    columns: dict[str, tuple[str, ...]] = {}
    for fname, synonyms in _SYNONYMS.items():
        found = tuple(by_key[s] for s in synonyms if s in by_key)
        if found:
            columns[fname] = found if fname == "address" else found[:1]
    elements_column = next((by_key[s] for s in _ELEMENT_LIST_HEADERS if s in by_key), None)
    data_set_column = next((by_key[s] for s in _DATA_SET_HEADERS if s in by_key), None)
    flags: dict[str, str] = {}
    for code in catalog.data_elements():
        k = _key(code)
        for pattern in (f"has{k}", f"{k}exposed", f"exposed{k}", f"{k}flag"):
            if pattern in by_key:
                flags[by_key[pattern]] = code
                break
    return ColumnMapping(columns, elements_column, flags, data_set_column)


def load_mapping_file(path: str | os.PathLike[str]) -> MappingFile:
    try:
        raw, _ = read_document(Path(path), what="mapping file")
        return MappingFile.model_validate(raw or {})
    except DocumentError as exc:
        raise ScopingError(f"mapping file {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ScopingError(f"mapping file {path}: {problems}") from None


def _merge_mapping(detected: ColumnMapping, given: MappingFile | None, headers: Sequence[str]) -> ColumnMapping:
    if given is None:
        return detected
    unknown_fields = set(given.columns) - set(FIELDS)
    if unknown_fields:
        raise ScopingError(f"mapping: unknown field(s) {sorted(unknown_fields)}; fields are {', '.join(FIELDS)}")
    columns = dict(detected.columns)
    for fname, value in given.columns.items():
        if value is None:
            columns.pop(fname, None)
        else:
            columns[fname] = (value,) if isinstance(value, str) else tuple(value)
    flags = dict(detected.element_flags)
    for header, code in given.element_flags.items():
        element = _element_code(code)
        if element is None:
            raise ScopingError(f"mapping: element_flags {header!r}: unknown data element {code!r}")
        flags[header] = element
    mapping = ColumnMapping(columns, given.elements_column or detected.elements_column, flags,
                            given.data_set_column or detected.data_set_column)
    missing = [h for h in _mapped_headers(mapping) if h not in headers]
    if missing:
        raise ScopingError(f"mapping names column(s) not in the file: {', '.join(map(repr, missing))}")
    return mapping


def _mapped_headers(m: ColumnMapping) -> list[str]:
    out = [h for hs in m.columns.values() for h in hs]
    if m.elements_column:
        out.append(m.elements_column)
    if m.data_set_column:
        out.append(m.data_set_column)
    return out + list(m.element_flags)


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
    line = line.lstrip("\ufeff")
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
    headers = [h.strip() for h in next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter))]
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
        code = _element_code(token)
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
    mapping = _merge_mapping(detect_mapping(headers), given, headers)
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
    return ImportSpec(str(src), fmt, encoding, delimiter or ",", tuple(headers), mapping,
                      tuple(sorted(set(base_elements))), name_exposed, sheet, data_start, _fingerprint(src),
                      fixed, dict(choice.values), streamed)


@dataclass(frozen=True)
class DataSetChoice:
    """The data sets rows may belong to: by data-set id or by the id of a client with one data set."""

    values: dict[str, str]
    default: str | None

    def names(self) -> list[str]:
        return sorted(set(self.values.values()))


def data_set_choice(facts: IncidentFacts) -> DataSetChoice:
    """Which data sets an incident's extract rows may name, and the default when it has only one."""
    sets = facts.data_sets_for()
    values = {d.id: d.id for d in sets}
    by_client: dict[str, list[str]] = {}
    for d in sets:
        if d.client:
            by_client.setdefault(d.client, []).append(d.id)
    values.update({client: ids[0] for client, ids in by_client.items() if len(ids) == 1 and client not in values})
    return DataSetChoice(values, sets[0].id if len(sets) == 1 else None)


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
    if not line.strip():
        raise ScopingError("the file is empty or its first line is blank: expected a header")
    if fmt == "jsonl":
        try:
            first = json.loads(line)
        except ValueError:
            raise ScopingError("line 1 is not a JSON object (JSON Lines: one object per line)") from None
        if not isinstance(first, dict) or not first:
            raise ScopingError("line 1 is not a JSON object (JSON Lines: one object per line)")
        # The keys of the first lines (up to 1 MB / 1000 objects) are the columns; a mapping may name others.
        keys = dict.fromkeys(str(k) for k in first)
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
    return headers, end, delimiter


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
                return [_cell(v).strip() for v in row], i + 1
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


# --- per-row work ------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ALNUM_RUNS = re.compile(r"[0-9a-z]+")
_NON_DIGIT = re.compile(r"[^0-9]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPLIT = re.compile(r"[;,|/]+|\s{2,}")
_FIELD_ORDER = ("first_name", "last_name", "full_name", "city", "state", "postal_code", "country", "email", "phone",
                "record_id")


def mask(value: str) -> str:
    """At most the first and last character of a value: enough to find it, not to read it."""
    value = value.strip()
    if len(value) <= 4:
        return "*" * len(value)
    return f"{value[0]}{'*' * min(len(value) - 2, 8)}{value[-1]}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _phone(value: str) -> str:
    digits = _NON_DIGIT.sub("", value) if value.isascii() else "".join(c for c in value if c.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return digits


def _serializer() -> Callable[[dict[str, Any]], bytes]:
    """Compact sorted JSON (what ``Sealer.unseal`` reads); orjson when present (it comes with Prefect)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a Prefect dependency
        return lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    option = orjson.OPT_SORT_KEYS
    return lambda d: orjson.dumps(d, option=option)


class _RowWork:
    """Compiled per-spec state for the hot loop (column indices, caches)."""

    def __init__(self, spec: ImportSpec):
        self.spec = spec
        idx = {h: i for i, h in enumerate(spec.headers)}
        m = spec.mapping
        self.width = len(spec.headers)
        self.cols = {f: tuple(idx[h] for h in m.columns[f]) for f in FIELDS if f in m.columns}
        # Index of each single-column field; absent fields point one past the row, where "" is appended.
        self.single = tuple(self.cols[f][0] if f in self.cols else self.width for f in
                            ("first_name", "last_name", "full_name", "email", "phone", "city", "state",
                             "postal_code", "country", "record_id"))
        self.address_cols = self.cols.get("address", ())
        self.elements_col = idx[m.elements_column] if m.elements_column else None
        self.data_set_col = idx[m.data_set_column] if m.data_set_column and spec.data_set is None else None
        self.flags = [(idx[h], h, code) for h, code in m.element_flags.items()]
        self.base = frozenset(spec.elements)
        self.element_cache: dict[str, frozenset[str] | str] = {}
        self.sealer = get_sealer()
        self.identity = self.sealer.identity_digest
        self.serialize = _serializer()

    def elements_of(self, raw: str) -> frozenset[str] | str:
        """The elements in a list cell, or the first unknown token (a str) as the error."""
        hit = self.element_cache.get(raw)
        if hit is None:
            found = set()
            hit = frozenset()
            for token in _SPLIT.split(raw):
                if not token.strip():
                    continue
                code = _element_code(token)
                if code is None:
                    hit = token.strip()
                    break
                found.add(code)
            else:
                hit = frozenset(found)
            if len(self.element_cache) < 10_000:
                self.element_cache[raw] = hit
        return hit


def _row_person(w: _RowWork, values: list[str], line: int, problems: list[tuple[int, str, str, str, str]]
                ) -> tuple[str, list[Any]] | None:
    """Validate and normalise one row of strings; appends problems. (identity, [fields, elements, jurisdiction,
    data set]) or None when the row is rejected. ``values`` gets an empty string appended (the absent-field slot).
    The identity includes the data set: the same person in two clients' data is two people to notify about."""
    values.append("")
    data_set = w.spec.data_set
    if w.data_set_col is not None:
        named = values[w.data_set_col].strip()
        data_set = w.spec.data_sets.get(named) or w.spec.data_sets.get(named.casefold())
        if data_set is None:
            problems.append((line, w.spec.headers[w.data_set_col], "rejected",
                             f"not one of the incident's data sets or clients ({', '.join(sorted(w.spec.data_sets))})",
                             named if len(named) <= 64 else mask(named)))
            return None
    first, last, full, email, phone, city, state, postal, country, record_id = [values[i].strip() for i in w.single]
    address = [a for a in (values[i].strip() for i in w.address_cols) if a]
    elements = w.base
    ok = True
    if w.elements_col is not None:
        raw = values[w.elements_col]
        found = w.elements_of(raw) if raw else frozenset()
        if isinstance(found, str):
            problems.append((line, w.spec.headers[w.elements_col], "rejected",
                             "unknown data element (see playbooks/data_elements.yaml)", mask(found)))
            ok = False
        elif found:
            elements = elements | found
    for i, header, code in w.flags:
        flag = values[i].strip().casefold()
        if flag in _TRUE:
            elements = elements | {code}
        elif flag not in _FALSE:
            problems.append((line, header, "rejected", "flag is not yes/no (Y, N, true, false, 1, 0)", mask(flag)))
            ok = False
    if full and not (first or last) and "," in full:
        a, _, b = full.partition(",")
        name = fold(f"{b} {a}")
    else:
        name = fold(f"{first} {last}" if (first or last) else full)
    if name and w.spec.name_exposed:
        elements = elements | {"name"}
    if not elements and ok:
        problems.append((line, "*", "rejected", "no exposed data elements for this person", ""))
        ok = False
    email_n = email.casefold()
    if email and not _EMAIL.match(email_n):
        problems.append((line, w.spec.mapping.columns["email"][0], "warning",
                         "not an e-mail address: not used to identify or reach the person", mask(email)))
        email_n = ""
    phone_n = _phone(phone) if phone else ""
    if phone and len(phone_n) < 7:
        problems.append((line, w.spec.mapping.columns["phone"][0], "warning",
                         "not a phone number: not used to identify or reach the person", mask(phone)))
        phone_n = ""
    zip_n = postal.replace(" ", "").upper()
    if zip_n.isdigit() and len(zip_n) < 5 and country in ("", "US", "USA"):
        zip_n = postal = zip_n.zfill(5)  # Excel eats leading zeros
    addr_n = fold(" ".join(address)) if address else ""
    # Every way this record can be recognised, strongest first: the source system's record id, then the name with
    # each contact detail (a later import with a changed e-mail address is still recognised by the address).
    identities = [f"r:{record_id.casefold()}"] if record_id else []
    if name:
        identities += [f"n:{name}|{c}" for c in (f"e:{email_n}" if email_n else "", f"p:{phone_n}" if phone_n else "",
                                                 f"a:{addr_n}|{zip_n[:5]}" if addr_n else "") if c]
        if len(identities) == bool(record_id):
            identities.append(f"n:{name}|src:{w.spec.source_tag}:{line}")  # never merged with anyone
    else:
        identities += [c for c in (f"e:{email_n}" if email_n else "", f"p:{phone_n}" if phone_n else "",
                                   f"a:{addr_n}|{zip_n[:5]}" if addr_n else "") if c]
    if not identities:
        if ok:
            problems.append((line, "*", "rejected", "no name, e-mail, phone or address: cannot identify the person",
                             ""))
        return None
    if not ok:
        return None
    if data_set != ENTITY_DATA_SET:
        identities = [f"{data_set}|{i}" for i in identities]
    jurisdiction = resolve(state, postal, country)
    if jurisdiction == UNKNOWN:
        problems.append((line, "state/postal_code/country", "warning", "residency unknown: counted as 'unknown'",
                         ""))
    fields: dict[str, Any] = {}
    for k, v in zip(_FIELD_ORDER, (first, last, full, city, state, postal, country, email, phone, record_id),
                    strict=True):
        if v:
            fields[k] = v
    if address:
        fields["address"] = address
    if email_n:
        fields["_email_ok"] = 1
    if phone_n:
        fields["_phone_ok"] = 1
    return identities, [fields, elements, jurisdiction, data_set]


def _merge_fields(into: dict[str, Any], other: dict[str, Any]) -> None:
    """First non-empty value wins, field by field."""
    for k, v in other.items():
        if v and not into.get(k):
            into[k] = v


def _channels(fields: dict[str, Any]) -> list[str]:
    out = []
    if fields.get("_email_ok"):
        out.append("email")
    if fields.get("address") and (fields.get("postal_code") or fields.get("city")):
        out.append("postal")
    if fields.get("_phone_ok"):
        out.append("sms")
    return out


def _rows(spec: ImportSpec, chunk: Chunk) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line, values as strings, problem) per record of the chunk; values None when the record is malformed."""
    width = len(spec.headers)
    if spec.format == "xlsx":
        wb = _open_xlsx(Path(spec.path))
        try:
            ws = _sheet(wb, spec.sheet)
            for line, row in enumerate(ws.iter_rows(min_row=chunk.start, values_only=True), start=chunk.start):
                if not any(v not in (None, "") for v in row):
                    continue
                values = [_cell(v) for v in row]
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
            yield line, [_json_value(obj.get(h)) for h in headers], None
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


def _json_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ";".join(map(str, v))
    if isinstance(v, bool):
        return "Y" if v else "N"
    if isinstance(v, str):
        return v
    return str(v)


def process_chunk(spec: ImportSpec, chunk: Chunk, work_dir: str | os.PathLike[str]) -> ChunkResult:
    """Parse → validate → normalise → de-duplicate → seal one chunk; write the result to a chunk file.

    Pure apart from that file: safe to run in any thread, process or Dask worker that sees the file
    and the encryption key. Returns counts and the chunk file's path only. The chunk file holds, in
    order, per person: every identity key it is known by (32-byte keyed hashes, concatenated, the primary
    first), jurisdiction, elements, channels, sealed fields and data set; plus the row problems (masked values).
    """
    w = _RowWork(spec)
    problems: list[tuple[int, str, str, str, str]] = []
    people: dict[str, list[Any]] = {}  # primary identity → [fields, elements, jurisdiction, data set, identities]
    owner: dict[str, str] = {}  # every identity seen → the primary identity of the person it belongs to
    rows = 0
    for line, values, problem in _rows(spec, chunk):
        rows += 1
        if values is None:
            problems.append((line, "*", "rejected", problem or "malformed record", ""))
            continue
        if max(map(len, values), default=0) > MAX_CELL:
            problems.append((line, "*", "rejected", f"a value longer than {MAX_CELL:,} characters", ""))
            continue
        p = _row_person(w, values, line, problems)
        if p is None:
            continue
        identities, person = p
        primaries = list(dict.fromkeys(owner[i] for i in identities if i in owner))
        if not primaries:
            people[identities[0]] = [*person, list(identities)]
            owner.update(dict.fromkeys(identities, identities[0]))
            continue
        into = people[primaries[0]]
        for other in [person, *(people.pop(q) for q in primaries[1:])]:  # one row can join two earlier ones
            into[1] = into[1] | other[1]
            _merge_fields(into[0], other[0])
            if into[2] == UNKNOWN:
                into[2] = other[2]
            for i in [*(other[4] if len(other) > 4 else []), *identities]:
                if owner.get(i) != primaries[0]:
                    owner[i] = primaries[0]
                    into[4].append(i)
    identity, encrypt, serialize = w.identity, w.sealer.seal_bytes, w.serialize
    joined: dict[frozenset[str], str] = {}
    sealed = []
    for fields, elements, jurisdiction, data_set, identities in people.values():
        e = joined.get(elements)
        if e is None:
            e = joined[elements] = ",".join(sorted(elements))
        keys = b"".join(identity(i) for i in dict.fromkeys(identities))
        sealed.append((keys, jurisdiction, e, ",".join(_channels(fields)), encrypt(serialize(fields)), data_set))
    people.clear()
    out = Path(work_dir) / f"chunk-{chunk.index:06d}.pkl"
    with out.open("wb") as fh:
        pickle.dump({"people": sealed}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    with _problems_path(str(out)).open("wb") as fh:
        pickle.dump(problems, fh, protocol=pickle.HIGHEST_PROTOCOL)
    rejected = sum(1 for p in problems if p[2] == "rejected")
    return ChunkResult(chunk.index, rows, rejected, len(problems) - rejected, len(sealed), str(out))


# --- commit ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    incident_id: str
    rows: int
    rejected: int
    warnings: int
    people_in_file: int  # distinct people after de-duplication within the file
    people_new: int
    people_merged: int  # people of this file already recorded for the incident
    people_total: int  # all people of the incident after the import
    unknown_residency: int  # people of the incident with unknown residency
    report_path: str | None
    affected: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)


_WORK_LOCKS: dict[str, int] = {}


def new_work_dir(base: str | os.PathLike[str] | None = None) -> Path:
    """A private (0700) temporary directory for chunk files, locked while in use (release it with
    :func:`release_work_dir`). Work directories a killed import left behind are removed first."""
    import fcntl

    root = Path(base) if base else get_settings().home_dir / "scoping"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_stale_work_dirs(root)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=root))
    fd = os.open(work / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _WORK_LOCKS[str(work)] = fd
    return work


def release_work_dir(work: str | os.PathLike[str]) -> None:
    shutil.rmtree(work, ignore_errors=True)
    if (fd := _WORK_LOCKS.pop(str(work), None)) is not None:
        os.close(fd)


def remove_stale_work_dirs(root: Path) -> int:
    """Remove work directories no live import holds (their chunk files are sealed, but leave nothing behind)."""
    import fcntl

    removed = 0
    for work in root.glob("work-*"):
        try:
            fd = os.open(work / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a running import holds it
        shutil.rmtree(work, ignore_errors=True)
        os.close(fd)
        removed += 1
    return removed


def _merge_sealed(existing: tuple[str, str, str, bytes], incoming: tuple[str, str, str, bytes], *,
                  prefer_incoming: bool = False) -> tuple[str, str, str, bytes]:
    """Merge two sealed people (jurisdiction, elements, channels, sealed): unseal, merge, reseal.

    ``prefer_incoming``: the incoming record is newer (a later import): its non-empty details replace the
    recorded ones, and a known residency of it wins."""
    sealer = get_sealer()
    j1, e1, _, s1 = existing
    j2, e2, _, s2 = incoming
    if prefer_incoming:
        fields = sealer.unseal(s2)
        _merge_fields(fields, sealer.unseal(s1))
        jurisdiction = j1 if j2 == UNKNOWN else j2
    else:
        fields = sealer.unseal(s1)
        _merge_fields(fields, sealer.unseal(s2))
        jurisdiction = j2 if j1 == UNKNOWN else j1
    elements = ",".join(sorted(set(filter(None, e1.split(","))) | set(filter(None, e2.split(",")))))
    return jurisdiction, elements, ",".join(_channels(fields)), sealer.seal(fields)


def _problems_path(chunk_path: str) -> Path:
    return Path(chunk_path).with_suffix(".problems.pkl")


def _write_report(results: Sequence[ChunkResult], report: Path) -> tuple[int, int, int]:
    """Write the row problems of all chunks, in order, to the row report. (rows rejected, warnings, problems)"""
    rejected = warnings = 0
    with report.open("w", encoding="utf-8", newline="") as rfh:
        writer = csv.writer(rfh)
        writer.writerow(REPORT_COLUMNS)
        for r in sorted(results, key=lambda r: r.index):
            with _problems_path(r.path).open("rb") as fh:
                problems = pickle.load(fh)  # our own file, in our own 0700 directory
            writer.writerows(problems)
            n = sum(1 for p in problems if p[2] == "rejected")
            rejected += n
            warnings += len(problems) - n
    return rejected, warnings, rejected + warnings


def _write_people(session: Session, incident_id: str, results: Sequence[ChunkResult], lookup_batch: int = 5000
                  ) -> tuple[int, int, int]:
    """Insert the chunks' people into the legal record in file order, merging each with the person already
    recorded under any of its identity keys (an earlier chunk, or an earlier import: a person whose e-mail
    changed is still recognised by name and address, or by the source's record id). A merge with an earlier
    import takes the newer contact details; within one file the first wins. Returns (new, merged, distinct
    people of the file)."""
    table = AffectedPerson.__table__
    keys_table = PersonKey.__table__
    touch(session, incident_id, "affected_people", "person_keys")  # raw SQL: the chain seals both anew
    conn = session.connection()
    dialect = conn.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    raw = conn.connection.driver_connection if dialect.name == "sqlite" else None
    if raw is not None:
        raw.execute("PRAGMA cache_size=-262144")
    to_json = table.c.elements.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    to_time = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    insert_sql = ("INSERT INTO affected_people (incident_id, data_set, identity_key, jurisdiction, elements, "
                  f"channels, sealed, created_at) VALUES ({', '.join([marker] * 8)})")
    key_sql = ("INSERT INTO person_keys (incident_id, data_set, identity_key, person_id) "
               f"VALUES ({', '.join([marker] * 4)}) "
               "ON CONFLICT DO NOTHING")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    as_json: dict[str, Any] = {}
    created = to_time(utcnow())
    owner: dict[str, int] = {}  # identity key → person id, for the keys met so far
    mine: set[int] = set()  # people inserted by this import
    new = merged = staged = 0
    for r in sorted(results, key=lambda r: r.index):
        with open(r.path, "rb") as fh:
            people: list[tuple[bytes, str, str, str, bytes, str]] = pickle.load(fh)["people"]  # our own 0700 file
        keys_of = [[k[i:i + 32].hex() for i in range(0, len(k), 32)] for k, *_ in people]
        unknown = list({k for ks in keys_of for k in ks if k not in owner})
        for a in range(0, len(unknown), lookup_batch):
            owner.update((k, pid) for k, pid in conn.execute(
                select(keys_table.c.identity_key, keys_table.c.person_id).where(
                    keys_table.c.incident_id == incident_id,
                    keys_table.c.identity_key.in_(unknown[a:a + lookup_batch]))))
        inserts: list[tuple[Any, ...]] = []
        fresh: list[tuple[str, list[str]]] = []
        new_keys: list[tuple[Any, ...]] = []
        for keys, (_, j, e, c, sealed, ds) in zip(keys_of, people, strict=True):
            pid = next((owner[k] for k in keys if k in owner), None)
            if pid is None:
                je = as_json.get(e) or as_json.setdefault(e, to_json(e.split(",") if e else []))
                jc = as_json.get(c) or as_json.setdefault(c, to_json(c.split(",") if c else []))
                inserts.append((incident_id, ds, keys[0], j, je, jc, sealed, created))
                fresh.append((keys[0], keys))
                new += 1
                staged += 1
                continue
            old = conn.execute(select(table.c.jurisdiction, table.c.elements, table.c.sealed)
                               .where(table.c.id == pid)).one()
            newer = pid not in mine
            jm, em, cm, sm = _merge_sealed((old.jurisdiction, ",".join(old.elements), "", old.sealed),
                                           (j, e, c, sealed), prefer_incoming=newer)
            conn.execute(update(table).where(table.c.id == pid).values(
                jurisdiction=jm, elements=em.split(",") if em else [], channels=cm.split(",") if cm else [],
                sealed=sm))
            merged += newer
            staged += newer
            for k in keys:
                if k not in owner:
                    owner[k] = pid
                    new_keys.append((incident_id, ds, k, pid))
        if inserts:
            cursor.executemany(insert_sql, inserts)
            ids = {}
            primaries = [k for k, _ in fresh]
            for a in range(0, len(primaries), lookup_batch):
                ids.update(conn.execute(select(table.c.identity_key, table.c.id).where(
                    table.c.incident_id == incident_id, table.c.identity_key.in_(primaries[a:a + lookup_batch]))
                ).all())
            for (primary, keys), row in zip(fresh, inserts, strict=True):
                pid = ids[primary]
                mine.add(pid)
                for k in keys:
                    if k not in owner:
                        owner[k] = pid
                        new_keys.append((incident_id, row[1], k, pid))
        if new_keys:
            cursor.executemany(key_sql, new_keys)
        del people, inserts, new_keys
        Path(r.path).unlink()
    cursor.close()
    return new, merged, staged


def count_people(session: Session, incident_id: str) -> list[AffectedGroup]:
    """People of the incident by data set, jurisdiction and exposed elements, from the recorded people."""
    table = AffectedPerson.__table__
    as_text = cast(table.c.elements, Text)
    rows = session.connection().execute(
        select(table.c.data_set, table.c.jurisdiction, as_text, func.count())
        .where(table.c.incident_id == incident_id).group_by(table.c.data_set, table.c.jurisdiction, as_text))
    counts: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for data_set, jurisdiction, elements, n in rows:
        key = (data_set, jurisdiction, tuple(sorted(json.loads(elements))))
        counts[key] = counts.get(key, 0) + n
    return [AffectedGroup(jurisdiction=j, elements=list(e), count=n, data_set=ds)
            for (ds, j, e), n in sorted(counts.items())]


def commit_import(session: Session, incident_id: str, results: Sequence[ChunkResult], work_dir: str | os.PathLike[str],
                  *, accept_rejected: bool = False, actor: str | None = None,
                  report_dir: str | os.PathLike[str] | None = None, timings: dict[str, float] | None = None
                  ) -> ImportResult:
    """Write the row report from the chunk outputs, then (all or nothing) record people and counts.

    ``work_dir`` is the directory of the chunk files (the results name them by absolute path).

    Works inside the caller's transaction: raise, and the caller's rollback leaves the record unchanged.
    """
    timings = timings if timings is not None else {}
    lock_incident(session, incident_id)  # two imports of one incident at once: the second waits, then merges
    incident = get_incident(session, incident_id)
    ensure_open(incident)
    reports = Path(report_dir) if report_dir else get_settings().home_dir / "scoping"
    reports.mkdir(parents=True, exist_ok=True)
    report = reports / f"{incident_id}-{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}-rows.csv"
    t = time.perf_counter()
    rejected, warnings, problems = _write_report(results, report)
    rows = sum(r.rows for r in results)
    timings["row_report"] = time.perf_counter() - t
    if not problems:
        report.unlink()
    report_path = str(report) if problems else None
    if rejected and not accept_rejected:
        raise RowsRejected(rejected, rows, report)
    t = time.perf_counter()
    new, merged, staged = _write_people(session, incident_id, results)
    timings["insert"] = time.perf_counter() - t
    t = time.perf_counter()
    groups = count_people(session, incident_id)
    affected: dict[str, int] = {}
    exposed: set[str] = set()
    for g in groups:
        affected[g.jurisdiction] = affected.get(g.jurisdiction, 0) + g.count
        exposed.update(g.elements)
    changes: dict[str, Any] = {"affected": affected, "affected_groups": [g.model_dump(mode="json") for g in groups]}
    if exposed:  # what the people's records really exposed, so notices list it
        changes["data_elements"] = sorted(exposed)
    update_facts(session, incident, changes, actor=actor or current_actor(),
                 reason=f"scoping import: {rows} rows, {staged} people ({new} new, {merged} already recorded), "
                        f"{rejected} rows rejected")
    # People imported after a notice went out still need it: its obligation is open again.
    reopen_incomplete(session, incident, actor=actor or current_actor())
    timings["count_and_obligations"] = time.perf_counter() - t
    return ImportResult(incident_id, rows, rejected, warnings, staged, new, merged, sum(affected.values()),
                        affected.get(UNKNOWN, 0), report_path, affected, timings)


def import_records(session: Session, incident_id: str, path: str | os.PathLike[str], *,
                   format: str | None = None, encoding: str | None = None, delimiter: str | None = None,
                   mapping_file: str | os.PathLike[str] | None = None, elements: Iterable[str] = (),
                   sheet: str | None = None, name_exposed: bool | None = None, accept_rejected: bool = False,
                   on_progress: Callable[[int], None] | None = None, actor: str | None = None,
                   report_dir: str | os.PathLike[str] | None = None, workers: int | None = None,
                   chunk_bytes: int = DEFAULT_CHUNK_BYTES, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                   data_set: str | None = None) -> ImportResult:
    """Import an extract for an incident and re-derive its per-jurisdiction counts (see the module docstring).

    ``on_progress(rows_done)`` is called after every chunk. ``workers`` > 1 runs chunks in that many
    processes (default: the CPU count when the file has several chunks). Raises ScopingError (the file
    or mapping is malformed) or RowsRejected (rows rejected, no ``accept_rejected``); then nothing is written.
    """
    choice = data_set_choice(load_facts(get_incident(session, incident_id)))  # fails fast on an unknown incident
    get_sealer()  # create the key once, before any worker needs it
    work = new_work_dir()
    timings: dict[str, float] = {}
    try:
        t = time.perf_counter()
        spec = prepare_import(path, format=format, encoding=encoding, delimiter=delimiter, mapping_file=mapping_file,
                              elements=elements, sheet=sheet, name_exposed=name_exposed, work_dir=work,
                              data_sets=choice, data_set=data_set)
        chunks = plan_chunks(spec, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows)
        results = run_chunks(spec, chunks, work, workers=workers, on_progress=on_progress)
        timings["parse_seal"] = time.perf_counter() - t
        return commit_import(session, incident_id, results, work, accept_rejected=accept_rejected, actor=actor,
                             report_dir=report_dir, timings=timings)
    finally:
        release_work_dir(work)


def run_chunks(spec: ImportSpec, chunks: Sequence[Chunk], work_dir: str | os.PathLike[str], *,
               workers: int | None = None, on_progress: Callable[[int], None] | None = None) -> list[ChunkResult]:
    """Run process_chunk over the chunks, in this process or a process pool; results in chunk order."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    done = 0
    results: list[ChunkResult] = []
    if workers <= 1 or len(chunks) <= 1:
        for c in chunks:
            results.append(r := process_chunk(spec, c, work_dir))
            done += r.rows
            if on_progress:
                on_progress(done)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool: Executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    with pool:
        futures = [pool.submit(process_chunk, spec, c, work_dir) for c in chunks]
        try:
            for f in futures:
                results.append(r := f.result())
                done += r.rows
                if on_progress:
                    on_progress(done)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return results


# --- report ------------------------------------------------------------------------------------

def scoping_report(session: Session, incident_id: str) -> dict[str, Any]:
    """Counts per jurisdiction, per element combination, and per regime (version in force) the people covered.

    Structure::

        {"incident_id", "total", "unknown",
         "by_jurisdiction": {"US-TX": 12, "unknown": 1},
         "by_elements": {"name+ssn": 10, ...},
         "groups": [{"jurisdiction", "elements", "count"}...],
         "regimes": {"US-TX": {"version", "covered", "not_covered", "by_jurisdiction": {...}}, ...}}

    ``regimes`` lists the regimes whose residents are among the people (covered or not).
    """
    incident = get_incident(session, incident_id)
    facts = load_facts(incident)
    groups = facts.groups()
    by_jurisdiction: dict[str, int] = {}
    by_elements: dict[str, int] = {}
    for g in groups:
        by_jurisdiction[g.jurisdiction] = by_jurisdiction.get(g.jurisdiction, 0) + g.count
        combo = "+".join(sorted(g.elements))
        by_elements[combo] = by_elements.get(combo, 0) + g.count
    day = facts.discovered_at.astimezone(ZoneInfo(facts.entity.timezone)).date()
    regimes: dict[str, Any] = {}
    for rid, regime in catalog.regimes().items():
        version = regime.version_on(day)
        if version is None:
            continue
        cov = coverage(version, groups)
        if not cov.residents and not cov.uncovered:
            continue
        regimes[rid] = {"version": version.version, "covered": cov.total,
                        "not_covered": sum(cov.uncovered.values()), "by_jurisdiction": dict(sorted(cov.residents.items()))}
    return {"incident_id": incident_id, "total": sum(by_jurisdiction.values()),
            "unknown": by_jurisdiction.get(UNKNOWN, 0), "by_jurisdiction": dict(sorted(by_jurisdiction.items())),
            "by_elements": dict(sorted(by_elements.items(), key=lambda kv: -kv[1])),
            "groups": [g.model_dump(mode="json") for g in groups], "regimes": regimes}
