"""Start-up shared by every run mode: read settings and config, reach the database, migrate.

Bad settings or a bad config file end the process with a one-screen message naming the setting,
never a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.config import Config, ConfigError, load_config, resolve_config_path
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import is_current, upgrade


class StartupError(Exception):
    def __init__(self, title: str, lines: list[str]):
        super().__init__(title)
        self.title = title
        self.lines = lines


def fail(exc: StartupError) -> NoReturn:
    print(f"opsdesk: {exc.title}", file=sys.stderr)
    for line in exc.lines:
        print(f"  - {line}", file=sys.stderr)
    raise SystemExit(2)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise StartupError("the environment has invalid settings", lines) from None


def config(s: Settings, *, example_fallback: bool = False) -> tuple[Config, str | None]:
    path = resolve_config_path(s.OPSDESK_CONFIG, example_fallback=example_fallback)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        raise StartupError(f"the config file {exc.path} has errors", exc.errors) from None
    if path is None and s.OPSDESK_TIMEZONE != "UTC":
        cfg = cfg.model_copy(update={"timezone": s.OPSDESK_TIMEZONE})
    return cfg, str(path) if path else None


def database(s: Settings, *, migrate: bool = False) -> Engine:
    """An engine whose schema is current: SQLite is migrated in place, PostgreSQL must be.

    ``migrate=True`` upgrades any database (``opsdesk db upgrade``).
    """
    engine = make_engine(s.DATABASE_URL, limits=s.db_limits)
    try:
        if migrate or engine.dialect.name == "sqlite":
            upgrade(engine)
        elif not is_current(engine):
            raise StartupError(
                "the database schema is not up to date",
                ["run `opsdesk db upgrade` (the Procfile's release step does it on deploy)"],
            )
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StartupError(
            "cannot reach the database", [f"DATABASE_URL={_redact(s.DATABASE_URL)}: {first}"]
        ) from None
    return engine


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def logging_setup(s: Settings) -> None:
    logging.basicConfig(
        level=s.LOG_LEVEL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if s.LOG_LEVEL != "DEBUG":
        # Each migration step is not news at start-up; failures still surface as errors.
        logging.getLogger("alembic").setLevel(logging.WARNING)
