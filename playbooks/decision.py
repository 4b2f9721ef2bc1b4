"""What the engine says about one rule (a :class:`Decision`) and what it knows while saying it (a
:class:`Context`: the facts, the instant, the holds, the data set and the firm's role for it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from breachclock.playbooks.clocks import Interval
from breachclock.playbooks.facts import ENTITY_DATA_SET, ClientImpact, IncidentFacts, ResolvedDataSet
from breachclock.playbooks.risk import SignOff

ROLE_EQUIVALENTS = {
    "data_owner": {"data_owner", "controller"},
    "controller": {"data_owner", "controller"},
    "service_provider": {"service_provider", "processor"},
    "processor": {"service_provider", "processor"},
}


@dataclass
class Decision:
    regime: str
    rule_key: str
    recipient_kind: str
    recipient: str
    jurisdiction: str
    required: bool | None
    """True: owed; False: not owed (``reason`` says why); None: unknown, counsel must decide."""
    due: datetime | None
    due_date: date | None
    due_text: str
    clock_start: dict[str, Any]
    threshold: dict[str, Any] | None
    reason: str
    citation: str
    rule_version: str
    confidence: str
    source_url: str | None
    timezone: str
    policy_due: datetime | None = None
    notes: list[str] = field(default_factory=list)
    data_set: str = ENTITY_DATA_SET
    """The data set the decision is about (``entity``: the entity as a whole, or its data when none are declared)."""
    recipient_ref: str | None = None
    """For a notice to a data owner: ``client:<id>``, the client whose data it is; None when not identified."""
    counts: dict[str, int] = field(default_factory=dict)
    """Covered people per jurisdiction that this decision concerns (what a notice under it may state)."""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["due"] = self.due.isoformat(timespec="seconds") if self.due else None
        out["due_date"] = self.due_date.isoformat() if self.due_date else None
        out["policy_due"] = self.policy_due.isoformat(timespec="seconds") if self.policy_due else None
        start = dict(self.clock_start)
        if isinstance(start.get("at"), datetime):
            start["at"] = start["at"].isoformat(timespec="seconds")
        out["clock_start"] = start
        return out


@dataclass(frozen=True)
class Context:
    facts: IncidentFacts
    as_of: datetime
    holds: tuple[Interval, ...]
    policy_target_days: int
    data_set: ResolvedDataSet
    client_name: str | None = None
    """The name of the client whose data the data set is, when there is one."""
    regulator_notices: dict[tuple[str, str], list[Decision]] = field(default_factory=dict)
    """(regime, data set) → that regime's owed regulator notices, for clocks anchored to them (filled in order)."""
    risk_signoff: SignOff | None = None
    """Counsel's latest sign-off of the risk assessment; a risk-of-harm exception is relied on only with it."""
    client_impact: ClientImpact | None = None
    """For a duty owed to each affected client (``client_based``): what the incident did to this client."""

    @property
    def tz(self) -> str:
        return self.facts.entity.timezone

    @property
    def roles(self) -> set[str]:
        """US laws say owner/licensee and service provider; GDPR-style laws controller and processor."""
        return set().union(*(ROLE_EQUIVALENTS[r] for r in self.data_set.roles))

    @property
    def sectors(self) -> frozenset[str]:
        return self.data_set.sectors

    def capacity(self) -> str:
        """'data owner', or 'service provider for Mercy Health's data (data set phi)'."""
        words = ", ".join(self.data_set.roles).replace("_", " ")
        if self.data_set.client is not None:
            return f"{words} for {self.client_name or self.data_set.client}'s data (data set {self.data_set.id})"
        return words if self.data_set.id == ENTITY_DATA_SET else f"{words} (data set {self.data_set.id})"
