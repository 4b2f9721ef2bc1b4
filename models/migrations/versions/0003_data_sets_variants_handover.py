"""data sets, notice variants and the obligations a notice discharges, hand-over deliveries, counsel's decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Notices drafted before this revision keep their text as their one variant but have no template snapshot:
sending refuses them until they are redrafted (and approved again).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATUSES = "'pending', 'sending', 'sent', 'prepared', 'simulated', 'failed', 'uncertain'"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name

    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("notice_attention", sa.String(200), nullable=True))

    with op.batch_alter_table("affected_people") as batch:
        batch.add_column(sa.Column("data_set", sa.String(64), nullable=False, server_default="entity"))
        batch.drop_constraint("one_person_per_incident", type_="unique")
        batch.drop_index("ix_affected_people_incident_jurisdiction")
        batch.create_unique_constraint("one_person_per_data_set", ["incident_id", "data_set", "identity_key"])
        batch.create_index("ix_affected_people_incident_data_set_jurisdiction",
                           ["incident_id", "data_set", "jurisdiction"])

    with op.batch_alter_table("obligations") as batch:
        batch.add_column(sa.Column("recipient_ref", sa.String(100), nullable=True))
        batch.add_column(sa.Column("data_set", sa.String(64), nullable=False, server_default="entity"))
        batch.add_column(sa.Column("policy_due", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("counts", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("fulfillment", sa.String(20), nullable=True))
        batch.alter_column("required", existing_type=sa.Boolean(), nullable=True)
        batch.drop_constraint("one_per_rule", type_="unique")
        batch.create_unique_constraint("one_per_rule", ["incident_id", "regime", "rule_key", "jurisdiction",
                                                        "data_set"])

    op.create_table(
        "obligation_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(20), nullable=False),
        sa.Column("regime", sa.String(40), nullable=False),
        sa.Column("rule_key", sa.String(60), nullable=False),
        sa.Column("jurisdiction", sa.String(20), nullable=False),
        sa.Column("data_set", sa.String(64), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("counsel", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_obligation_decisions_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_decisions")),
    )
    op.create_index(op.f("ix_obligation_decisions_incident_id"), "obligation_decisions", ["incident_id"])
    for verb in ("UPDATE", "DELETE"):
        name = f"obligation_decisions_no_{verb.lower()}"
        if dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON obligation_decisions "
                       f"BEGIN SELECT RAISE(ABORT, 'obligation_decisions is append-only: {verb} refused'); END")
        else:
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON obligation_decisions "
                       "FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()")

    op.create_table(
        "notice_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("template_name", sa.String(200), nullable=False),
        sa.Column("template_version", sa.String(64), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_notice_variants_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_variants")),
        sa.UniqueConstraint("notice_id", "channel", name="one_variant_per_channel"),
    )
    op.create_index(op.f("ix_notice_variants_notice_id"), "notice_variants", ["notice_id"])
    op.create_table(
        "notice_obligations",
        sa.Column("notice_id", sa.String(20), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_notice_obligations_notice_id_notices")),
        sa.ForeignKeyConstraint(["obligation_id"], ["obligations.id"],
                                name=op.f("fk_notice_obligations_obligation_id_obligations")),
        sa.PrimaryKeyConstraint("notice_id", "obligation_id", name=op.f("pk_notice_obligations")),
        sa.UniqueConstraint("obligation_id", name=op.f("uq_notice_obligations_obligation_id")),
    )

    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("recipient", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("recipient_ref", sa.String(100), nullable=True))
        batch.add_column(sa.Column("jurisdiction", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("data_set", sa.String(64), nullable=False, server_default="entity"))

    # Existing notices: their one rendering becomes their one variant (without a template snapshot).
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT n.id, n.obligation_id, n.channel, n.subject, n.body, n.template_name, n.template_version, "
        "n.content_hash, o.recipient, o.jurisdiction FROM notices n JOIN obligations o ON o.id = n.obligation_id"
    )).all()
    for r in rows:
        conn.execute(sa.text("INSERT INTO notice_variants (notice_id, channel, subject, text, html, template_name, "
                             "template_version, templates, content_hash) VALUES (:n, :c, :s, :t, NULL, :tn, :tv, "
                             ":tpl, :h)"),
                     {"n": r.id, "c": r.channel, "s": r.subject, "t": r.body, "tn": r.template_name,
                      "tv": r.template_version, "tpl": json.dumps({}), "h": r.content_hash})
        conn.execute(sa.text("INSERT INTO notice_obligations (notice_id, obligation_id) VALUES (:n, :o)"),
                     {"n": r.id, "o": r.obligation_id})
        conn.execute(sa.text("UPDATE notices SET recipient = :r, jurisdiction = :j WHERE id = :n"),
                     {"r": r.recipient, "j": r.jurisdiction, "n": r.id})

    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint("uq_notices_obligation_id", type_="unique")
        batch.drop_constraint("fk_notices_obligation_id_obligations", type_="foreignkey")
        for column in ("obligation_id", "channel", "subject", "body", "template_name", "template_version"):
            batch.drop_column(column)
        batch.alter_column("recipient", server_default=None)
        batch.alter_column("jurisdiction", server_default=None)

    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("recipient_ref", sa.String(100), nullable=True))
        batch.add_column(sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("receipt", sa.Text(), nullable=True))
        batch.drop_constraint("status_valid", type_="check")
        batch.create_check_constraint("status_valid", f"status IN ({STATUSES})")
        batch.create_index("ix_deliveries_notice_status", ["notice_id", "status"])


def downgrade() -> None:
    raise NotImplementedError("the legal record is not migrated backwards: restore the backup taken before upgrading")
