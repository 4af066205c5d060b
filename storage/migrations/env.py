"""Alembic environment: always handed a live connection by ``storage.migrate``."""

from __future__ import annotations

from alembic import context

from storage.migrate import load_all_models

target_metadata = load_all_models()
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # PostgreSQL: one transaction per migration, so one may step outside it (autocommit_block).
    transaction_per_migration=context.config.attributes.get("transaction_per_migration", False),
)
with context.begin_transaction():
    context.run_migrations()
