"""one sender per incident at a time

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_leases",
        sa.Column("incident_id", sa.String(20), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_send_leases_incident_id_incidents")),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_send_leases")),
    )


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
