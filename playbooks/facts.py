"""The incident file: the facts the rule engine evaluates, validated at the edge.

Every field is documented in ``docs/incident-file.md``. Datetimes must carry an
offset; jurisdiction codes are ISO 3166-2 subdivisions (``US-CA``, ``CA-QC``)
or ISO 3166-1 countries (``DE``, ``GB``), plus ``unknown`` for people whose
residency could not be determined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from breachclock.playbooks.catalog import data_elements
from breachclock.playbooks.jurisdictions import UNKNOWN, jurisdiction_name
from breachclock.playbooks.schema import EventType, Role, Sector
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

# The data set of an incident that declares none: the entity's own data, with the entity's roles and sectors.
ENTITY_DATA_SET = "entity"
# HIPAA status attaches to the protected health information an entity holds, not to the entity's other data:
# with explicit data sets it is declared per data set.
DATA_SCOPED_SECTORS = frozenset({"hipaa_covered_entity", "hipaa_business_associate"})
OWNER_ROLES = frozenset({"data_owner", "controller"})
VENDOR_ROLES = frozenset({"service_provider", "processor"})
# Countries whose lawyers are admitted by a state or province, never by the country: a bare code would match no
# state opinion and silently switch them all off ("CA" is also California's postal code, not Canada's bar).
BARE_ADMISSIONS = {
    "US": "is the United States: lawyers are admitted by a state, D.C. or a territory; name them (US-CA, US-NY, US-DC)",
    "CA": "is Canada, not California: California is 'US-CA'; a Canadian lawyer is admitted by a province's or "
          "territory's law society ('CA-ON', 'CA-QC')",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


# Bounds on what an incident file may say (documented in docs/incident-file.md): no count above a billion, no
# boolean taken for a number, no text longer than a long letter, no date outside 1990-2100.
MAX_COUNT = 1_000_000_000
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
Flag = Annotated[bool, Field(strict=True)]


def _plausible(moment: datetime) -> datetime:
    if not 1990 <= moment.year <= 2100:
        raise ValueError("the date must fall between 1990 and 2100")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


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
    name: str = Field(min_length=1, max_length=300)
    timezone: str = Field(max_length=64, description="IANA zone of the notifying entity, e.g. America/New_York.")
    roles: list[Role] = Field(default_factory=lambda: ["data_owner"], min_length=1)
    sectors: list[Sector] = Field(default_factory=list)
    contact: str | None = Field(default=None, max_length=1000,
                                description="Contact line printed on notices (phone, email, address).")
    country: str | None = Field(default=None, description="ISO 3166-1 code of the entity's home country: whose "
                                "letter people of unknown residency get, if counsel decides to notify them.")
    bar_admissions: list[str] | None = Field(
        default=None, max_length=100, description="Where the firm's lawyers are admitted to practise, as "
        "jurisdiction codes (US-CA, US-NY): whose rules of professional conduct govern them, so which state "
        "ethics opinions apply. Unset: not recorded (a state opinion's duty is then a question for counsel).")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and ("-" in value or jurisdiction_name(value) is None):
            raise ValueError(f"unknown country code {value!r} (use ISO 3166-1 alpha-2, like 'US')")
        return value

    @field_validator("bar_admissions")
    @classmethod
    def _admissions(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("bar_admissions: list where the firm's lawyers are admitted (US-CA, US-NY), or leave "
                             "the field out if it is not known")
        for code in value:
            if code in BARE_ADMISSIONS:
                raise ValueError(f"bar_admissions: {code!r} {BARE_ADMISSIONS[code]}")
            if code == UNKNOWN or jurisdiction_name(code) is None:
                raise ValueError(f"bar_admissions: unknown jurisdiction code {code!r} (use ISO 3166-2 like 'US-CA' "
                                 "or 'US-NY'; leave the field out if the admissions are not known)")
        return sorted(set(value))

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
    at: Moment
    end: Moment | None = None
    regime: str | None = Field(default=None, max_length=40,
                               description="The regime a notice event belongs to (e.g. US-CA).")
    agency: str | None = Field(default=None, max_length=300, description="law_enforcement_delay: who asked "
                               "(some laws count only certain agencies: the SEC only the U.S. Attorney General).")
    written: Flag | None = Field(default=None, description="law_enforcement_delay: the request was in writing "
                                 "(HIPAA: an oral one delays at most 30 days). Unset: treated as not shown.")
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _end(self) -> Event:
        if (self.end is not None or self.written is not None) and self.type != "law_enforcement_delay":
            raise ValueError("only a law_enforcement_delay event has an end or says whether it was written")
        if self.end is not None and self.end <= self.at:
            raise ValueError("a delay must end after it starts")
        return self


class Risk(_Strict):
    """The firm's risk assessment. Defaults are the conservative answer (notify).

    ``harm_likely`` / ``high_risk`` are its conclusion; a law's risk-of-harm exception is relied on only when the
    rest documents it as that law requires (its factors, the written basis, who and when) and counsel has signed
    it off (:mod:`playbooks.risk`).
    """

    harm_likely: Flag = True
    high_risk: Flag = True
    assessment: str | None = Field(default=None, description="The written basis of the assessment.")
    assessed_by: str | None = Field(default=None, min_length=1, max_length=200,
                                    description="Who made the assessment (name and role).")
    assessed_at: Moment | None = Field(default=None, description="When the determination was made; starts the "
                                       "clocks of the duties it carries (e.g. Florida's 30 days to the Department).")
    factors: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=64)],
                  Annotated[str, Field(min_length=1, max_length=5000)]] = Field(
        default_factory=dict, max_length=50, description="The finding on each factor a law names, by factor id.")

    @field_validator("factors")
    @classmethod
    def _known_factors(cls, value: dict[str, str]) -> dict[str, str]:
        from breachclock.playbooks.risk import known_factors

        known = known_factors()
        if unknown := sorted(set(value) - set(known)):
            raise ValueError(f"unknown risk factor(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        if blank := sorted(k for k, v in value.items() if not v.strip()):
            raise ValueError(f"risk factor(s) {', '.join(blank)}: write the finding")
        return value


class AffectedGroup(_Strict):
    """People of one data set in one jurisdiction with the same exposed elements (produced by scoping)."""

    jurisdiction: str
    elements: list[str] = Field(max_length=60)
    count: Count
    data_set: str = ENTITY_DATA_SET

    _j = field_validator("jurisdiction")(classmethod(lambda cls, v: check_jurisdiction(v)))
    _e = field_validator("elements")(classmethod(lambda cls, v: check_elements(v)))


class MatterTerms(_Strict):
    """A client matter; its notice hours, when set, override the client's for incidents naming it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    notice_hours: int | None = Field(default=None, strict=True, gt=0, le=8760)


