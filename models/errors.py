"""The errors the services raise for requests the record cannot accept (the face turns them into messages)."""

from __future__ import annotations


class NotFound(LookupError):
    pass


class InvalidRequest(ValueError):
    """A request that the record cannot accept (unknown client, unknown playbook...)."""
