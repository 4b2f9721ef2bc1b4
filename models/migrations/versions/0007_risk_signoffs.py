"""counsel's sign-off of the risk assessment: an append-only, sealed table

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "risk_signoffs"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(20), nullable=False),
        sa.Column("assessment_sha256", sa.String(64), nullable=False),
        sa.Column("counsel", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_risk_signoffs_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_signoffs")),
    )
    op.create_index(op.f("ix_risk_signoffs_incident_id"), TABLE, ["incident_id"])
    # Append-only like the other records (0001, 0004): no UPDATE, DELETE, REPLACE (SQLite) or TRUNCATE (PostgreSQL).
    for verb in ("UPDATE", "DELETE"):
        name = f"{TABLE}_no_{verb.lower()}"
        if dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {verb} refused'); END")
        else:
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON {TABLE} "
                       "FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()")
    if dialect == "sqlite":
        op.execute(f"CREATE TRIGGER {TABLE}_no_replace BEFORE INSERT ON {TABLE} "
                   f"WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id) "
                   f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: REPLACE refused'); END")
    else:
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION breachclock_append_only()")
        for verb in ("update", "delete", "truncate"):
            op.execute(f"ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER {TABLE}_no_{verb}")


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
