"""Schema migrations, applied from any working directory: they ship inside this package."""

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


def _config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _no_statement_limit(conn: Connection) -> None:
    """Requests get a short statement timeout; a migration may rewrite a large table."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL statement_timeout = 0"))


def upgrade(engine: Engine, revision: str = "heads") -> None:
    cfg = _config()
    with unbounded(), engine.begin() as conn:
        _no_statement_limit(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def pending(engine: Engine) -> list[tuple[str, str]]:
    """(revision, what it does) of every migration not yet applied, oldest first."""
    script = ScriptDirectory.from_config(_config())
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
    cfg = _config()
    with unbounded(), engine.begin() as conn:
        _no_statement_limit(conn)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def is_current(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads
