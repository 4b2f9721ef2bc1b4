"""Alembic environment: runs on the connection handed over by ``models.db.migrate``."""

from alembic import context
from breachclock.models import Base
from sqlalchemy import create_engine

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # invoked from the alembic CLI
    from breachclock.models.settings import get_settings

    connectable = create_engine(get_settings().resolved_database_url())
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
