"""What a notice must and must not say, as checkable rules, and the check of a rendered notice against them.

Each rule belongs to one obligation of a regime version (``content_rules`` in the regime file), with its id,
citation and the law's words. A rule is checked on the text a recipient gets, channel by channel:

- ``include``: every phrase in ``phrases`` (in order, with ``in_order``), at least one of ``any_of``, and the
  ``fact`` (the breach period when known, a credit-monitoring offer of at least ``min_months``, a toll-free
  number in the entity's contact details);
- ``exclude``: none of ``phrases``, and not the ``fact`` (the number of residents; the nature of the breach,
  that is the incident's own account of what happened);
- ``confirm``: what text cannot show (type size, the envelope): listed for counsel, never blocking.

A rule with ``when_elements`` applies only to a notice about one of those elements (an offer of monitoring
where Social Security numbers were exposed). Pure: no database, no templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Fact = Literal["breach_period", "residents_count", "nature", "monitoring_offer", "toll_free_number",
               "likely_consequences", "contact"]
TOLL_FREE = re.compile(r"(?<!\d)(?:1[-. ]?)?\(?8(?:00|33|44|55|66|77|88)\)?[-. ]?\d{3}[-. ]?\d{4}(?!\d)")
PEOPLE_WORDS = (r"(?:residents?|individuals?|people|persons?|consumers?|patients?|customers?|clients?|employees?"
                r"|residentes?|individuos?|personas?|consumidores?|pacientes?|clientes?|empleados?"
                r"|résidents?|personnes?|particuliers?)")


class ContentRule(BaseModel):
    """One thing a notice must say, must not say, or counsel must confirm (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Unique within the obligation.")
    must: Literal["include", "exclude", "confirm"]
    phrases: list[str] = Field(default_factory=list)
    any_of: list[str] = Field(default_factory=list)
    in_order: bool = False
    fact: Fact | None = None
    min_months: int | None = Field(default=None, ge=1)
    when_elements: list[str] = Field(default_factory=list)
    channels: list[Literal["postal", "email", "sms", "filing"]] = Field(default_factory=lambda: ["postal", "email"])
    citation: str
    text: str = Field(description="The law's own words for the rule.")

    @model_validator(mode="after")
    def _checkable(self) -> ContentRule:
        if self.must != "confirm" and not (self.phrases or self.any_of or self.fact):
            raise ValueError(f"content rule {self.id}: say what to check (phrases, any_of or fact), or use confirm")
        if self.must == "exclude" and (self.any_of or self.fact in ("breach_period", "monitoring_offer",
                                                                    "toll_free_number", "likely_consequences",
                                                                    "contact")):
            raise ValueError(f"content rule {self.id}: an exclude rule checks phrases, residents_count or nature")
        if (self.fact == "monitoring_offer") != (self.min_months is not None):
            raise ValueError(f"content rule {self.id}: a monitoring_offer rule states min_months, and only it")
        return self


@dataclass(frozen=True)
class NoticeFacts:
    """What the checks compare a notice's text with. No personal data: counts, the incident's own words."""

    channel: str
    elements: frozenset[str]
    residents_counts: tuple[int, ...] = ()
    summary: str | None = None
    breach_period: str | None = None
    monitoring_months: int | None = None
    monitoring_text: str | None = None
    entity_contact: str | None = None
    likely_consequences: str | None = None
    translated_summaries: tuple[str, ...] = ()
    """The incident's account of what happened in the other languages the letter is written in (a law that
    forbids describing it forbids it in Spanish too)."""


@dataclass(frozen=True)
class Finding:
    """The result of one rule on one channel: ``passed`` None for what counsel must confirm."""

    regime: str
    rule: str
    channel: str
    must: str
    passed: bool | None
    citation: str
    detail: str

    def line(self) -> str:
        mark = {True: "ok", False: "FAILED", None: "confirm"}[self.passed]
        return f"{mark}: {self.regime} {self.rule} ({self.channel}): {self.detail} [{self.citation}]"


@lru_cache(maxsize=1024)
def _fold(text: str) -> str:
    # Cached: every rule of a notice folds the same rendered text and the same phrases again.
    return " ".join(text.replace("’", "'").casefold().split())


_WORDS = {"en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"],
          "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte"]}
_TENS = {30: ("thirty", "treinta"), 40: ("forty", "cuarenta"), 50: ("fifty", "cincuenta"), 60: ("sixty", "sesenta"),
         70: ("seventy", "setenta"), 80: ("eighty", "ochenta"), 90: ("ninety", "noventa"),
         100: ("one hundred", "cien")}


