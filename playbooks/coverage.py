"""Who a regime covers: the affected people whose residence it protects and whose exposed elements are
personal information under its definition, per jurisdiction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from breachclock.playbooks.facts import AffectedGroup
from breachclock.playbooks.jurisdictions import covers_jurisdiction
from breachclock.playbooks.schema import RegimeVersion


def elements_words(elements: Iterable[str]) -> str:
    names = [e.replace("_", " ") for e in sorted(elements)]
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Coverage:
    residents: dict[str, int]  # jurisdiction → covered people
    uncovered: dict[str, int]  # jurisdiction → people whose elements are not PI under the regime
    uncovered_elements: tuple[frozenset[str], ...]
    everywhere: int = 0  # covered people wherever they live (unknown residency included): `total` thresholds

    @property
    def total(self) -> int:
        return sum(self.residents.values())


def coverage(version: RegimeVersion, groups: Sequence[AffectedGroup]) -> Coverage:
    covered: dict[str, int] = {}
    uncovered: dict[str, int] = {}
    bad: list[frozenset[str]] = []
    everywhere = 0
    for g in groups:
        elements = frozenset(g.elements)
        is_covered = version.personal_information.covers(elements)
        everywhere += g.count if is_covered else 0
        # People of unknown residency count only under a law that protects people wherever they live and says so
        # (`unknown` in residents_of: HIPAA protects a covered entity's patients, not a state's residents).
        if not covers_jurisdiction(version.applies_to.residents_of, g.jurisdiction):
            continue
        if is_covered:
            covered[g.jurisdiction] = covered.get(g.jurisdiction, 0) + g.count
        else:
            uncovered[g.jurisdiction] = uncovered.get(g.jurisdiction, 0) + g.count
            if elements not in bad:
                bad.append(elements)
    return Coverage(covered, uncovered, tuple(bad), everywhere)
