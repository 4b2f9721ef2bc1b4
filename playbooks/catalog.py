"""Loading and validating the law-as-data files shipped under ``playbooks/``.

Everything here is read lazily (never at import time) and cached: the files
are part of the installed package and do not change while a process runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from playbooks.schema import Regime, ResponsePlaybook

PLAYBOOKS_DIR = Path(__file__).resolve().parent
REGIMES_DIR = PLAYBOOKS_DIR / "regimes"
RESPONSES_DIR = PLAYBOOKS_DIR / "responses"
# The C loader is ~10x faster; the catalog is read on every CLI call.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(ValueError):
    """A shipped data file is invalid: a packaging defect, never user input."""


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


@cache
def data_elements() -> dict[str, str]:
    """The controlled vocabulary of data elements: code → description."""
    return dict(_read_yaml(PLAYBOOKS_DIR / "data_elements.yaml")["elements"])


@cache
def regimes() -> dict[str, Regime]:
    """Every regime file, validated, keyed by regime id."""
    vocabulary = set(data_elements())
    out: dict[str, Regime] = {}
    for path in sorted(REGIMES_DIR.glob("*.yaml")):
        try:
            regime = Regime.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(f"{path.name}: {exc}") from exc
        if regime.id != path.stem:
            raise CatalogError(f"{path.name}: id {regime.id!r} does not match the file name")
        for version in regime.versions:
            pi = version.personal_information
            used = {e for combo in pi.with_name + pi.standalone for e in combo}
            if unknown := used - vocabulary:
                raise CatalogError(f"{path.name} {version.version}: unknown data elements {sorted(unknown)}")
        out[regime.id] = regime
    return out


@cache
def response_playbooks() -> dict[str, ResponsePlaybook]:
    """The response playbooks (ransomware, lost device...), keyed by id."""
    out: dict[str, ResponsePlaybook] = {}
    for path in sorted(RESPONSES_DIR.glob("*.yaml")):
        try:
            playbook = ResponsePlaybook.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(f"{path.name}: {exc}") from exc
        if playbook.id != path.stem:
            raise CatalogError(f"{path.name}: id {playbook.id!r} does not match the file name")
        out[playbook.id] = playbook
    return out
