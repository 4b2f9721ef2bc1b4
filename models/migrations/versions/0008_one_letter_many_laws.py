"""a duty to people may be given by several notices (a letter combining laws for those they cover together, the
law's own letter for the rest): drop the one-notice-per-obligation constraint

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The primary key (notice_id, obligation_id) still forbids linking a notice to a duty twice.
    with op.batch_alter_table("notice_obligations") as batch:
        batch.drop_constraint("uq_notice_obligations_obligation_id", type_="unique")


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
