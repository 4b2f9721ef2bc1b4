"""every identity key a person is known by, so a later import recognises them by any of them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_keys",
        sa.Column("incident_id", sa.String(20), nullable=False),
        sa.Column("data_set", sa.String(64), nullable=False),
        sa.Column("identity_key", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_person_keys_incident_id_incidents")),
        sa.ForeignKeyConstraint(["person_id"], ["affected_people.id"],
                                name=op.f("fk_person_keys_person_id_affected_people")),
        sa.PrimaryKeyConstraint("incident_id", "data_set", "identity_key", name=op.f("pk_person_keys")),
    )
    op.create_index(op.f("ix_person_keys_person_id"), "person_keys", ["person_id"])
    # People recorded before: their one key.
    op.execute("INSERT INTO person_keys (incident_id, data_set, identity_key, person_id) "
               "SELECT incident_id, data_set, identity_key, id FROM affected_people")


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
