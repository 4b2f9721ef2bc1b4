"""Per-row work: normalise one row into a person (residency, exposed elements, contact channels), seal it,
and write one chunk's people and problems to a sealed work file."""

from __future__ import annotations

import json
import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from breachclock.models.person.crypto import get_sealer
from breachclock.models.scoping.mapping import FALSE_WORDS, FIELDS, TRUE_WORDS, element_code
from breachclock.models.scoping.readers import Chunk, ChunkResult, ImportSpec, read_rows
from breachclock.playbooks.facts import ENTITY_DATA_SET
from breachclock.playbooks.jurisdictions import UNKNOWN, fold, resolve

MAX_CELL = 4096


# --- per-row work ------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ALNUM_RUNS = re.compile(r"[0-9a-z]+")
_NON_DIGIT = re.compile(r"[^0-9]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPLIT = re.compile(r"[;,|/]+|\s{2,}")
_FIELD_ORDER = ("first_name", "last_name", "full_name", "city", "state", "postal_code", "country", "email", "phone",
                "record_id", "language")
# What a language cell may say, folded (ISO 639-1/-2 codes and the languages' names in English and in themselves).
_LANGUAGES = {"en": "en", "eng": "en", "english": "en", "ingles": "en", "anglais": "en",
              "es": "es", "spa": "es", "esp": "es", "spanish": "es", "espanol": "es", "castellano": "es",
              "espagnol": "es",
              "fr": "fr", "fre": "fr", "fra": "fr", "french": "fr", "francais": "fr", "frances": "fr"}


def language_code(value: str) -> str | None:
    """The language a cell names ('Español', 'es-PR', 'SPA', 'Spanish - Latin America', 'Español (México)' →
    'es'; of several, the first); None when it names none we write in."""
    words = fold(value).split()
    return _LANGUAGES.get(words[0]) if words else None


def mask(value: str) -> str:
    """At most the first and last character of a value: enough to find it, not to read it."""
    value = value.strip()
    if len(value) <= 4:
        return "*" * len(value)
    return f"{value[0]}{'*' * min(len(value) - 2, 8)}{value[-1]}"




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
                             "postal_code", "country", "record_id", "language"))
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
                code = element_code(token)
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
            known = ", ".join(sorted(k for k in w.spec.data_sets if k))
            reason = (f"blank: the incident has several data sets; say which one ({known})" if not named
                      else f"not one of the incident's data sets or clients ({known})")
            problems.append((line, w.spec.headers[w.data_set_col], "rejected", reason,
                             named if len(named) <= 64 else mask(named)))
            return None
    first, last, full, email, phone, city, state, postal, country, record_id, language = [
        values[i].strip() for i in w.single]
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
        if flag in TRUE_WORDS:
            elements = elements | {code}
        elif flag not in FALSE_WORDS:
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
    if language and (code := language_code(language)) is None:
        problems.append((line, w.spec.mapping.columns["language"][0], "warning",
                         "not a language letters are written in (en, es, fr): the letter of where they live",
                         mask(language)))
    language = code if language else ""
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
    for k, v in zip(_FIELD_ORDER, (first, last, full, city, state, postal, country, email, phone, record_id,
                                   language), strict=True):
        if v:
            fields[k] = v
    if address:
        fields["address"] = address
    if email_n:
        fields["_email_ok"] = 1
    if phone_n:
        fields["_phone_ok"] = 1
    return identities, [fields, elements, jurisdiction, data_set]


def merge_fields(into: dict[str, Any], other: dict[str, Any]) -> None:
    """First non-empty value wins, field by field."""
    for k, v in other.items():
        if v and not into.get(k):
            into[k] = v


def language_of(fields: dict[str, Any]) -> str | None:
    """The language the person asked to be written to in, if the extract said (kept in clear, like residency:
    it decides which approved letter they get)."""
    return fields.get("language") or None


def channels_of(fields: dict[str, Any]) -> list[str]:
    out = []
    if fields.get("_email_ok"):
        out.append("email")
    if fields.get("address") and (fields.get("postal_code") or fields.get("city")):
        out.append("postal")
    if fields.get("_phone_ok"):
        out.append("sms")
    return out




def process_chunk(spec: ImportSpec, chunk: Chunk, work_dir: str | os.PathLike[str]) -> ChunkResult:
    """Parse → validate → normalise → de-duplicate → seal one chunk; write the result to a chunk file.

    Pure apart from that file: safe to run in any thread, process or Dask worker that sees the file
    and the encryption key. Returns counts and the chunk file's path only. The chunk file holds, in
    order, per person: every identity key it is known by (32-byte keyed hashes, concatenated, the primary
    first), jurisdiction, elements, channels, sealed fields, data set and language; plus the row problems (masked values).
    """
    w = _RowWork(spec)
    problems: list[tuple[int, str, str, str, str]] = []
    people: dict[str, list[Any]] = {}  # primary identity → [fields, elements, jurisdiction, data set, identities]
    owner: dict[str, str] = {}  # every identity seen → the primary identity of the person it belongs to
    rows = 0
    for line, values, problem in read_rows(spec, chunk):
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
            merge_fields(into[0], other[0])
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
        sealed.append((keys, jurisdiction, e, ",".join(channels_of(fields)), encrypt(serialize(fields)), data_set,
                       language_of(fields)))
    people.clear()
    out = Path(work_dir) / f"chunk-{chunk.index:06d}.pkl"
    with out.open("wb") as fh:
        pickle.dump({"people": sealed}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    with problems_path(str(out)).open("wb") as fh:
        pickle.dump(problems, fh, protocol=pickle.HIGHEST_PROTOCOL)
    rejected = sum(1 for p in problems if p[2] == "rejected")
    return ChunkResult(chunk.index, rows, rejected, len(problems) - rejected, len(sealed), str(out))




def problems_path(chunk_path: str) -> Path:
    return Path(chunk_path).with_suffix(".problems.pkl")
