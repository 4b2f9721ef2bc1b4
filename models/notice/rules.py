"""The content rules that bind a notice: those of each obligation's rule, in the version it was decided under."""

from __future__ import annotations

from breachclock.models.obligation.models import Obligation
from breachclock.playbooks import catalog
from breachclock.playbooks.content_rules import ContentRule


def rules_of(obligation: Obligation) -> list[ContentRule]:
    """The content rules of the obligation's rule, in the version it was decided under."""
    regime_id, _, version_id = obligation.rule_version.partition("@")
    regime = catalog.regimes().get(regime_id)
    version = next((v for v in regime.versions if v.version == version_id), None) if regime else None
    rule = next((r for r in version.obligations if r.key == obligation.rule_key), None) if version else None
    return list(rule.content_rules) if rule else []
