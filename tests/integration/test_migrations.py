"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from breachclock.models import Base


def test_migrated_schema_matches_the_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_a_record_from_before_notice_variants_upgrades_and_its_notices_must_be_redrafted(tmp_path) -> None:
    """A database at revision 0002, with a notice counsel approved, survives the upgrade: the notice keeps its
    text and approval, and sending it is refused until it is redrafted (no template snapshot was kept)."""
    from alembic import command
    from alembic.config import Config
    from breachclock.models import Notice
    from breachclock.models.db import MIGRATIONS_DIR, migrate, session_scope
    from breachclock.models.notice.drafting import verify_notice
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        now = "2026-03-02 15:00:00.000000"
        conn.execute(text("INSERT INTO incidents (id, title, status, entity, discovered_at, facts, source_sha256, "
                          "created_at, version) VALUES ('INC-OLD', 't', 'awaiting_approval', '{}', :n, '{}', 'x', "
                          ":n, 1)"), {"n": now})
        conn.execute(text("INSERT INTO obligations (id, incident_id, regime, rule_key, recipient_kind, recipient, "
                          "jurisdiction, required, due_text, timezone, clock_start, reason, citation, rule_version, "
                          "confidence, created_at, evaluated_at) VALUES (7, 'INC-OLD', 'US-CA', 'attorney_general', "
                          "'regulator', 'California AG', 'US-CA', 1, 'd', 'UTC', '{}', 'r', 'c', 'US-CA@1', 'high', "
                          ":n, :n)"), {"n": now})
        conn.execute(text("INSERT INTO notices (id, incident_id, obligation_id, audience, channel, subject, body, "
                          "template_name, template_version, content_hash, context, created_at) VALUES ('NTC-OLD', "
                          "'INC-OLD', 7, 'regulator', 'postal', 'Notice', 'Dear AG', 'regulator/default.postal.txt', "
                          "'abc', 'h1', '{}', :n)"), {"n": now})
        conn.execute(text("INSERT INTO approvals (notice_id, content_hash, decision, counsel, decided_at) VALUES "
                          "('NTC-OLD', 'h1', 'approved', 'Jane', :n)"), {"n": now})
    from breachclock.models.db import make_engine

    engine.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")  # the engine breachclock uses: foreign keys on
    migrate(engine)
    with session_scope(engine) as s:
        notice = s.get(Notice, "NTC-OLD")
        assert notice.recipient == "California AG" and notice.content_hash == "h1"
        assert any("redraft" in p for p in verify_notice(s, notice))
        linked = s.execute(text("SELECT obligation_id FROM notice_obligations WHERE notice_id = 'NTC-OLD'")).all()
        assert linked == [(7,)]
        assert s.execute(text("SELECT text FROM notice_variants WHERE notice_id = 'NTC-OLD'")).scalar() == "Dear AG"