def normalize_contact(channel: str, contact: str) -> str:
    """A notice contact checked against its channel: an e-mail address, an E.164 number or a postal block."""
    value = contact.strip()
    if channel == "email":
        if not _EMAIL.match(value):
            raise ValueError("notice_contact must be an e-mail address for notice_channel email")
        return value
    if channel == "sms":
        compact = re.sub(r"[\s().-]", "", value)
        if not _E164.match(compact):
            raise ValueError("notice_contact must be a phone number in international format (+15551234567) "
                             "for notice_channel sms")
        return compact
    lines = [line.strip() for line in re.split(r"\n|;", value) if line.strip()]
    if len(lines) < 2:
        raise ValueError("notice_contact must be a postal address of at least two lines (separate lines with "
                         "newlines or ';') for notice_channel postal")
    return "\n".join(lines)


class ClientTerms(_Strict):
    """Contractual notice terms of a client whose data is involved.

    An incident names a registered client by id, or one of its matters as ``client-id/matter-id``.
    ``notice_contact`` must suit ``notice_channel``: an e-mail address, an international phone number, or a
    postal address.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    firm_role: Literal["service_provider", "data_owner"] = "service_provider"
    notice_hours: int = Field(default=24, strict=True, gt=0, le=8760)
    notice_contact: str = Field(max_length=300)
    notice_channel: Literal["email", "sms", "postal"] = "email"
    notice_attention: str | None = Field(
        default=None, max_length=200, description="Who the notice is addressed to at the client (e.g. 'General Counsel').")
    contract_reference: str | None = Field(default=None, max_length=300)
    matters: list[MatterTerms] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _contact_suits_channel(self) -> ClientTerms:
        self.notice_contact = normalize_contact(self.notice_channel, self.notice_contact)
        return self


class ClientImpact(_Strict):
    """What the incident did to one client's confidential information or to the firm's services for it.

    A lawyer's duty to tell a client (ABA Formal Opinion 483) turns on this, not on personal data: material client
    confidential information (privileged advice, deal files, litigation strategy) compromised or substantially
    likely to have been, or the firm's ability to perform the services it was hired for significantly impaired.
    """

    client: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The id of one of the incident's "
                        "clients (a client, not a matter: name it once even if several of its matters are hit).")
    relationship: Literal["current", "former"] = Field(default="current", description="Whether the client is a "
                                                       "current or a former client of the firm.")
    confidential_information: Literal["compromised", "substantially_likely", "not_compromised"] = Field(
        description="Whether the client's material confidential information was misappropriated, destroyed or "
        "otherwise compromised, is substantially likely to have been, or was not.")
    services_impaired: Flag = Field(default=False, description="The firm's ability to perform the legal services "
                                    "it was hired for is significantly impaired by the incident.")
    notice_agreed: Flag = Field(default=False, description="The client agreed to be told of such an incident after "
                                "the representation ends (an engagement term; matters for a former client).")
    interests_possibly_impacted: Flag | None = Field(
        default=None, description="Whether there is a reasonable possibility that the client's interests are "
        "negatively impacted by the incident, whatever the materiality of the information (the lower trigger of "
        "State Bar of California Formal Op. 2020-203). Unset: not assessed.")
    information: str | None = Field(default=None, max_length=2000, description="Which information or services, in "
                                    "plain words (what the client's notice says was affected).")

    @property
    def affected(self) -> bool:
        return self.confidential_information != "not_compromised" or self.services_impaired


class DataSet(_Strict):
    """One body of affected data and the firm's capacity for it.

    The firm's own records (``client`` unset) it holds as data owner / controller; a client's data it
    usually holds as that client's service provider / processor, and then the laws' duties run to the
    client (notify the owner), not to the people. Each law is evaluated per data set with its role and
    sectors, so a HIPAA business associate's status applies only to the PHI it holds for that client.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    client: str | None = Field(default=None, description="The client whose data this is; unset: the firm's own.")
    role: Role | None = Field(default=None, description="The firm's role for this data. Default: data_owner for the "
                              "firm's own data; the client's firm_role for a client's data.")
    sectors: list[Sector] | None = Field(default=None, description="The firm's regulatory status for this data "
                                         "(hipaa_business_associate for PHI held for a covered entity). Default: "
                                         "the entity's sectors other than HIPAA ones for the firm's own data; none "
                                         "for a client's data.")
    description: str | None = Field(default=None, max_length=2000)
    data_elements: list[str] | None = Field(default=None, max_length=60)
    affected: dict[str, Count] = Field(default_factory=dict, max_length=400)

    _e = field_validator("data_elements")(classmethod(lambda cls, v: v if v is None else check_elements(v)))

    @field_validator("id")
    @classmethod
    def _reserved(cls, value: str) -> str:
        if value == ENTITY_DATA_SET:
            raise ValueError(f"{ENTITY_DATA_SET!r} is reserved for the entity's data when no data sets are declared")
        return value

    @field_validator("affected")
    @classmethod
    def _codes(cls, value: dict[str, int]) -> dict[str, int]:
        for code in value:
            check_jurisdiction(code)
        return value


