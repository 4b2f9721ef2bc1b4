"""Clients and their contractual notice terms: registering them, resolving an incident's references to them."""

from __future__ import annotations

from breachclock.models.client.models import Client, Matter
from breachclock.models.errors import InvalidRequest
from breachclock.playbooks.facts import ClientTerms
from sqlalchemy.orm import Session


def resolve_clients(session: Session, refs: list[str | ClientTerms], *, register: bool = False) -> list[ClientTerms]:
    """The contract terms for an incident's clients: inline terms, ``client-id`` or ``client-id/matter-id``."""
    out = []
    for ref in refs:
        if isinstance(ref, ClientTerms):
            if register:
                upsert_client(session, ref)
            out.append(ref)
            continue
        client_id, _, matter_id = ref.partition("/")
        client = session.get(Client, client_id)
        if client is None:
            raise InvalidRequest(f"clients: unknown client {client_id!r} (register it with `breachclock clients load`)")
        terms = client_terms(client)
        if matter_id:
            matter = session.get(Matter, matter_id)
            if matter is None or matter.client_id != client_id:
                raise InvalidRequest(f"clients: client {client_id!r} has no matter {matter_id!r}")
            if matter.notice_hours is not None:
                terms = terms.model_copy(update={
                    "notice_hours": matter.notice_hours,
                    "contract_reference": f"{terms.contract_reference or 'client terms'}; matter {matter.name}"})
        out.append(terms)
    return out


def client_terms(client: Client) -> ClientTerms:
    return ClientTerms(
        id=client.id,
        name=client.name,
        firm_role=client.firm_role,  # type: ignore[arg-type]
        notice_hours=client.notice_hours,
        notice_contact=client.notice_contact,
        notice_channel=client.notice_channel,  # type: ignore[arg-type]
        notice_attention=client.notice_attention,
        contract_reference=client.contract_reference,
    )


def upsert_clients(session: Session, terms: list[ClientTerms]) -> list[Client]:
    """Register or update clients, all or nothing; a file naming one client twice is refused (which is meant?)."""
    seen: set[str] = set()
    for t in terms:
        if t.id in seen:
            raise InvalidRequest(f"clients: {t.id!r} is given twice; give each client once")
        seen.add(t.id)
    return [upsert_client(session, t) for t in terms]


def upsert_client(session: Session, terms: ClientTerms) -> Client:
    client = session.get(Client, terms.id)
    if client is None:
        client = Client(id=terms.id)
        session.add(client)
    client.name = terms.name
    client.firm_role = terms.firm_role
    client.notice_hours = terms.notice_hours
    client.notice_contact = terms.notice_contact
    client.notice_channel = terms.notice_channel
    client.notice_attention = terms.notice_attention
    client.contract_reference = terms.contract_reference
    session.flush()
    for m in terms.matters:
        matter = session.get(Matter, m.id)
        if matter is not None and matter.client_id != terms.id:
            raise InvalidRequest(f"matter {m.id!r} already belongs to client {matter.client_id!r}")
        if matter is None:
            matter = Matter(id=m.id, client_id=terms.id)
            session.add(matter)
        matter.name, matter.notice_hours = m.name, m.notice_hours
    session.flush()
    return client
