"""Who receives a notice and on which channel: the one place this is decided.

- A notice to a **data owner** goes to the client whose data the data set is (its ``recipient_ref``
  ``client:<id>``), on the client's documented channel, to the client's documented contact, once. Nobody
  else, ever: a data set whose client is not identified gets no data-owner notice until it is named.
- A notice to **people** goes to every person of the obligation's data set and jurisdiction whose exposed
  elements the law covers, each once, by written letter when a postal address is known, else by e-mail
  (where the law allows electronic notice). Someone with neither has no usable contact.
- A notice to a **regulator, consumer reporting agency or the media** is a hand-over: a filing package a
  person submits (portal, mail, press release); it counts only once that person records the filing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from breachclock.models import Client, Obligation
from breachclock.playbooks import catalog
from breachclock.playbooks.engine import NO_LAW_APPLIED
from breachclock.playbooks.jurisdictions import covers_jurisdiction
from sqlalchemy.orm import Session

HANDOVER_AUDIENCES = frozenset({"regulator", "cra", "media", "substitute"})
# Substitute notice (the website posting and the notice to statewide media) is notice to people, given publicly.
PEOPLE_AUDIENCES = frozenset({"individual", "substitute"})
# Written notice first (every statute accepts it), then e-mail, then a text message where every law of the
# notice lists `sms` among its methods (none of the modelled laws does today: a text is not notice under them).
PERSON_CHANNELS = ("postal", "email", "sms")
_METHOD_OF = {"postal": "mail", "email": "email", "sms": "sms"}


class RecipientError(ValueError):
    """A notice whose recipient cannot be determined safely (the message says what to fix)."""


def client_id(recipient_ref: str | None) -> str | None:
    return recipient_ref.split(":", 1)[1] if recipient_ref and recipient_ref.startswith("client:") else None


def client_for(session: Session, recipient_ref: str | None) -> Client:
    """The client a data-owner notice is addressed to; refuses when it is not identified or not registered."""
    cid = client_id(recipient_ref)
    if cid is None:
        raise RecipientError("the data's owner is not identified: name the client in the incident's data_sets")
    client = session.get(Client, cid)
    if client is None:
        raise RecipientError(f"client {cid!r} is not registered (breachclock clients load)")
    return client


def person_channels_allowed(methods: Iterable[Iterable[str]]) -> list[str]:
    """The channels a notice to people may use: those every applicable law's methods allow.

    A rule that lists no methods is read as allowing written notice only.
    """
    allowed = list(PERSON_CHANNELS)
    for rule_methods in methods:
        listed = set(rule_methods) or {"mail"}
        allowed = [c for c in allowed if _METHOD_OF[c] in listed]
    return allowed


def notice_channels(audience: str, *, client: Client | None = None, person_methods: Iterable[Iterable[str]] = ()
                    ) -> list[str]:
    """The channels a notice is drafted for: each one is a variant counsel approves."""
    if audience == "data_owner":
        assert client is not None
        return [client.notice_channel]
    if audience == "individual":
        return person_channels_allowed(person_methods)
    if audience in HANDOVER_AUDIENCES:
        return ["filing"]
    raise ValueError(f"no notice is sent to audience {audience!r}")


def person_channel(person_channels: Iterable[str], available: Iterable[str]) -> str | None:
    """The channel a person is reached on, among the notice's approved variants; None: no usable contact."""
    have, approved = set(person_channels), set(available)
    return next((c for c in PERSON_CHANNELS if c in have and c in approved), None)


@dataclass(frozen=True)
class PeopleScope:
    """Whom a notice to people under one obligation reaches: the people of a data set, in some jurisdictions,
    whose exposed elements the law's definition covers."""

    data_set: str
    jurisdictions: tuple[str, ...]
    """Codes matched exactly; a country code (``US``) also matches its subdivisions (``US-CA``)."""
    covers: Callable[[frozenset[str]], bool]
    methods: tuple[str, ...]

    def matches(self, jurisdiction: str) -> bool:
        return covers_jurisdiction(self.jurisdictions, jurisdiction)


def people_scope(obligation: Obligation) -> PeopleScope:
    """The people an individual-notice obligation concerns (from the rule version it was decided under)."""
    if obligation.regime == NO_LAW_APPLIED:  # counsel decided these people are notified, whatever was exposed
        return PeopleScope(obligation.data_set, (obligation.jurisdiction,), lambda elements: True, ("mail", "email"))
    found = catalog.rule_of(obligation.rule_version, obligation.rule_key)
    assert found is not None, obligation.rule_version
    regime, version, rule = found
    where = ((obligation.jurisdiction,) if obligation.jurisdiction != regime.jurisdiction
             else tuple(version.applies_to.residents_of))
    return PeopleScope(obligation.data_set, where, version.personal_information.covers, tuple(rule.methods))
