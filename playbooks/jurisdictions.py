"""Jurisdiction codes: the one rule for which codes a law's ``residents_of`` covers."""

from __future__ import annotations

from collections.abc import Iterable


def covers_jurisdiction(residents_of: Iterable[str], code: str) -> bool:
    """``US-CA`` covers itself; a country (``US``, ``CA``) covers its subdivisions (``US-CA``, ``CA-QC``)."""
    return any(code == r or code.startswith(r + "-") for r in residents_of)
