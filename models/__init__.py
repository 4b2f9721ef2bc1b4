"""The legal record: typed SQLAlchemy 2 models, one module per aggregate.

Every model is re-exported here so ``from models import Incident`` works and
Alembic sees the whole metadata.
"""

from breachclock.models.audit import AuditEvent, RecordKey
from breachclock.models.base import Base
from breachclock.models.client.models import Client, Matter
from breachclock.models.incident.models import Hold, Incident, IncidentEvent
from breachclock.models.notice.models import Approval, Notice, NoticeObligation, NoticeVariant
from breachclock.models.obligation.models import Obligation, ObligationDecision
from breachclock.models.outbox.models import Delivery, SendLease
from breachclock.models.person.models import AffectedPerson, PersonKey
from breachclock.models.risk.models import RiskSignoff
from breachclock.models.task.models import Evidence, PlaybookTask

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
    "RiskSignoff",
    "SendLease",
]
