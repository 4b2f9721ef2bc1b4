"""index affected people by incident and jurisdiction

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_affected_people_incident_jurisdiction", "affected_people", ["incident_id", "jurisdiction"])


def downgrade() -> None:
    op.drop_index("ix_affected_people_incident_jurisdiction", table_name="affected_people")
