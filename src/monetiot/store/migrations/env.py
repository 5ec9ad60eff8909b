"""Alembic environment: one migration chain for SQLite and PostgreSQL.

The connection is handed in by `monetiot.store.migrate.upgrade` (config.attributes["connection"]);
SQLite gets batch mode so that later ALTERs work there too.
"""

from __future__ import annotations

from alembic import context

import monetiot.store.billing_tables  # registers the billing tables
import monetiot.store.outcome_tables  # registers the outcome tables
import monetiot.store.sharing_tables  # registers the asset-sharing tables
import monetiot.store.user_tables  # noqa: F401  (registers the user and session tables)
from monetiot.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def run() -> None:
    if connection is None:
        raise RuntimeError("run migrations through `monetiot db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
