"""The legal record: typed SQLAlchemy 2 models, one module per aggregate.

Every model is re-exported here so ``from models import Incident`` works and
Alembic sees the whole metadata.
"""

from models.approval import Approval
from models.audit import AuditEvent, RecordKey
from models.base import Base
from models.client import Client, Matter
from models.evidence import Evidence
from models.incident import Hold, Incident, IncidentEvent
from models.notice import Delivery, Notice, NoticeObligation, NoticeVariant, SendLease
from models.obligation import Obligation, ObligationDecision
from models.person import AffectedPerson
from models.task import PlaybookTask

__all__ = [
    "AffectedPerson",
    "Approval",
    "AuditEvent",
    "Base",
    "Client",
    "Delivery",
    "Evidence",
    "Hold",
    "Incident",
    "IncidentEvent",
    "Matter",
    "Notice",
    "NoticeObligation",
    "NoticeVariant",
    "Obligation",
    "ObligationDecision",
    "PlaybookTask",
    "RecordKey",
    "SendLease",
]
