"""a person's letter language, as the extract gives it (Spanish letters for those who ask)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sealed under its own digest key (affected_people.language), so the seals written before it stay valid.
    op.add_column("affected_people", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
