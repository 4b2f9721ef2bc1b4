"""Column mapping: which header of an extract holds which field, detected or given in a mapping file."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from breachclock.models.scoping.errors import ScopingError
from breachclock.playbooks import catalog
from breachclock.playbooks.documents import DocumentError, read_document
from breachclock.playbooks.facts import IncidentFacts
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Format = Literal["csv", "jsonl", "xlsx"]


FIELDS = ("record_id", "first_name", "last_name", "full_name", "address", "city", "state", "postal_code", "country",
          "email", "phone", "language")


MAX_COLUMNS = 1000


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
    "language": ("language", "preferredlanguage", "languagepreference", "lang", "noticelanguage", "idioma"),
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
TRUE_WORDS = frozenset({"y", "yes", "true", "t", "1", "x"})
FALSE_WORDS = frozenset({"n", "no", "false", "f", "0", ""})


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


def element_code(token: str) -> str | None:
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


def merge_mapping(detected: ColumnMapping, given: MappingFile | None, headers: Sequence[str]) -> ColumnMapping:
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
        element = element_code(code)
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
