"""Index changes that do not stop writes: ``CREATE INDEX CONCURRENTLY`` on PostgreSQL.

A concurrent build cannot run inside a transaction, so it runs in Alembic's autocommit block
(the migration's earlier statements are committed first; ``storage.migrate`` runs each migration
in its own transaction on PostgreSQL). A build that fails half-way leaves an invalid index behind
under its name, so an index of that name is dropped first: running the migration again repairs
it. SQLite has no concurrent build and needs none: a plain ``CREATE INDEX`` in the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def create_index(
    name: str, table: str, columns: Sequence[str], *, where: str | None = None
) -> None:
    predicate = sa.text(where) if where else None
    context = op.get_context()
    if context.dialect.name != "postgresql":
        op.execute(f'DROP INDEX IF EXISTS "{name}"')
        op.create_index(name, table, list(columns), sqlite_where=predicate)
        return
    with context.autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        op.create_index(
            name, table, list(columns), postgresql_where=predicate, postgresql_concurrently=True
        )


def drop_index(name: str, table: str) -> None:
    op.drop_index(name, table_name=table)


def drop_index_online(name: str) -> None:
    """DROP INDEX CONCURRENTLY on PostgreSQL: queries using it finish first, writes go on."""
    context = op.get_context()
    if context.dialect.name != "postgresql":
        op.execute(f'DROP INDEX IF EXISTS "{name}"')
        return
    with context.autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
