"""Schema migrations, applied from any working directory: they ship inside this package.

On PostgreSQL each migration runs in its own transaction, so a step that must run outside one
(``CREATE INDEX CONCURRENTLY``, through ``storage.migrations.online``) can: the migrations before
it are committed, the index is built while the application keeps writing, and a failure leaves
the database at the last migration that finished. SQLite has no such statements, and one
``BEGIN IMMEDIATE`` around the whole upgrade serialises processes that start together.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text

import storage
from storage.base import Base
from storage.db import unbounded

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def load_all_models() -> MetaData:
    """Import every storage module so each area's tables are on the shared metadata."""
    for info in pkgutil.iter_modules(storage.__path__):
        if info.name not in {"migrations", "migrate"}:
            importlib.import_module(f"storage.{info.name}")
    return Base.metadata


def _script_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _config(conn: Connection) -> AlembicConfig:
    cfg = _script_config()
    cfg.attributes["connection"] = conn
    cfg.attributes["transaction_per_migration"] = conn.dialect.name == "postgresql"
    return cfg


def _run(engine: Engine, step: str, revision: str) -> None:
    """Requests get short statement and lock timeouts; a migration may rewrite a large table or
    wait for one, so it runs without them."""
    run = command.upgrade if step == "upgrade" else command.downgrade
    if engine.dialect.name == "postgresql":
        # Alembic begins and commits each migration itself (see env.py).
        with unbounded(), engine.connect() as conn:
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(text("SET lock_timeout = 0"))
            conn.commit()
            try:
                run(_config(conn), revision)
                if conn.in_transaction():
                    conn.commit()
            finally:
                conn.rollback()
                conn.execute(text("RESET statement_timeout"))
                conn.execute(text("RESET lock_timeout"))
                conn.commit()
    else:
        with unbounded(), engine.begin() as conn:
            run(_config(conn), revision)


def upgrade(engine: Engine, revision: str = "heads") -> None:
    _run(engine, "upgrade", revision)


def pending(engine: Engine) -> list[tuple[str, str]]:
    """(revision, what it does) of every migration not yet applied, oldest first."""
    script = ScriptDirectory.from_config(_script_config())
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    applied = (
        {r.revision for r in script.iterate_revisions(current, "base") if r} if current else set()
    )
    every = [r for r in script.iterate_revisions("heads", "base") if r]
    return [
        (r.revision, (r.doc or "").strip()) for r in reversed(every) if r.revision not in applied
    ]


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def is_current(engine: Engine) -> bool:
    """Every migration applied. Alembic records only the newest of each line, and a migration
    that depends on another branch stands for it too, so compare what the records imply."""
    script = ScriptDirectory.from_config(_script_config())
    with engine.connect() as conn:
        recorded = MigrationContext.configure(conn).get_current_heads()
    applied = {r.revision for r in script.revision_map.iterate_revisions(recorded, "base") if r}
    return set(script.get_heads()) <= applied
