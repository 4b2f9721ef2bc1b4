"""keyed audit chain, the record's key fingerprint, REPLACE and TRUNCATE refused, triggers enabled ALWAYS

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = {  # table → its primary key columns and other unique keys REPLACE could collide on
    "audit_events": ["id", "incident_id, seq"],
    "approvals": ["id"],
    "evidence": ["id"],
    "incident_events": ["id"],
    "obligation_decisions": ["id"],
    "record_keys": ["key_id"],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("scheme", sa.String(10), nullable=True))
    op.create_table(
        "record_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_record_keys")),
    )
    for verb in ("UPDATE", "DELETE"):
        name = f"record_keys_no_{verb.lower()}"
        if dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON record_keys "
                       f"BEGIN SELECT RAISE(ABORT, 'record_keys is append-only: {verb} refused'); END")
        else:
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON record_keys "
                       "FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()")
    for table, keys in APPEND_ONLY.items():
        if dialect == "sqlite":
            # INSERT OR REPLACE deletes the row it collides with without firing DELETE triggers: refuse the
            # colliding insert before SQLite gets that far.
            clash = " OR ".join(f"({' AND '.join(f'{c.strip()} = NEW.{c.strip()}' for c in key.split(','))})"
                                for key in keys)
            op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                       f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: REPLACE refused'); END")
        else:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION breachclock_append_only()")
            # ALWAYS: the triggers fire even under session_replication_role = replica.
            for verb in ("update", "delete", "truncate"):
                op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_{verb}")


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