def _count_forms(n: int) -> list[str]:
    # 1234, 1,234, as Spanish and French letters write it (1.234, 1 234), and small numbers in words
    grouped = f"{n:,}"
    forms = {str(n), grouped, grouped.replace(",", "."), grouped.replace(",", " ")}
    if 2 <= n <= 20:  # "one" of anything is too common a word to read as a count
        forms |= {_WORDS["en"][n], _WORDS["es"][n]}
    forms |= set(_TENS.get(n, ()))
    return sorted(forms, key=len, reverse=True)


def check(regime: str, rule: ContentRule, text: str, facts: NoticeFacts) -> Finding | None:
    """One rule on one rendered text; None when the rule does not apply to this notice or channel."""
    if facts.channel not in rule.channels:
        return None
    if rule.when_elements and not facts.elements & set(rule.when_elements):
        return None

    def found(passed: bool | None, detail: str) -> Finding:
        return Finding(regime, rule.id, facts.channel, rule.must, passed, rule.citation, detail)

    if rule.must == "confirm":
        return found(None, rule.text)
    body = _fold(text)
    problems: list[str] = []
    if rule.must == "include":
        missing = [p for p in rule.phrases if _fold(p) not in body]
        if missing:
            problems.append("missing " + ", ".join(f'"{p}"' for p in missing))
        elif rule.in_order:
            places = [body.index(_fold(p)) for p in rule.phrases]
            if places != sorted(places):
                problems.append("out of order: " + " → ".join(f'"{p}"' for p in rule.phrases) + " is required")
        if rule.any_of and not any(_fold(p) in body for p in rule.any_of):
            problems.append("none of " + ", ".join(f'"{p}"' for p in rule.any_of))
        problems += _included_fact(rule, body, facts)
    else:
        present = [p for p in rule.phrases if _fold(p) in body]
        if present:
            problems.append("says " + ", ".join(f'"{p}"' for p in present))
        problems += _excluded_fact(rule, body, facts)
    return found(not problems, "; ".join(problems) if problems else rule.text)


def _included_fact(rule: ContentRule, body: str, facts: NoticeFacts) -> list[str]:
    if rule.fact == "breach_period":
        # Required "if that information is possible to determine": an unknown period is said as such.
        if facts.breach_period and _fold(facts.breach_period) not in body:
            return [f'the breach period ("{facts.breach_period}") is not stated']
    elif rule.fact == "monitoring_offer":
        if facts.monitoring_months is None:
            return [f"no identity-protection offer: the incident file's credit_monitoring must offer at least "
                    f"{rule.min_months} months"]
        if facts.monitoring_months < (rule.min_months or 0):
            return [f"the offer is {facts.monitoring_months} months; the law requires at least {rule.min_months}"]
        if facts.monitoring_text and _fold(facts.monitoring_text) not in body:
            return ["the identity-protection offer is not in the text"]
    elif rule.fact == "nature":
        # A description of what happened: the incident file's own account, in the letter.
        if not (facts.summary or "").strip():
            return ["the incident file has no summary: the law requires a description of what happened"]
        if _fold(facts.summary) not in body:
            return ["does not describe what happened (the incident file's summary is not in the text)"]
    elif rule.fact == "likely_consequences":
        if not (facts.likely_consequences or "").strip():
            return ["the incident file has no likely_consequences: the law requires the likely consequences"]
        if _fold(facts.likely_consequences) not in body:
            return ["the likely consequences (the incident file's likely_consequences) are not in the text"]
    elif rule.fact == "contact":
        if not (facts.entity_contact or "").strip() or _fold(facts.entity_contact) not in body:
            return ["the entity's contact details (entity.contact) are not in the text"]
    elif rule.fact == "toll_free_number":
        if not (facts.entity_contact and TOLL_FREE.search(facts.entity_contact)):
            return ["the entity's contact details (entity.contact) have no toll-free number"]
        if _fold(facts.entity_contact) not in body:
            return ["the entity's contact details, with its toll-free number, are not in the text"]
    return []


def _excluded_fact(rule: ContentRule, body: str, facts: NoticeFacts) -> list[str]:
    if rule.fact == "residents_count":
        # The entity's own contact line ("press 2 for customers") states no count of anyone.
        if facts.entity_contact and len(facts.entity_contact) >= 6:
            body = body.replace(_fold(facts.entity_contact), " ")
        for n in facts.residents_counts:
            for form in _count_forms(n):
                if re.search(rf"(?<![\w,.]){re.escape(form)}(?![\d,]|\.\d|\w)\W+(?:\w+\W+){{0,3}}{PEOPLE_WORDS}",
                             body):
                    return [f"states the number of people affected ({form})"]
    elif rule.fact == "nature":
        for summary in filter(None, (facts.summary, *facts.translated_summaries)):
            if len(summary.strip()) >= 12 and _fold(summary) in body:
                return ["describes the nature of the breach (the incident's account of what happened)"]
    return []


def blocking(findings: list[Finding]) -> list[Finding]:
    """The findings that keep a notice from approval."""
    return [f for f in findings if f.passed is False]
