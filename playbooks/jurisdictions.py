"""Jurisdictions: codes, names, which codes a law covers, and where a person lives from what an extract says.

One rule each, used everywhere:

- :func:`covers_jurisdiction`: ``US-CA`` covers itself; a country (``US``, ``CA``) covers its subdivisions.
- :func:`jurisdiction_name`: the ISO name of a code (``US-CA`` → California).
- :func:`fold`: text folded for comparison (lower case, accents and punctuation off).
- :func:`resolve`: a person's residency. Order of evidence: the state/province field (``CA``, ``US-CA``,
  ``QC``, ``California``, ``Québec``), then the US ZIP code (the shipped table ``playbooks/zip3_states.csv``:
  3-digit prefix → jurisdiction, plus 5-digit exceptions), only when the country is the US or not given, then
  the country (ISO code, English name or the country's own name). A country that is given but not recognised
  makes the residency ``unknown``: it is never guessed from a number that happens to look like a US ZIP.

The ZIP table is generated, not hand-written: ``python -m playbooks.jurisdictions --generate`` rebuilds it
from the ``zipcodes`` package's bundled database (only that command needs the package). Military post codes
(AA/AE/AP) carry no residency and stay ``unknown``.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

import pycountry

UNKNOWN = "unknown"


def covers_jurisdiction(residents_of: Iterable[str], code: str) -> bool:
    """``US-CA`` covers itself; a country (``US``, ``CA``) covers its subdivisions (``US-CA``, ``CA-QC``)."""
    return any(code == r or code.startswith(r + "-") for r in residents_of)


@cache
def jurisdiction_name(code: str) -> str | None:
    """The ISO name of a jurisdiction code, or None if the code is not ISO 3166."""
    if code == UNKNOWN:
        return "unknown residency"
    if "-" in code:
        sub = pycountry.subdivisions.get(code=code)
        return sub.name if sub else None
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else None

# Countries as their own people write them (extracts from systems abroad): the ones pycountry's English names miss.
_ENDONYMS = {
    "deutschland": "DE", "bundesrepublik deutschland": "DE", "osterreich": "AT", "schweiz": "CH", "suisse": "CH",
    "svizzera": "CH", "espana": "ES", "mexico": "MX", "estados unidos mexicanos": "MX", "italia": "IT",
    "nederland": "NL", "belgie": "BE", "belgique": "BE", "polska": "PL", "sverige": "SE", "norge": "NO",
    "danmark": "DK", "suomi": "FI", "eire": "IE", "hellas": "GR", "ellada": "GR", "brasil": "BR", "peru": "PE",
    "nihon": "JP", "nippon": "JP", "zhongguo": "CN", "hrvatska": "HR", "cesko": "CZ", "magyarorszag": "HU",
    "romania": "RO", "turkiye": "TR", "estados unidos": "US", "etats unis": "US", "vereinigte staaten": "US",
    "royaume uni": "GB", "vereinigtes konigreich": "GB", "reino unido": "GB",
}

ZIP_TABLE = Path(__file__).resolve().parent / "zip3_states.csv"
# US territories that have their own ISO 3166-1 code but are US jurisdictions for breach law.
US_TERRITORIES = {"PR": "US-PR", "GU": "US-GU", "VI": "US-VI", "AS": "US-AS", "MP": "US-MP", "UM": "US-UM"}
# Freely associated states appear in the ZIP database but are countries.
_ZIP_COUNTRIES = {"FM": "FM", "PW": "PW", "MH": "MH"}
_MILITARY = {"AA", "AE", "AP"}
_ZIP_RE = re.compile(r"^\s*(\d{5})(?:[-\s]?\d{4})?\s*$")
_US_WORDS = {"us", "usa", "u s", "u s a", "united states", "united states of america", "america"}


_ALNUM_RUNS = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation off, spaces collapsed: 'Québec' → 'quebec', 'U.S.A.' → 'u s a'."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_ALNUM_RUNS.findall(text.casefold()))


_fold = fold


@cache
def _subdivisions(country: str) -> dict[str, str]:
    """Folded name or bare code → ISO 3166-2 code, for one country's subdivisions."""
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        out[_fold(sub.code.split("-", 1)[1])] = sub.code
        out[_fold(sub.name)] = sub.code
        out[_fold(sub.code)] = sub.code
    if country == "US":
        out.update({"virgin islands": "US-VI", "us virgin islands": "US-VI", "washington dc": "US-DC", "d c": "US-DC"})
    if country == "CA":
        out.update({"quebec": "CA-QC", "pq": "CA-QC", "nfld": "CA-NL", "newfoundland": "CA-NL"})
    return out


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO alpha-2 code from a code or a name; None when unknown."""
    folded = _fold(value)
    if not folded:
        return None
    if folded in _US_WORDS:
        return "US"
    if folded in ("uk", "great britain", "england", "scotland", "wales", "northern ireland"):
        return "GB"
    if hit := _ENDONYMS.get(folded):
        return hit
    compact = folded.replace(" ", "")
    for key in ("alpha_2", "alpha_3"):
        if len(compact) == len("xx" if key == "alpha_2" else "xxx"):
            hit = pycountry.countries.get(**{key: compact.upper()})
            if hit:
                return hit.alpha_2
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        pass
    try:
        return pycountry.countries.search_fuzzy(value.strip())[0].alpha_2 if len(folded) > 3 else None
    except LookupError:
        return None


@lru_cache(maxsize=4096)
def subdivision_code(value: str, country: str | None = None) -> str | None:
    """ISO 3166-2 code from a state/province field; US first, then Canada when no country is given."""
    folded = _fold(value)
    if not folded:
        return None
    if "-" in value and (hit := pycountry.subdivisions.get(code=value.strip().upper())):
        return hit.code
    for c in ([country] if country else ["US", "CA"]):
        if c in US_TERRITORIES:
            return US_TERRITORIES[c]
        if code := _subdivisions(c).get(folded):
            return code
    return None


@cache
def zip_table() -> tuple[dict[str, str], dict[str, str]]:
    prefixes: dict[str, str] = {}
    exceptions: dict[str, str] = {}
    with ZIP_TABLE.open(encoding="utf-8") as fh:
        for row in csv.reader(line for line in fh if not line.startswith("#")):
            if row[0] == "prefix":
                continue
            (prefixes if len(row[0]) == 3 else exceptions)[row[0]] = row[1]
    return prefixes, exceptions


def zip_jurisdiction(postal_code: str) -> str | None:
    """The jurisdiction of a US ZIP (5 digits, ZIP+4 accepted), or None."""
    m = _ZIP_RE.match(postal_code)
    if not m:
        return None
    z = m.group(1)
    prefixes, exceptions = zip_table()
    return exceptions.get(z) or prefixes.get(z[:3])


def resolve(state: str = "", postal_code: str = "", country: str = "") -> str:
    """The jurisdiction code of a person (``US-TX``, ``CA-QC``, ``DE``) or ``unknown``."""
    m = _ZIP_RE.match(postal_code) if postal_code else None
    return _resolve(state, m.group(1) if m else "", country)


@lru_cache(maxsize=1 << 16)
def _resolve(state: str, zip5: str, country: str) -> str:
    cc = country_code(country) if country else None
    if country and cc is None:
        return UNKNOWN  # a country we cannot read: never guessed from a ZIP-like number or a state-like code
    if cc in US_TERRITORIES:
        return US_TERRITORIES[cc]
    if state and (code := subdivision_code(state, cc)):
        return code
    if state.strip() and cc is None:
        # A state or province we cannot read and no country ("NSW" with postcode 2000): the number is not
        # evidence of a US ZIP, so never guess a US state from it.
        return UNKNOWN
    if zip5 and cc in (None, "US") and (code := zip_jurisdiction(zip5)):
        return code
    if cc is not None:
        return cc
    return UNKNOWN


def generate_zip_table(path: Path = ZIP_TABLE) -> int:
    """Rebuild the shipped ZIP table from the ``zipcodes`` package. Returns the number of lines written."""
    from collections import Counter, defaultdict

    import zipcodes  # only for generation; never imported at runtime

    def jurisdiction(state: str) -> str | None:
        if state in _MILITARY:
            return None
        return _ZIP_COUNTRIES.get(state) or f"US-{state}"

    by_prefix: dict[str, Counter[str]] = defaultdict(Counter)
    rows = [(r["zip_code"], jurisdiction(r["state"])) for r in zipcodes.list_all()]
    for z, j in rows:
        if j:
            by_prefix[z[:3]][j] += 1
    majority = {p: c.most_common(1)[0][0] for p, c in by_prefix.items()}
    exceptions = sorted((z, j) for z, j in rows if j and majority[z[:3]] != j)
    version = getattr(zipcodes, "__version__", "unknown")
    lines = [
        f"# US ZIP -> jurisdiction. Generated {datetime.now(UTC).date().isoformat()} by "
        f"`python -m playbooks.jurisdictions --generate` from the zipcodes package {version} "
        "(https://github.com/seanpianka/zipcodes, data from the USPS via that project).",
        "# 3-digit rows: the jurisdiction of most ZIPs with that prefix; 5-digit rows: exceptions to it.",
        "prefix,jurisdiction",
        *(f"{p},{j}" for p, j in sorted(majority.items())),
        *(f"{z},{j}" for z, j in exceptions),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":  # pragma: no cover - maintenance command
    if sys.argv[1:] == ["--generate"]:
        print(f"wrote {generate_zip_table()} lines to {ZIP_TABLE}")
    else:
        print("usage: python -m playbooks.jurisdictions --generate")
