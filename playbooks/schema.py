"""Schemas for the law-as-data files under ``playbooks/``.

A *regime* is one notification law (a state statute, a federal rule, a foreign
regulation, a client contract, or a lawyers' ethics duty read from an ethics opinion). Each regime file holds one or more
*versions*; the version in force at the incident's discovery is applied and
snapshotted into every Obligation it produces. A version lists *obligation
rules*: who must be told (recipient), when it applies (roles, threshold,
events, risk) and by when (one or more clocks; the earliest fixed one wins).
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Literal

from breachclock.playbooks.content_rules import ContentRule
from breachclock.playbooks.jurisdictions import jurisdiction_name
from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["data_owner", "service_provider", "controller", "processor"]
RecipientKind = Literal["individual", "regulator", "cra", "media", "data_owner", "record"]
Confidence = Literal["high", "medium", "low"]
ClockUnit = Literal["hours", "days", "business_days", "none"]
# Events a clock can start from. `individual_notice` anchors a clock to this
# regime's individual notice (its actual send time, or while unsent its legal
# deadline). `calendar_year_end` is the end of the calendar year of discovery
# (annual logs, e.g. HIPAA breaches of fewer than 500). `risk_assessed` is the date of the firm's risk-of-harm
# determination (the incident file's `risk.assessed_at`), which starts the clocks of the duties it carries.
ClockStart = Literal[
    "discovery",
    "determination",
    "awareness",
    "materiality_determined",
    "notifiability_assessed",
    "ransom_paid",
    "vendor_notified_owner",
    "individual_notice",
    "regulator_notice",
    "calendar_year_end",
    "risk_assessed",
]
Sector = Literal[
    "hipaa_covered_entity",
    "hipaa_business_associate",
    "glba_financial_institution",
    "sec_registrant",
    "nydfs_covered_entity",
    "information_broker",
    "banking_organization",
    "bank_service_provider",
    "vendor_of_personal_health_records",
    "critical_infrastructure",
    "government_agency",
    "credit_reporting_agency",
    "insurance_licensee",
    "smaller_reporting_company",
    "law_firm",
]
EventType = Literal[
    "determined",
    "awareness",
    "materiality_determined",
    "notifiability_assessed",
    "ransom_paid",
    "vendor_notified_owner",
    "individual_notice_sent",
    "regulator_notice_sent",
    "law_enforcement_delay",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """A numeric condition on the number of covered people.

    ``measure``: ``residents`` counts covered residents of this regime's
    jurisdiction (or of one jurisdiction when the rule is per-jurisdiction);
    ``total`` counts every covered person of the regime, wherever they live.
    The operator is kept exactly as the statute words it: "more than 500" is
    ``>``, "500 or more" / "at least 500" is ``>=``.
    """

    measure: Literal["residents", "total"] = "residents"
    op: Literal[">", ">=", "<", "<="]
    value: int = Field(ge=0)

    def holds(self, count: int) -> bool:
        return {
            ">": count > self.value,
            ">=": count >= self.value,
            "<": count < self.value,
            "<=": count <= self.value,
        }[self.op]

    def describe(self, count: int) -> str:
        words = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}[self.op]
        verb = "is" if self.holds(count) else "is not"
        return f"{count} {verb} {words} {self.value}"


class LawEnforcementDelay(_Strict):
    """What a law-enforcement request does to a clock, from the rule's own text (it differs from law to law).

    ``toll``: the clock stops while the delay lasts and runs on after it. ``fresh_period``: after the delay,
    notice is due ``amount`` ``unit`` after law enforcement says notice no longer impedes it (with
    ``keep_original``: or by the original deadline, if that is later; Maryland). ``none``: no request delays it.
    """

    effect: Literal["toll", "fresh_period", "none"]
    agencies: list[str] = Field(default_factory=list, description="Only a delay requested by one of these counts "
                                "(matched case-insensitively within the hold's agency); empty: any agency.")
    written_only: bool = Field(default=False, description="Only a written request or determination counts.")
    oral_limit_days: int | None = Field(default=None, ge=1, description="A delay requested orally lasts at most "
                                        "this many days from the request unless a written one follows (HIPAA: 30).")
    max_days: int | None = Field(default=None, ge=1, description="The longest delay the text allows in all.")
    unit: Literal["hours", "days", "business_days"] | None = None
    amount: int | None = Field(default=None, ge=1)
    keep_original: bool = False
    text: str = Field(description="The rule's own words and citation.")

    @model_validator(mode="after")
    def _period(self) -> LawEnforcementDelay:
        if (self.effect == "fresh_period") != (self.unit is not None and self.amount is not None):
            raise ValueError("a fresh_period delay needs unit and amount, and only it has them")
        return self


class Cutoff(_Strict):
    """A filing system's daily cut-off: a filing made after it counts as made the next (business) day, so a
    deadline on a day ends at the cut-off in the system's zone, whatever the filer's."""

    time: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Local time of the cut-off, HH:MM.")
    timezone: str = Field(description="IANA zone of the filing system, e.g. America/New_York.")
    text: str = Field(description="The rule's own words and citation.")

    @model_validator(mode="after")
    def _known_zone(self) -> Cutoff:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        return self


class Clock(_Strict):
    """When a notice is due, counted from ``start``.

    ``unit`` ``none`` means the law sets no fixed period ("most expedient time
    possible", "without undue delay"): the deadline is null and ``text`` says
    what the law demands. For clocks anchored to the individual notice,
    ``relation`` says whether the notice goes ``within`` N units after it,
    ``same_time`` as it, or ``before`` it.
    """

    start: ClockStart
    unit: ClockUnit
    amount: int | None = Field(default=None, ge=0)
    relation: Literal["within", "same_time", "before"] = "within"
    holidays: str | None = Field(
        default=None,
        description="Holiday calendar for business days: 'US' (federal), 'US-NY', 'BR', 'GB'... "
        "Default: the regime's jurisdiction.",
    )
    text: str = Field(description="The law's own words for the deadline.")
    cutoff: Cutoff | None = Field(default=None, description="Days are counted in the cut-off's zone and the last "
                                  "day ends at its time (EDGAR: 17:30 Eastern).")
    anchor_regime: str | None = Field(default=None, description="start regulator_notice: the regime whose notice "
                                      "to its regulator starts this clock (its `regulator_notice_sent` event; "
                                      "until then, that notice's own legal deadline).")

    @model_validator(mode="after")
    def _amount_matches_unit(self) -> Clock:
        if (self.start == "regulator_notice") != (self.anchor_regime is not None):
            raise ValueError("a clock starts from a regulator notice exactly when it names anchor_regime")
        if self.cutoff is not None and self.unit not in ("days", "business_days"):
            raise ValueError("a cut-off applies to a clock counted in days or business days")
        if self.unit == "none" and self.amount is not None:
            raise ValueError("a clock with unit 'none' has no amount")
        if self.unit != "none" and self.amount is None:
            raise ValueError(f"a clock in {self.unit} needs an amount")
        return self


class ClientDuty(_Strict):
    """A duty owed to a client as such (a lawyer's ethics duty), evaluated once per client the incident's
    ``client_impacts`` name: owed to clients of these relationships for whom the incident meets the source's
    ``trigger``.

    ``material`` (ABA Formal Opinion 483): the client's material confidential information was (or is substantially
    likely to have been) compromised, or, where ``services`` counts, the firm's ability to perform its services
    was significantly impaired. ``possible_negative_impact`` (a lower trigger, State Bar of California Formal Op.
    2020-203): a reasonable possibility that the client's interests are negatively impacted; a client that meets
    the ``material`` trigger meets it too, and one the incident does not assess against it is a question for
    counsel, never a silent no.
    """

    relationships: list[Literal["current", "former"]] = Field(min_length=1)
    agreed_only: bool = Field(default=False, description="Owed only where the client agreed to such notice "
                              "(the impact's notice_agreed).")
    trigger: Literal["material", "possible_negative_impact"] = Field(
        default="material", description="What the incident must have done to the client for the duty to arise.")
    services: bool = Field(default=True, description="The material trigger: whether a significant impairment of "
                           "the firm's ability to perform its services counts (not for a former client, who is "
                           "owed no services).")
    unsettled: str | None = Field(default=None, description="Why the source leaves open whether the duty is owed "
                                  "to these clients (its words): where the trigger is met the decision is "
                                  "required null, for counsel, never a silent no.")
    text: str = Field(description="The source's own words for whom the duty is owed, and citation.")

    @model_validator(mode="after")
    def _services_with_material(self) -> ClientDuty:
        if self.trigger != "material" and not self.services:
            raise ValueError("services applies to the material trigger only")
        return self


class ObligationRule(_Strict):
    """One duty to tell one recipient."""

    key: str = Field(pattern=r"^[a-z0-9_]+$", description="Unique within the regime version.")
    recipient_kind: RecipientKind
    recipient: str = Field(description="The named office or audience, e.g. 'California Attorney General'.")
    roles: list[Role] = Field(default_factory=lambda: ["data_owner", "controller"])
    threshold: Threshold | None = None
    per_jurisdiction: bool = Field(
        default=False,
        description="One obligation per affected jurisdiction meeting the threshold (e.g. HIPAA media notice per state).",
    )
    requires_event: EventType | None = Field(
        default=None, description="Owed only once this event has happened (e.g. ransom_paid)."
    )
    requires_sectors: list[Sector] = Field(
        default_factory=list, description="Owed only by entities in one of these sectors (in addition to the regime's)."
    )
    excluded_sectors: list[Sector] = Field(
        default_factory=list, description="Not owed by entities in any of these sectors (e.g. CRA duty not for GLBA entities)."
    )
    requires_risk: Literal["harm_likely", "high_risk"] | None = Field(
        default=None,
        description="Owed only when the incident's risk assessment says so (GDPR Art. 34 needs high risk).",
    )
    only_with_harm_exception: bool = Field(
        default=False,
        description="Owed only when the entity relies on the regime's risk-of-harm exception "
        "(a kept written determination, a notice to the AG of a no-harm decision).",
    )
    excused_by_harm_exception: bool = Field(
        default=True,
        description="Whether the regime's risk-of-harm exception excuses this notice. False where the statute's "
        "exception covers only the notice to individuals (e.g. Florida's Department notice).",
    )
    clocks: list[Clock] = Field(min_length=1, description="The earliest fixed deadline among these applies.")
    tolling: bool | None = Field(default=None, description="Overrides the regime's law_enforcement_tolling.")
    law_enforcement: LawEnforcementDelay | None = Field(default=None, description="This rule's own delay rule; "
                                                        "overrides the version's and ``tolling``.")
    clients: ClientDuty | None = Field(default=None, description="A duty to each affected client (only in a "
                                       "client_based version).")
    content: list[str] = Field(default_factory=list, description="Content the notice must contain.")
    prohibited_content: list[str] = Field(default_factory=list)
    content_rules: list[ContentRule] = Field(default_factory=list, description="The content and prohibited "
                                             "content as checks run on every rendered variant before approval.")
    methods: list[str] = Field(default_factory=list, description="Allowed delivery methods (mail, email, phone, web_form...).")
    notes: str | None = None


class PersonalInformation(_Strict):
    """Which exposed data elements make a person covered by the regime.

    A person is covered when their exposed elements include ``name`` and every
    element of one ``with_name`` combination, or every element of one
    ``standalone`` combination, or (``any_personal_data``) any element at all.
    """

    any_personal_data: bool = False
    with_name: list[list[str]] = Field(default_factory=list)
    standalone: list[list[str]] = Field(default_factory=list)
    notes: str | None = None

    def covers(self, elements: frozenset[str] | set[str]) -> bool:
        if self.any_personal_data:
            return bool(elements)
        if "name" in elements and any(set(c) <= elements for c in self.with_name):
            return True
        return any(set(c) <= elements for c in self.standalone)


class SafeHarbor(_Strict):
    applies: bool
    lost_if_key_compromised: bool = True
    rules: list[str] | None = Field(default=None, description="Only these obligations are excused (GDPR Art. 34(3)(a): "
                                    "the communication to data subjects, not the Art. 33 notice); unset: every "
                                    "notice (never the record).")
    text: str | None = None


class RiskFactor(_Strict):
    """A factor the law requires the risk assessment to weigh (HIPAA's four, 45 CFR 164.402(2)(i)-(iv))."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="The key of its finding in the incident file's risk.factors.")
    text: str = Field(description="The law's words for the factor.")
    citation: str


class RiskOfHarm(_Strict):
    """The risk-of-harm exception: notice is excused when harm is unlikely, on the determination the law describes.

    The duties the determination carries (kept as a record, sent to a regulator) are obligation rules with
    ``only_with_harm_exception``; the engine relies on the exception only on a documented, signed-off assessment
    (:mod:`playbooks.risk`).
    """

    exception: bool
    basis: Literal["harm_likely", "high_risk"] = "harm_likely"
    text: str | None = None
    record_years: int | None = Field(default=None, description="Years the written determination must be kept.")
    citation: str | None = Field(default=None, description="Where the exception is.")
    written: bool = Field(default=False, description="The determination must be documented in writing (the "
                          "assessment's written basis, who made it and when are then required).")
    factors: list[RiskFactor] = Field(default_factory=list, description="Factors the assessment must address, "
                                      "each with a finding.")


class AppliesTo(_Strict):
    roles: list[Role] = Field(
        default_factory=lambda: ["data_owner", "service_provider", "controller", "processor"]
    )
    sectors_any: list[Sector] = Field(
        default_factory=list, description="If set, the regime binds only entities in one of these sectors."
    )
    sectors_exempt: list[Sector] = Field(
        default_factory=list,
        description="Entities in these sectors are exempt or deemed compliant (say which in `text`).",
    )
    entity_based: bool = Field(
        default=False,
        description="The duty turns on the entity and the incident (a material cybersecurity incident, a "
        "notification incident), not on whose data was exposed: no residents or data-element test applies.",
    )
    client_based: bool = Field(
        default=False,
        description="The duty is owed to each client whose confidential information or services the incident "
        "affected (a lawyer's ethics duty), as the incident's client_impacts record, with or without personal "
        "data: no residents or data-element test applies; evaluated once per client.",
    )
    residents_of: list[str] = Field(
        min_length=1,
        description="Jurisdiction codes whose residents the regime protects; 'US' matches every 'US-xx'.",
    )
    admitted_in: list[str] = Field(
        default_factory=list,
        description="A duty under the rules of professional conduct of these jurisdictions (a state's ethics "
        "opinion): it binds the firm only where its lawyers are admitted (the incident's entity.bar_admissions). "
        "Not admitted there: not owed, and the reason says so; admissions not recorded: required null, for "
        "counsel. Empty: wherever the lawyers are admitted (ABA Formal Opinion 483 reads the Model Rules).",
    )
    text: str | None = None


class RegimeVersion(_Strict):
    version: str
    effective_from: date
    effective_to: date | None = None
    status: Literal["in_force", "not_in_force"] = "in_force"
    citation: str
    source_url: list[str] = Field(min_length=1)
    confidence: Confidence
    confidence_notes: str | None = None
    reviewed_on: date | None = Field(default=None, description="When this version was last checked against the primary text.")
    applies_to: AppliesTo
    personal_information: PersonalInformation
    encryption_safe_harbor: SafeHarbor
    risk_of_harm: RiskOfHarm
    law_enforcement_tolling: bool
    law_enforcement: LawEnforcementDelay | None = Field(default=None, description="The version's delay rule, when "
                                                        "more than tolling (overrides law_enforcement_tolling).")
    substitute_notice: str | None = None
    substitute_notice_for: list[Literal["cost", "volume", "no_contact", "disproportionate_effort"]] = Field(
        default_factory=list, description="When the law allows substitute notice (website posting and statewide "
        "media): the cost or the number of people over its limits, people without sufficient contact "
        "information, or (GDPR) disproportionate effort. Empty: the text does not say, so none is offered.")
    obligations: list[ObligationRule]

    @model_validator(mode="after")
    def _unique_keys(self) -> RegimeVersion:
        keys = [o.key for o in self.obligations]
        if len(keys) != len(set(keys)):
            raise ValueError(f"duplicate obligation keys in version {self.version}")
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        for o in self.obligations:
            if (o.clients is not None) != self.applies_to.client_based:
                raise ValueError(f"{o.key}: a rule names the clients it is owed to (clients) exactly when its "
                                 "version is client_based")
        if self.applies_to.client_based and self.applies_to.entity_based:
            raise ValueError("a version is client_based or entity_based, not both")
        if self.applies_to.admitted_in and not self.applies_to.client_based:
            raise ValueError("admitted_in (where the firm's lawyers are admitted) applies to a client_based duty "
                             "of legal ethics only")
        for code in self.applies_to.admitted_in:
            if "-" not in code or jurisdiction_name(code) is None:
                raise ValueError(f"admitted_in: {code!r} is not a subdivision code like 'US-CA'")
        return self

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class Regime(_Strict):
    id: str = Field(pattern=r"^[A-Z]{2}(-[A-Z0-9.]+)*$")
    name: str
    kind: Literal["state", "territory", "federal", "international", "contract", "ethics"]
    jurisdiction: str = Field(description="Where the obligation is owed: 'US-CA', 'US', 'EU', 'GB', 'CA-QC'...")
    versions: list[RegimeVersion] = Field(min_length=1)
    history_from_enactment: bool = Field(default=False, description="The earliest version is the law as first in "
                                         "force: before it no such duty existed. Otherwise an incident older than "
                                         "the history is a question for counsel, never a silent no.")

    @model_validator(mode="after")
    def _versions_do_not_overlap(self) -> Regime:
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        for a, b in pairwise(ordered):
            if a.effective_to is None or a.effective_to > b.effective_from:
                raise ValueError(f"{self.id}: versions {a.version} and {b.version} overlap")
        return self

    def version_on(self, day: date) -> RegimeVersion | None:
        return next((v for v in self.versions if v.in_force_on(day)), None)


class ResponseStep(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    phase: Literal["containment", "investigation"]
    owner_role: str = Field(description="Who does it: incident_commander, it_security, forensics, counsel, records...")
    evidence: list[str] = Field(min_length=1, description="The evidence this step is expected to produce.")


class ResponsePlaybook(_Strict):
    """A response procedure: containment and investigation steps, each with owner and evidence."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    description: str
    references: list[str] = Field(default_factory=list)
    steps: list[ResponseStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ResponsePlaybook:
        keys = [s.key for s in self.steps]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.id}: duplicate step keys")
        return self


TOLL = LawEnforcementDelay(effect="toll", text="the clock is tolled while a law-enforcement delay lasts")
NO_DELAY = LawEnforcementDelay(effect="none", text="a law-enforcement request does not delay this notice")


def delay_rule(version: RegimeVersion, rule: ObligationRule) -> LawEnforcementDelay:
    """The law-enforcement delay rule of one obligation: its own, else its ``tolling`` switch, else the version's."""
    if rule.law_enforcement is not None:
        return rule.law_enforcement
    if rule.tolling is not None:
        return TOLL if rule.tolling else NO_DELAY
    if version.law_enforcement is not None:
        return version.law_enforcement
    return TOLL if version.law_enforcement_tolling else NO_DELAY
