"""Loading and validating the law-as-data files shipped under ``playbooks/``.

Everything here is read lazily (never at import time) and cached: the files
are part of the installed package and do not change while a process runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from playbooks.schema import Regime, ResponsePlaybook

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


@cache
def data_elements() -> dict[str, str]:
    """The controlled vocabulary of data elements: code → description."""
    return dict(_read_yaml(PLAYBOOKS_DIR / "data_elements.yaml")["elements"])


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


@cache
def response_playbooks() -> dict[str, ResponsePlaybook]:
    """The response playbooks (ransomware, lost device...), keyed by id."""
    return _load_dir(RESPONSES_DIR, ResponsePlaybook)
