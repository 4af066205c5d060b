"""Start-up shared by every run mode: read settings and config, reach the database, migrate.

Bad settings or a bad config file end the process with a one-screen message naming the setting,
never a traceback.
"""

from __future__ import annotations

import gc
import logging
import sys
from typing import Any, NoReturn

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config, ConfigError, load_config, resolve_config_path
from bot.registry import Registry
from bot.settings import Settings
from storage import notices as notice_rows
from storage.db import make_engine
from storage.schema_version import up_to_date


class StartupError(Exception):
    def __init__(self, title: str, lines: list[str]):
        super().__init__(title)
        self.title = title
        self.lines = lines


def fail(exc: StartupError, *, code: int = 2) -> NoReturn:
    print(f"opsdesk: {exc.title}", file=sys.stderr)
    for line in exc.lines:
        print(f"  - {line}", file=sys.stderr)
    raise SystemExit(code)


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

    ``migrate=True`` upgrades any database (``opsdesk db upgrade``). A current schema is told
    by one query (``storage/schema_version.py``); alembic is loaded only when that is not a
    sure yes: to migrate, or to confirm that the schema is old.
    """
    engine = make_engine(s.DATABASE_URL, limits=s.db_limits)
    try:
        if not migrate and up_to_date(engine):
            return engine
        from storage.migrate import is_current, upgrade

        if migrate or engine.dialect.name == "sqlite":
            upgrade(engine)
            # Start-up runs with the collector paused (bot/heap.py); migrating leaves garbage
            # (thousands of objects on a new database) that would otherwise be kept for good.
            gc.collect()
        elif not is_current(engine):
            raise StartupError(
                "the database schema is not up to date",
                ["run `opsdesk db upgrade` (the Procfile's release step does it on deploy)"],
            )
    except OperationalError as exc:
        raise _unreachable(s, exc) from None
    return engine


def check_notice_kinds(registry: Registry[Any], sessions: sessionmaker[Session]) -> None:
    """Refuse to start when notices are queued that no area of this process could send.

    The dispatcher would mark each one failed ("no handler for kind") and never retry it: a
    reminder or a page lost without anyone noticing. Such rows come from a version that had an
    area (or a kind) this one lacks.
    """
    with sessions() as session:
        queued = notice_rows.queued_kinds(session)
    missing = sorted(registry.missing_kinds(queued))
    if not missing:
        return
    count = sum(queued[kind] for kind in missing)
    kinds = ", ".join(f"'{kind}'" for kind in missing)
    raise StartupError(
        f"{count} queued notice(s) are of a kind no area of this version sends",
        [f"{kind}: {queued[kind]} pending or being sent" for kind in missing]
        + [
            "start the version that queued them, or, to drop them, run in the database: "
            f"UPDATE notices SET status = 'cancelled' WHERE status IN ('pending', 'sending') "
            f"AND kind IN ({kinds});",
        ],
    )


def upgrade_database(s: Settings) -> list[tuple[str, str]]:
    """``opsdesk db upgrade``: apply what is missing; returns (revision, what it does) of each."""
    from storage.migrate import pending, upgrade

    engine = make_engine(s.DATABASE_URL)
    try:
        todo = pending(engine)
        upgrade(engine)
    except OperationalError as exc:
        raise _unreachable(s, exc) from None
    finally:
        engine.dispose()
    return todo


def _unreachable(s: Settings, exc: OperationalError) -> StartupError:
    first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return StartupError(
        "cannot reach the database", [f"DATABASE_URL={_redact(s.DATABASE_URL)}: {first}"]
    )


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


_WHERE = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-...) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write, from Basic "
    "Information",
}
_NEEDS = {
    "HTTP mode": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "Socket Mode": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "the scheduler": ("SLACK_BOT_TOKEN",),
}


def require_slack(s: Settings, mode: str) -> None:
    """Stop with one message naming every Slack credential ``mode`` lacks (see ``_NEEDS``)."""
    missing = [name for name in _NEEDS[mode] if not getattr(s, name)]
    if missing:
        raise StartupError(
            f"{mode} needs {' and '.join(missing)}", [f"{n}: {_WHERE[n]}" for n in missing]
        )


def check_http(s: Settings) -> None:
    """Everything an HTTP worker needs, checked once before any worker starts (see
    ``bot/gunicorn_conf.py``), so a bad start is one message rather than a worker traceback."""
    require_slack(s, "HTTP mode")
    config(s)
    database(s).dispose()  # before gunicorn forks: workers open their own connections
