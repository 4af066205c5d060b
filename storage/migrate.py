"""Schema migrations, applied from any working directory: they ship inside this package."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

import storage
from storage.base import Base

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


def upgrade(engine: Engine, revision: str = "heads") -> None:
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def is_current(engine: Engine) -> bool:
    """Every migration applied. Alembic records only the newest of each line, and a migration
    that depends on another branch stands for it too, so compare what the records imply."""
    script = ScriptDirectory.from_config(_config())
    with engine.connect() as conn:
        recorded = MigrationContext.configure(conn).get_current_heads()
    applied = {r.revision for r in script.revision_map.iterate_revisions(recorded, "base") if r}
    return set(script.get_heads()) <= applied
