"""The incident file: the facts the rule engine evaluates, validated at the edge.

Every field is documented in ``docs/incident-file.md``. Datetimes must carry an
offset; jurisdiction codes are ISO 3166-2 subdivisions (``US-CA``, ``CA-QC``)
or ISO 3166-1 countries (``DE``, ``GB``), plus ``unknown`` for people whose
residency could not be determined.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from playbooks.catalog import data_elements
from playbooks.schema import EventType, Role, Sector

UNKNOWN = "unknown"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def check_jurisdiction(code: str) -> str:
    if jurisdiction_name(code) is None:
        raise ValueError(f"unknown jurisdiction code {code!r} (use ISO 3166-2 like 'US-CA' or ISO 3166-1 like 'DE')")
    return code


def check_elements(elements: list[str]) -> list[str]:
    vocabulary = data_elements()
    unknown = sorted(set(elements) - set(vocabulary))
    if unknown:
        raise ValueError(f"unknown data element(s) {', '.join(unknown)}; see docs/incident-file.md for the vocabulary")
    return sorted(set(elements))


class Entity(_Strict):
    name: str = Field(min_length=1)
    timezone: str = Field(description="IANA zone of the notifying entity, e.g. America/New_York.")
    roles: list[Role] = Field(default_factory=lambda: ["data_owner"], min_length=1)
    sectors: list[Sector] = Field(default_factory=list)
    contact: str | None = Field(default=None, description="Contact line printed on notices (phone, email, address).")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like America/New_York)") from None
        return value


class Event(_Strict):
    """A fact that moves a clock. ``law_enforcement_delay`` uses ``at`` (start) and ``end``."""

    type: EventType
    at: AwareDatetime
    end: AwareDatetime | None = None
    regime: str | None = Field(default=None, description="The regime a notice event belongs to (e.g. US-CA).")
    agency: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _end(self) -> Event:
        if self.end is not None and self.type != "law_enforcement_delay":
            raise ValueError("only a law_enforcement_delay event has an end")
        if self.end is not None and self.end <= self.at:
            raise ValueError("a delay must end after it starts")
        return self


class Risk(_Strict):
    """The firm's risk assessment. Defaults are the conservative answer (notify)."""

    harm_likely: bool = True
    high_risk: bool = True
    assessment: str | None = Field(default=None, description="The written basis of the assessment.")


class AffectedGroup(_Strict):
    """People in one jurisdiction with the same exposed elements (produced by scoping)."""

    jurisdiction: str
    elements: list[str]
    count: int = Field(ge=0)

    _j = field_validator("jurisdiction")(classmethod(lambda cls, v: check_jurisdiction(v)))
    _e = field_validator("elements")(classmethod(lambda cls, v: check_elements(v)))


class MatterTerms(_Strict):
    """A client matter; its notice hours, when set, override the client's for incidents naming it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    notice_hours: int | None = Field(default=None, gt=0)


class ClientTerms(_Strict):
    """Contractual notice terms of a client whose data is involved.

    An incident names a registered client by id, or one of its matters as ``client-id/matter-id``.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    firm_role: Literal["service_provider", "data_owner"] = "service_provider"
    notice_hours: int = Field(default=24, gt=0)
    notice_contact: str
    notice_channel: Literal["email", "sms", "postal"] = "email"
    contract_reference: str | None = None
    matters: list[MatterTerms] = Field(default_factory=list)


class IncidentFacts(_Strict):
    title: str = Field(min_length=1)
    summary: str | None = Field(default=None, description="What happened, in plain words (used in notices).")
    entity: Entity
    discovered_at: AwareDatetime
    determined_at: AwareDatetime | None = None
    breach_started_at: AwareDatetime | None = None
    breach_ended_at: AwareDatetime | None = None
    data_elements: list[str] = Field(min_length=1)
    encrypted: bool = False
    encryption_key_compromised: bool = False
    affected: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    affected_groups: list[AffectedGroup] | None = Field(
        default=None, description="Per-jurisdiction counts by exposed elements; written by `breachclock scope`."
    )
    clients: list[str | ClientTerms] = Field(default_factory=list)
    risk: Risk = Field(default_factory=Risk)
    measures_taken: list[str] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    playbook: str | None = None

    _e = field_validator("data_elements")(classmethod(lambda cls, v: check_elements(v)))

    @field_validator("affected")
    @classmethod
    def _affected(cls, value: dict[str, int]) -> dict[str, int]:
        for code in value:
            check_jurisdiction(code)
        return value

    @model_validator(mode="after")
    def _coherent(self) -> IncidentFacts:
        if self.determined_at is not None and self.determined_at < self.discovered_at:
            raise ValueError("determined_at is before discovered_at")
        if self.encryption_key_compromised and not self.encrypted:
            raise ValueError("encryption_key_compromised is true but encrypted is false")
        return self

    def groups(self) -> list[AffectedGroup]:
        """People by jurisdiction and exposed elements; the incident-wide list when not scoped per person."""
        if self.affected_groups is not None:
            return self.affected_groups
        return [AffectedGroup(jurisdiction=j, elements=self.data_elements, count=n) for j, n in self.affected.items()]

    def first_event(self, kind: str, regime: str | None = None) -> datetime | None:
        times = [e.at for e in self.events if e.type == kind and (regime is None or e.regime in (None, regime))]
        return min(times) if times else None
