"""Loading and validating the law-as-data files shipped under ``playbooks/``.

Everything here is read lazily (never at import time) and cached: the files
are part of the installed package and do not change while a process runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from breachclock.playbooks.schema import ObligationRule, Regime, RegimeVersion, ResponsePlaybook
from pydantic import BaseModel, ValidationError

PLAYBOOKS_DIR = Path(__file__).resolve().parent
REGIMES_DIR = PLAYBOOKS_DIR / "regimes"
RESPONSES_DIR = PLAYBOOKS_DIR / "responses"
# The C loader is ~10x faster; the catalog is read on every CLI call.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)


class CatalogError(ValueError):
    """A shipped data file is invalid: a packaging defect, never user input."""


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def read_yaml(path: Path) -> object:
    """A shipped data file as data (for the other readers of ``playbooks/``, such as the filing forms)."""
    return _read_yaml(path)


@cache
def _vocabulary() -> dict[str, dict[str, str]]:
    raw = _read_yaml(PLAYBOOKS_DIR / "data_elements.yaml")
    elements, plain = dict(raw["elements"]), dict(raw["plain"])
    translated = {key.removeprefix("plain_"): dict(words) for key, words in raw.items()
                  if key.startswith("plain_") and key != "plain_local"}
    for words in (plain, *translated.values()):
        if set(elements) != set(words):
            raise CatalogError(f"data_elements.yaml: plain words missing or extra for {sorted(set(elements) ^ set(words))}")
    local = {country: dict(words) for country, words in (raw.get("plain_local") or {}).items()}
    if unknown := {c for words in local.values() for c in words} - set(elements):
        raise CatalogError(f"data_elements.yaml: plain_local names unknown elements {sorted(unknown)}")
    return {"elements": elements, "plain": plain, "local": local, **translated}  # type: ignore[dict-item]


def data_elements() -> dict[str, str]:
    """The controlled vocabulary of data elements: code → description."""
    return _vocabulary()["elements"]


def plain_element(code: str, where: str | None = None, language: str = "en") -> str:
    """How a notice to a person names an element ("Social Security number"; in Canada "Social Insurance Number";
    in French "numéro d'assurance sociale"; in Spanish "número de Seguro Social")."""
    vocabulary = _vocabulary()
    if language != "en":
        return vocabulary[language][code]
    local: dict[str, dict[str, str]] = vocabulary["local"]  # type: ignore[assignment]
    for key in filter(None, [where, where.split("-", 1)[0] if where else None]):
        if code in local.get(key, {}):
            return local[key][code]
    return vocabulary["plain"][code]


def _load_dir(directory: Path, model: type[M]) -> dict[str, M]:
    """Every YAML file of ``directory`` validated as ``model``, keyed by its ``id`` (which must be the file name)."""
    out: dict[str, M] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            item = model.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(f"{path.name}: {exc}") from exc
        if item.id != path.stem:  # type: ignore[attr-defined]
            raise CatalogError(f"{path.name}: id {item.id!r} does not match the file name")  # type: ignore[attr-defined]
        out[path.stem] = item
    return out


@cache
def regimes() -> dict[str, Regime]:
    """Every regime file, validated, keyed by regime id."""
    vocabulary = set(data_elements())
    out = _load_dir(REGIMES_DIR, Regime)
    for regime_id, regime in out.items():
        for version in regime.versions:
            pi = version.personal_information
            used = {e for combo in pi.with_name + pi.standalone for e in combo}
            if unknown := used - vocabulary:
                raise CatalogError(f"{regime_id}.yaml {version.version}: unknown data elements {sorted(unknown)}")
    return out


def rule_of(rule_version: str, rule_key: str) -> tuple[Regime, RegimeVersion, ObligationRule] | None:
    """The regime, version and rule an obligation was decided under (``US-CA@2020-01-01``, ``individuals``);
    None for decisions that are not a regime's (contracts, counsel's questions)."""
    regime_id, _, version_id = rule_version.partition("@")
    regime = regimes().get(regime_id)
    version = next((v for v in regime.versions if v.version == version_id), None) if regime else None
    rule = next((r for r in version.obligations if r.key == rule_key), None) if version else None
    return (regime, version, rule) if regime and version and rule else None  # type: ignore[return-value]


@cache
def _guidance() -> dict[str, dict[str, object]]:
    return dict(_read_yaml(PLAYBOOKS_DIR / "guidance.yaml")["countries"])


def guidance(jurisdiction: str, elements: set[str] | frozenset[str], language: str | None = None
             ) -> tuple[list[str], list[dict[str, str]]]:
    """The steps and agency contacts a notice to a person of ``jurisdiction`` gives for the exposed ``elements``
    (``language``: the steps in that language, as the country's entry gives them).

    ([], []) when the data has no guidance for that country (its notices then need their own template).
    """
    country = local_guidance(jurisdiction)
    if not country:
        return [], []
    words = country.get(language, {}) if language else country
    if language and not words:
        raise CatalogError(f"guidance.yaml: no {language!r} steps for {jurisdiction}")
    element_steps: dict[str, str] = words.get("element_steps", {})  # type: ignore[assignment]
    steps = [element_steps[e] for e in sorted(elements) if e in element_steps]
    steps += list(words.get("general_steps", []))  # type: ignore[arg-type]
    contacts: list[dict[str, str]] = []
    always = state_guidance(jurisdiction).get("credit_agencies") == "always"
    for group in country.get("agencies", []):  # type: ignore[attr-defined]
        if always or set(group["when_elements"]) & set(elements):
            contacts += [dict(c) for c in group["contacts"] if dict(c) not in contacts]
    return steps, contacts


def state_guidance(jurisdiction: str) -> dict[str, Any]:
    """What a letter to residents of one state adds to its country's (``states`` in the country's entry): the
    state agencies it names, statements its law asks for, and whether it always lists the credit reporting
    agencies whatever was exposed; {} for a state with no entry."""
    country = local_guidance(jurisdiction)
    return dict((country.get("states") or {}).get(jurisdiction) or {})


def state_agencies(jurisdiction: str) -> list[dict[str, str]]:
    """The state agencies a letter to residents of ``jurisdiction`` names (New York's Attorney General...)."""
    return [dict(a) for a in state_guidance(jurisdiction).get("agencies", [])]


def state_statements(jurisdiction: str, language: str | None = None) -> list[str]:
    """The statements a letter to residents of ``jurisdiction`` makes (``language``: as the entry gives them)."""
    entry = state_guidance(jurisdiction)
    words = entry.get(language, {}) if language else entry
    return [str(s) for s in words.get("statements", [])]


def local_guidance(jurisdiction: str) -> dict[str, Any]:
    """The guidance entry for where a person lives: their subdivision's (Quebec) if the data has one, else their
    country's (or the entry the template jurisdiction names, such as ``EU``); {} when there is none."""
    data = _guidance()
    return dict(data.get(jurisdiction) or data.get(jurisdiction.split("-", 1)[0]) or {})  # type: ignore[arg-type]


@cache
def response_playbooks() -> dict[str, ResponsePlaybook]:
    """The response playbooks (ransomware, lost device...), keyed by id."""
    return _load_dir(RESPONSES_DIR, ResponsePlaybook)
