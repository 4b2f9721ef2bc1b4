"""The errors the services raise for requests the record cannot accept (the faces turn them into messages).

Two kinds, because a user fixes them differently: :class:`InvalidRequest` (and :class:`NotFound`) is input to
correct (an unknown client, a missing reason); :class:`Refused` is a request the record's current state does not
allow (a closed incident, a task already completed). Either way nothing was changed.
"""

from __future__ import annotations


class NotFound(LookupError):
    """No such incident, notice, delivery..."""


class InvalidRequest(ValueError):
    """Input the record cannot accept (unknown client, unknown playbook, a decision without its reason)."""


class Refused(Exception):
    """A request the incident's current state does not allow; the message says why and what to do."""
