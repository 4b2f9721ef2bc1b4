"""The audit chain: an append-only, keyed, checkpointed record of everything legally significant.

Each event carries the previous event's hash (per incident) and its own hash, an HMAC over its canonical
content with a key derived from the encryption key (held apart from the database): without the key nobody
can append, edit or rehash an event that verifies. After every commit that appended events, a checkpoint of
the chain's head (incident, seq, hash), signed with an Ed25519 key derived from the same key, is appended to a
file outside the database (``<home>/checkpoints``, or ``BREACHCLOCK_CHECKPOINT_DIR`` on storage the database's
administrators cannot write): deleting the last events, truncating the table or replacing the chain is caught
against the last checkpoint.

The chain also proves the rest of the record. Every transaction that changes the incident's record tables
(status, holds, obligations, notices and their variants, approvals, evidence, tasks, counsel's decisions, the
affected people) ends with a ``record_sealed`` event holding a digest of each table as it is now; every change
of a delivery's status is an event of its own. :func:`verify_chain` recomputes all of it and names every
difference: a row edited, inserted or deleted outside breachclock is found. The database also refuses UPDATE,
DELETE, REPLACE and TRUNCATE on the append-only tables (triggers the migrations install, enabled ALWAYS on
PostgreSQL), and verification names a missing or disabled trigger.
"""

from breachclock.models.audit.chain import RecordTampered, append_event, lock_incident, note_delivery, touch
from breachclock.models.audit.checkpoints import checkpoint_dir
from breachclock.models.audit.models import AuditEvent, RecordKey
from breachclock.models.audit.verify import ChainReport, verify_chain

__all__ = ["AuditEvent", "ChainReport", "RecordKey", "RecordTampered", "append_event", "checkpoint_dir",
           "lock_incident", "note_delivery", "touch", "verify_chain"]