@dataclass(frozen=True)
class ResolvedDataSet:
    """A data set with its effective roles, sectors, client and elements (see :meth:`IncidentFacts.data_sets_for`)."""

    id: str
    client: str | None
    roles: tuple[str, ...]
    sectors: frozenset[str]
    elements: tuple[str, ...]
    description: str | None = None

    @property
    def firm_owned(self) -> bool:
        return bool(OWNER_ROLES & set(self.roles))


class CreditMonitoring(_Strict):
    """The identity-protection offer made to the people notified: several laws require one and its length
    (Massachusetts 18 months, Connecticut 24, California 12); each letter states it, and the checks compare it."""

    provider: str = Field(min_length=1, max_length=200)
    service: str = Field(default="credit monitoring and identity theft protection", min_length=1, max_length=200)
    months: int = Field(strict=True, ge=1, le=120)
    enrollment: str | None = Field(default=None, max_length=500, description="How to enrol: a web address, a "
                                   "phone number, an enrolment code.")
    enroll_by: date | None = None


LetterLanguage = Literal["es", "fr"]
"""Languages a letter can be written in besides English (ISO 639-1), for people whose extract row asks for one."""


class Translation(_Strict):
    """The incident's own words in another language, for the letters of people who read it (the templates are
    translated; what happened and what was done are the responders' words, so they translate them here)."""

    title: str | None = Field(default=None, max_length=300)
    summary: str | None = Field(default=None, max_length=20_000)
    measures_taken: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=100)
    likely_consequences: str | None = Field(default=None, max_length=4000)
    service: str | None = Field(default=None, max_length=200, description="credit_monitoring.service in this "
                                "language (the letter's own words for the default service).")
    enrollment: str | None = Field(default=None, max_length=500, description="credit_monitoring.enrollment in "
                                   "this language.")

    @field_validator("title", "summary", "likely_consequences", "service", "enrollment")
    @classmethod
    def _text_or_nothing(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank: leave the field out until it is translated")
        return value.strip() if value is not None else None


class IncidentFacts(_Strict):
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, description="What happened, in plain words (used in notices).")
    exercise: Flag = Field(default=False, description="A drill or tabletop exercise: deliveries are simulated "
                           "(memory channels only) and no obligation is ever marked met.")
    entity: Entity
    discovered_at: Moment
    determined_at: Moment | None = None
    breach_started_at: Moment | None = None
    breach_ended_at: Moment | None = None
    data_elements: list[str] = Field(default_factory=list, max_length=60, description="The personal data "
                                     "exposed; empty for a cybersecurity incident that involves none.")
    encrypted: Flag = False
    encryption_key_compromised: Flag = False
    affected: dict[str, Count] = Field(default_factory=dict, max_length=400)
    data_sets: list[DataSet] | None = Field(
        default=None, max_length=200, description="Whose data was affected and in which capacity the firm holds it. Unset: one "
        "data set, the entity's own, with the entity's roles and sectors.")
    affected_groups: list[AffectedGroup] | None = Field(
        default=None, max_length=100_000, description="Per-jurisdiction counts by data set and exposed elements; written by "
        "`breachclock scope`.")
    clients: list[Annotated[str, Field(max_length=130)] | ClientTerms] = Field(default_factory=list, max_length=500)
    client_impacts: list[ClientImpact] = Field(
        default_factory=list, max_length=500, description="Per client: whether its material confidential "
        "information or the firm's services for it were affected, and whether it is a current or former client "
        "(lawyers' duties to clients; with or without personal data).")
    risk: Risk = Field(default_factory=Risk)
    measures_taken: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=100)
    likely_consequences: str | None = Field(
        default=None, max_length=4000, description="The likely consequences of the breach for the people affected, "
        "in plain words (GDPR and UK GDPR Art. 33(3)(c) and 34(2) ask notices to say them).")
    credit_monitoring: CreditMonitoring | None = None
    translations: dict[LetterLanguage, Translation] = Field(
        default_factory=dict, description="The summary, measures and consequences in each language people's "
        "letters are written in (es: Spanish letters for people whose extract row asks for Spanish).")
    events: list[Event] = Field(default_factory=list, max_length=1000)
    playbook: str | None = Field(default=None, max_length=64)

    _e = field_validator("data_elements")(classmethod(lambda cls, v: check_elements(v)))

    @field_validator("summary", "likely_consequences")
    @classmethod
    def _text_or_nothing(cls, value: str | None) -> str | None:
        # Notices print these words and the content checks look for them: blank text would pass as said.
        if value is not None and not value.strip():
            raise ValueError("must not be blank: leave the field out until it is known")
        return value.strip() if value is not None else None

    @field_validator("affected")
    @classmethod
    def _affected(cls, value: dict[str, int]) -> dict[str, int]:
        for code in value:
            check_jurisdiction(code)
        return value

    @field_validator("playbook")
    @classmethod
    def _playbook(cls, value: str | None) -> str | None:
        from breachclock.playbooks.catalog import response_playbooks

        if value is not None and value not in response_playbooks():
            raise ValueError(f"unknown playbook {value!r} (known: {', '.join(response_playbooks())})")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> IncidentFacts:
        if self.determined_at is not None and self.determined_at < self.discovered_at:
            raise ValueError("determined_at is before discovered_at")
        if self.breach_started_at and self.breach_ended_at and self.breach_ended_at < self.breach_started_at:
            raise ValueError("breach_ended_at is before breach_started_at")
        # A day's grace for clocks and zones; a discovery later than that is a typo that would start no clock.
        if self.discovered_at > datetime.now(UTC) + timedelta(days=1):
            raise ValueError("discovered_at is in the future")
        refs = [c.id if isinstance(c, ClientTerms) else c for c in self.clients]
        inline = {c.id for c in self.clients if isinstance(c, ClientTerms)}
        if dupes := sorted({r for r in refs if refs.count(r) > 1}
                           | {r for r in refs if r not in inline and r.partition("/")[0] in inline}):
            raise ValueError(f"clients: {', '.join(dupes)} named more than once; name each client once")
        if self.risk.assessed_at is not None and self.risk.assessed_at < self.discovered_at:
            raise ValueError("risk.assessed_at is before discovered_at")
        if self.encryption_key_compromised and not self.encrypted:
            raise ValueError("encryption_key_compromised is true but encrypted is false")
        roles = set(self.entity.roles)
        if self.data_sets is None:
            if roles & OWNER_ROLES and roles & VENDOR_ROLES:
                raise ValueError("entity.roles: the firm cannot be both owner and service provider of the same data; "
                                 "declare data_sets saying whose data is whose")
        else:
            self._check_data_sets()
        if not self.data_elements:
            bare = ([f"data set {d.id}" for d in self.data_sets if d.affected and not d.data_elements]
                    if self.data_sets is not None else ["the incident"] if self.affected else [])
            if bare:
                raise ValueError(f"data_elements: people are counted for {', '.join(bare)} but no exposed data "
                                 "elements are listed (list them, or leave the counts out for an incident that "
                                 "involves no personal data)")
        for language, words in self.translations.items():
            if words.measures_taken and len(words.measures_taken) != len(self.measures_taken):
                raise ValueError(f"translations.{language}.measures_taken has {len(words.measures_taken)} item(s) "
                                 f"but measures_taken has {len(self.measures_taken)}: translate each one")
        if self.client_impacts:
            self._check_client_impacts()
        if self.affected_groups is not None:
            known = {d.id for d in self.data_sets} if self.data_sets is not None else {ENTITY_DATA_SET}
            if unknown := sorted({g.data_set for g in self.affected_groups} - known):
                raise ValueError(f"affected_groups: unknown data set(s) {', '.join(unknown)}")
        return self

    def _check_client_impacts(self) -> None:
        named = self.client_ids()
        ids = [c.client for c in self.client_impacts]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"client_impacts: {', '.join(dupes)} listed more than once; list each client once")
        if unknown := [i for i in ids if i not in named]:
            listed = ", ".join(sorted(set(named))) or "none"
            raise ValueError(f"client_impacts: client(s) {', '.join(unknown)} not among the incident's clients "
                             f"(clients: {listed}); add them to clients first")

    def client_impact(self, client_id: str) -> ClientImpact | None:
        return next((c for c in self.client_impacts if c.client == client_id), None)

    def involves_personal_data(self) -> bool:
        """False for a cybersecurity incident that exposed no personal data (no elements, nobody counted)."""
        return bool(self.data_elements or any(d.data_elements for d in self.data_sets or ())
                    or self.affected or any(g.count for g in self.affected_groups or ()))

    def _check_data_sets(self) -> None:
        assert self.data_sets is not None
        ids = [d.id for d in self.data_sets]
        if not ids:
            raise ValueError("data_sets: list at least one data set, or leave it out")
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"data_sets: duplicate id(s) {', '.join(dupes)}")
        if scoped := sorted(set(self.entity.sectors) & DATA_SCOPED_SECTORS):
            raise ValueError(f"entity.sectors: with data_sets, {', '.join(scoped)} is declared on the data sets "
                             "holding that health information (data_sets[].sectors), not on the whole entity")
        named = self.client_ids()
        for d in self.data_sets:
            if d.client is not None and d.client not in named:
                raise ValueError(f"data_sets: {d.id}: client {d.client!r} is not among the incident's clients")
            if d.client is None and d.role in VENDOR_ROLES:
                raise ValueError(f"data_sets: {d.id}: a {d.role.replace('_', ' ')} holds someone else's data: "
                                 "name the client it belongs to")
            if d.client is None and "hipaa_business_associate" in (d.sectors or ()):
                raise ValueError(f"data_sets: {d.id}: a business associate holds PHI for a covered entity: "
                                 "name that client")
        if self.affected and not self.affected_groups:
            if len(self.data_sets) == 1 and not self.data_sets[0].affected:
                self.data_sets[0].affected = dict(self.affected)
            else:
                total: dict[str, int] = {}
                for d in self.data_sets:
                    for code, n in d.affected.items():
                        total[code] = total.get(code, 0) + n
                if total != self.affected:
                    raise ValueError("affected: with several data sets, give the counts per data set "
                                     "(data_sets[].affected); the incident's totals are their sum")

    def client_ids(self) -> list[str]:
        """The ids of the clients the incident names (a matter reference counts for its client)."""
        return [c.id if isinstance(c, ClientTerms) else c.partition("/")[0] for c in self.clients]

    def data_sets_for(self, firm_roles: dict[str, str] | None = None) -> list[ResolvedDataSet]:
        """The data sets with their effective roles and sectors.

        ``firm_roles`` maps a client id to the firm's role for it (the client's ``firm_role``), for clients
        named by reference; inline client terms carry their own.
        """
        roles_of = {c.id: c.firm_role for c in self.clients if isinstance(c, ClientTerms)} | dict(firm_roles or {})
        if self.data_sets is None:
            client = None
            if set(self.entity.roles) & VENDOR_ROLES:
                # Whose data a vendor holds is known only when exactly one client is a service-provider client.
                vendors = [cid for cid in self.client_ids() if roles_of.get(cid, "service_provider") != "data_owner"]
                client = vendors[0] if len(vendors) == 1 else None
            return [ResolvedDataSet(ENTITY_DATA_SET, client, tuple(self.entity.roles), frozenset(self.entity.sectors),
                                    tuple(self.data_elements))]
        out = []
        inherited = frozenset(self.entity.sectors) - DATA_SCOPED_SECTORS
        for d in self.data_sets:
            if d.client is None:
                role, sectors = d.role or "data_owner", frozenset(d.sectors) if d.sectors is not None else inherited
            else:
                role = d.role or roles_of.get(d.client, "service_provider")
                sectors = frozenset(d.sectors or ())
            out.append(ResolvedDataSet(d.id, d.client, (role,), sectors, tuple(d.data_elements or self.data_elements),
                                       d.description))
        return out

    def groups(self, data_set: str | None = None) -> list[AffectedGroup]:
        """People by data set, jurisdiction and exposed elements (all data sets unless ``data_set`` is given).

        From scoping when it ran; before that from the counts in the file, with each data set's elements.
        """
        if self.affected_groups is not None:
            groups = self.affected_groups
        elif self.data_sets is None:
            groups = [AffectedGroup(jurisdiction=j, elements=self.data_elements, count=n)
                      for j, n in self.affected.items()]
        else:
            groups = [AffectedGroup(jurisdiction=j, elements=d.data_elements or self.data_elements, count=n,
                                    data_set=d.id) for d in self.data_sets for j, n in d.affected.items()]
        return groups if data_set is None else [g for g in groups if g.data_set == data_set]

    def first_event(self, kind: str, regime: str | None = None) -> datetime | None:
        times = [e.at for e in self.events if e.type == kind and (regime is None or e.regime in (None, regime))]
        return min(times) if times else None
