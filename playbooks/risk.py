"""The risk-of-harm assessment held against each law's exception.

A law's exception excuses notice only on the determination the law describes: HIPAA's assessment of at least
four factors (45 CFR 164.402(2)), Florida's, New York's and Alaska's determination documented in writing. Here,
pure and in one place: which factors a law names, whether the incident's assessment documents them, whether
counsel has signed off the assessment as it now stands, and the words the decision record uses for each case.
The engine asks :func:`harm_exception` for each regime; the record shows :func:`assessment_record`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from breachclock.playbooks.schema import ObligationRule, Regime, RegimeVersion


class Risk(Protocol):
    """The incident file's ``risk`` (:class:`playbooks.facts.Risk`, which validates its factor ids against
    :func:`known_factors`, so it is not imported here)."""

    harm_likely: bool
    high_risk: bool
    assessment: str | None
    assessed_by: str | None
    assessed_at: datetime | None
    factors: dict[str, str]

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...

SIGN_OFF_COMMAND = "breachclock risk approve"


@dataclass(frozen=True)
class SignOff:
    """Counsel's sign-off of one assessment, bound to its digest: a changed assessment needs a new one."""

    counsel: str
    at: datetime
    assessment_sha256: str


def assessment_digest(risk: Risk) -> str:
    """The sha256 of the assessment as the incident file states it (conclusion, factors, basis, who, when)."""
    body = json.dumps(risk.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


@cache
def known_factors() -> dict[str, str]:
    """Every factor id some law names, with its words (the vocabulary of the incident file's risk.factors)."""
    from breachclock.playbooks.catalog import regimes

    out: dict[str, str] = {}
    for regime in regimes().values():
        for version in regime.versions:
            for factor in version.risk_of_harm.factors:
                out.setdefault(factor.id, factor.text)
    return out


def _basis_words(basis: str) -> str:
    return "harm is not likely" if basis == "harm_likely" else "the risk is not high"


@dataclass(frozen=True)
class HarmException:
    """A regime's risk-of-harm exception as the incident's assessment stands against it."""

    exists: bool
    """The law has a risk-of-harm exception."""
    claimed: bool
    """The assessment concludes what the exception needs (harm not likely)."""
    missing: tuple[str, ...] = ()
    """What the law or counsel's sign-off still needs before the exception is relied on."""

    @property
    def relied_on(self) -> bool:
        return self.exists and self.claimed and not self.missing

    @property
    def pending(self) -> bool:
        return self.exists and self.claimed and bool(self.missing)


def harm_exception(risk: Risk, version: RegimeVersion, signoff: SignOff | None) -> HarmException:
    """Whether the regime's exception can be relied on: claimed by the conclusion, documented as the law requires
    (a finding on each factor it names; for a written determination the written basis, who made it and when)
    and signed off by counsel as it now stands."""
    rh = version.risk_of_harm
    claimed = not getattr(risk, rh.basis)
    if not rh.exception or not claimed:
        return HarmException(rh.exception, claimed)
    missing: list[str] = []
    where = f" ({rh.citation})" if rh.citation else ""
    if absent := [f for f in rh.factors if not risk.factors.get(f.id, "").strip()]:
        missing.append(f"a finding on each factor the law names{where}, missing: "
                       + "; ".join(f"{f.id} ({f.text})" for f in absent))
    if rh.written or rh.factors:
        lacking = [f"risk.{name}" for name in ("assessment", "assessed_by", "assessed_at") if not getattr(risk, name)]
        if lacking:
            missing.append(f"the determination documented in writing{where}: {', '.join(lacking)}")
    if signoff is None:
        missing.append(f"counsel's sign-off of the assessment ({SIGN_OFF_COMMAND})")
    elif signoff.assessment_sha256 != assessment_digest(risk):
        missing.append(f"counsel's sign-off of the assessment as it now stands (the one {signoff.counsel} signed "
                       f"off on {signoff.at:%Y-%m-%d} has changed since; {SIGN_OFF_COMMAND})")
    return HarmException(True, True, tuple(missing))


def excused_reason(version: RegimeVersion, risk: Risk, signoff: SignOff | None) -> str:
    rh = version.risk_of_harm
    who = f" by {risk.assessed_by}" if risk.assessed_by else ""
    when = f" on {risk.assessed_at:%Y-%m-%d}" if risk.assessed_at else ""
    counsel = f", signed off by counsel {signoff.counsel} on {signoff.at:%Y-%m-%d}" if signoff else ""
    text = (f"risk-of-harm exception: the assessment{who}{when}{counsel} found that {_basis_words(rh.basis)} "
            f"({rh.text or 'keep the written determination'})")
    if rh.factors:
        text += f"; factors addressed: {', '.join(f.id for f in rh.factors)}"
    return text + (f"; keep it {rh.record_years} years" if rh.record_years else "")


def not_relied_reason(harm: HarmException) -> str:
    """Why a duty the exception carries (a kept determination, a notice of it to a regulator) is not owed."""
    if harm.pending:
        return ("owed once the firm relies on the risk-of-harm exception, which it cannot yet: the record lacks "
                + "; ".join(harm.missing))
    return ("owed only when relying on the risk-of-harm exception; the incident is assessed as "
            "harmful (conservative default) so notice is given instead")


def required_note(regime: Regime, rule: ObligationRule, harm: HarmException) -> str | None:
    """What a duty that stays owed says about the assessment, or None when there is nothing to say."""
    if rule.recipient_kind in ("record", "data_owner") or rule.only_with_harm_exception or not harm.claimed:
        return None
    if not harm.exists:
        return f"the risk assessment does not excuse notice under {regime.name}: it has no risk-of-harm exception"
    if not rule.excused_by_harm_exception:
        return "the risk-of-harm exception does not excuse this notice"
    if harm.pending:
        return ("the assessment concludes harm is not likely, but the risk-of-harm exception is not relied on "
                "until the record has " + "; ".join(harm.missing))
    return None


def regime_status(version: RegimeVersion, risk: Risk, signoff: SignOff | None) -> dict[str, Any]:
    """One regime's exception as the assessment stands against it, for the decision record."""
    harm = harm_exception(risk, version, signoff)
    rh = version.risk_of_harm
    if not harm.exists:
        status = "no risk-of-harm exception: the assessment does not excuse notice under this law"
    elif not harm.claimed:
        status = f"exception not claimed: the conclusion is that {rh.basis.replace('_', ' ')} is true"
    elif harm.relied_on:
        status = "exception relied on"
    else:
        status = "exception claimed, not relied on: the record lacks " + "; ".join(harm.missing)
    return {"exception": harm.exists, "relied_on": harm.relied_on, "status": status,
            "factors": [f.id for f in rh.factors], "written": rh.written, "record_years": rh.record_years,
            "citation": rh.citation}


def assessment_record(risk: Risk, signoff: SignOff | None, versions: Iterable[tuple[str, RegimeVersion]] = ()
                      ) -> dict[str, Any]:
    """The assessment as the decision record shows it: conclusion, who, when, basis, factors, counsel's
    sign-off, and per regime considered whether it excuses notice."""
    digest = assessment_digest(risk)
    return {
        "conclusion": {"harm_likely": risk.harm_likely, "high_risk": risk.high_risk},
        "assessed_by": risk.assessed_by,
        "assessed_at": risk.assessed_at.isoformat() if risk.assessed_at else None,
        "basis": risk.assessment,
        "factors": dict(risk.factors),
        "sha256": digest,
        "sign_off": None if signoff is None else {
            "counsel": signoff.counsel, "at": signoff.at.isoformat(), "assessment_sha256": signoff.assessment_sha256,
            "current": signoff.assessment_sha256 == digest},
        "regimes": {regime_id: regime_status(version, risk, signoff) for regime_id, version in versions},
    }
