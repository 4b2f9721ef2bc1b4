"""What each regulator's form or portal asks for, as data: ``playbooks/filings/*.yaml``, one file per form.

A form names the regime rules it serves, where it comes from (its URL, citation, the date its fields were
compiled, a confidence), whether the law asks for a copy of the notice to individuals, and its fields in the
form's order: each with the form's own label, whether it is required, and where breachclock finds the value
(``source``; ``manual`` when only a person can answer). ``kind`` says honestly what the field list is:

- ``form``: the regulator's own form or portal headings;
- ``statute``: the content the statute or regulation prescribes (the regulator's form is not encoded);
- ``generic``: the one fallback, for a regulator rule no form serves: common facts plus the rule's own
  content list, never presented as the regulator's form.

Pure code: loading, validating and resolving a rule to its form; filling the fields is ``models/report``'s job.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Literal

from breachclock.playbooks.catalog import PLAYBOOKS_DIR, CatalogError, read_yaml
from breachclock.playbooks.schema import Confidence
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

FILINGS_DIR = PLAYBOOKS_DIR / "filings"
GENERIC_FORM = "generic"

# Where a field's value comes from. Only the entity's and the incident's facts and counts: a filing package
# never carries an affected person's details.
Source = Literal[
    "entity.name",               # the notifying entity's name
    "entity.contact",            # its contact for questions (phone, e-mail, address as the incident file gives it)
    "incident.title",
    "incident.discovered_at",    # date of discovery
    "incident.determined_at",    # date the entity determined a breach occurred
    "incident.breach_started_at",
    "incident.breach_ended_at",
    "incident.breach_period",    # the breach's date or date range, in words
    "facts.incident_summary",    # what happened, as the incident file's summary says it
    "facts.measures_taken",      # what the entity did in response
    "counts.jurisdiction",       # people of the regulator's jurisdiction covered by this duty
    "counts.total",              # everyone affected in the duty's data set, all jurisdictions
    "data_elements",             # the exposed elements, in plain words
    "notice.individual_sent_at",  # when the notice to individuals under the same law went out
    "notice.individual_methods",  # how it goes out (letter, e-mail)
    "notice.individuals_sent",   # how many people it has been sent to so far
    "notice.copy",               # the sample notice to individuals (attached to the package)
    "credit_monitoring",         # the identity-protection offer
    "law_enforcement",           # a law-enforcement delay or hold recorded on the incident
    "manual",                    # only a person can answer
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormField(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, description="The field as the form (or the statute) words it.")
    required: bool
    source: Source
    citation: str | None = Field(default=None, description="The provision that asks for it, where one does.")
    note: str | None = Field(default=None, description="What the person filling it should know (options, caveats).")


class Serves(_Strict):
    regime: str
    rules: list[str] = Field(min_length=1, description="Rule keys of the regime this form is filed for.")


class Form(_Strict):
    id: str
    name: str
    authority: str = Field(description="Who receives it.")
    kind: Literal["form", "statute", "generic"]
    serves: list[Serves] = Field(default_factory=list)
    url: str | None = Field(default=None, description="Where it is filed or published.")
    sources: list[str] = Field(default_factory=list, description="Where the field list was taken from.")
    citation: str
    as_of: date = Field(description="When the field list was compiled from its sources.")
    effective_from: date | None = Field(default=None, description="Since when the law or form asks for this.")
    confidence: Confidence
    confidence_notes: str
    copy_of_notice: Literal["required", "no"] = Field(
        description="Whether the law asks for a copy of the notice to individuals with the filing.")
    fields: list[FormField] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Form:
        ids = [f.id for f in self.fields]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"duplicate field id(s) {', '.join(dupes)}")
        if (self.kind == "generic") != (self.id == GENERIC_FORM):
            raise ValueError(f"only {GENERIC_FORM!r} is the generic form, and it is kind 'generic'")
        if self.kind == "generic" and self.serves:
            raise ValueError("the generic form serves no rule by name: it is the fallback")
        if self.kind != "generic" and not self.serves:
            raise ValueError("a form names the regime rules it serves")
        has_copy = any(f.source == "notice.copy" for f in self.fields)
        if (self.copy_of_notice == "required") != has_copy:
            raise ValueError("copy_of_notice 'required' and a notice.copy field go together")
        return self


@cache
def forms() -> dict[str, Form]:
    """Every form, validated, keyed by id (the file name); each rule is served by at most one form."""
    out: dict[str, Form] = {}
    served: dict[tuple[str, str], str] = {}
    for path in sorted(FILINGS_DIR.glob("*.yaml")):
        try:
            form = Form.model_validate(read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(f"filings/{path.name}: {exc}") from exc
        if form.id != path.stem:
            raise CatalogError(f"filings/{path.name}: id {form.id!r} does not match the file name")
        for s in form.serves:
            for rule in s.rules:
                if (s.regime, rule) in served:
                    raise CatalogError(f"filings/{path.name}: {s.regime} {rule} is already served by "
                                       f"{served[(s.regime, rule)]}")
                served[(s.regime, rule)] = form.id
        out[form.id] = form
    if GENERIC_FORM not in out:
        raise CatalogError(f"filings/{GENERIC_FORM}.yaml is missing: every regulator rule needs a form")
    return out


def form_for(regime: str, rule_key: str) -> Form:
    """The form a regulator rule is filed on: the one that names it, else the labelled generic fallback."""
    for form in forms().values():
        if any(s.regime == regime and rule_key in s.rules for s in form.serves):
            return form
    return forms()[GENERIC_FORM]
