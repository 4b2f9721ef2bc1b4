"""The legal record: typed SQLAlchemy 2 models, one module per aggregate.

Every model is re-exported here so ``from models import Incident`` works and
Alembic sees the whole metadata.
"""

from models.audit import AuditEvent, RecordKey
from models.base import Base
from models.client.models import Client, Matter
from models.incident.models import Hold, Incident, IncidentEvent
from models.notice.models import Approval, Notice, NoticeObligation, NoticeVariant
from models.obligation.models import Obligation, ObligationDecision
from models.outbox.models import Delivery, SendLease
from models.person.models import AffectedPerson, PersonKey
from models.task.models import Evidence, PlaybookTask

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
    "PersonKey",
    "PlaybookTask",
    "RecordKey",
    "SendLease",
]
