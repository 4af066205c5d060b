"""Process environment (SPEC "Environment"), read from the environment and `.env`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import Limits

SLACK_API_DEFAULT = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_API_URL: str = SLACK_API_DEFAULT
    # Seconds a Web API call may take; a notice whose call timed out is looked for after as long
    # again, and a claim on a notice lapses after LEASE_TIMEOUTS of them (bot/dispatcher.py).
    OPSDESK_SLACK_TIMEOUT: float = Field(default=10.0, gt=0, le=60)
    DATABASE_URL: str = "sqlite:///opsdesk.db"
    PORT: int = Field(default=3000, ge=1, le=65535)
    OPSDESK_CONFIG: str | None = None
    OPSDESK_TIMEZONE: str = "UTC"
    OPSDESK_SCHEDULER: Literal["on", "off"] = "on"
    # Bearer token for GET /metrics; unset, the endpoint is open (bot/metrics.py).
    OPSDESK_METRICS_TOKEN: str | None = None
    # Processes with no web server of their own (`opsdesk scheduler`, `opsdesk socket`) serve
    # GET /metrics on this port when it is set.
    OPSDESK_METRICS_PORT: int | None = Field(default=None, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Bounded waits (docs/RELIABILITY.md): Slack wants an answer within 3 seconds.
    OPSDESK_REQUEST_DEADLINE_MS: int = Field(default=2500, ge=100, le=60_000)
    OPSDESK_HEALTH_TIMEOUT_MS: int = Field(default=800, ge=50, le=60_000)
    OPSDESK_DB_CONNECT_TIMEOUT: int = Field(default=2, ge=2, le=60)
    OPSDESK_DB_STATEMENT_TIMEOUT_MS: int = Field(default=2000, ge=100, le=600_000)
    OPSDESK_DB_LOCK_TIMEOUT_MS: int = Field(default=1500, ge=100, le=600_000)
    OPSDESK_DB_POOL_TIMEOUT: float = Field(default=1.0, gt=0, le=60)
    OPSDESK_SQLITE_BUSY_TIMEOUT_MS: int = Field(default=2000, ge=0, le=600_000)
    # The HTTPS base URL people reach Opsdesk at: personal calendar links start with it.
    OPSDESK_PUBLIC_URL: str | None = None
    # Team calendar feeds live under /calendar/team/<this>/; unset, they answer 404.
    OPSDESK_CALENDAR_TOKEN: str | None = None
    # Bearer token of the read API (/api/v1/...); unset, every API call is 401.
    OPSDESK_API_TOKEN: str | None = None

    @field_validator("OPSDESK_TIMEZONE")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from bot.tz import zone

        zone(value)  # raises ValueError with a readable message
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return database_url(value)

    @field_validator("SLACK_API_URL")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins method names onto the base URL; without the slash it drops "api".
        return value if value.endswith("/") else value + "/"

    @field_validator("OPSDESK_PUBLIC_URL")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("OPSDESK_PUBLIC_URL is a base URL such as https://opsdesk.example.com")
        return value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def scheduler_enabled(self) -> bool:
        return self.OPSDESK_SCHEDULER == "on"

    @property
    def db_limits(self) -> Limits:
        return Limits(
            connect_timeout_s=self.OPSDESK_DB_CONNECT_TIMEOUT,
            statement_timeout_ms=self.OPSDESK_DB_STATEMENT_TIMEOUT_MS,
            lock_timeout_ms=self.OPSDESK_DB_LOCK_TIMEOUT_MS,
            pool_timeout_s=self.OPSDESK_DB_POOL_TIMEOUT,
            sqlite_busy_timeout_ms=self.OPSDESK_SQLITE_BUSY_TIMEOUT_MS,
        )


_SUPPORTED = "SQLite (sqlite:///opsdesk.db) or PostgreSQL (postgresql+psycopg://user:pass@host/db)"


def database_url(value: str) -> str:
    """The URL SQLAlchemy is given: ``postgres://`` and ``postgresql://`` (what Heroku-style
    platforms hand out) mean PostgreSQL through psycopg, the driver Opsdesk ships with; any
    other scheme is refused in one line (never echoing the URL, which may hold a password)."""
    scheme, sep, rest = value.strip().partition("://")
    if not sep:
        raise ValueError(f"not a database URL; Opsdesk runs on {_SUPPORTED}")
    kind = scheme.lower()
    if kind in {"postgres", "postgresql", "postgresql+psycopg"}:
        return f"postgresql+psycopg://{rest}"
    if kind in {"sqlite", "sqlite+pysqlite"}:
        return value.strip()
    name = scheme if len(scheme) <= 30 and scheme.replace("+", "").isalnum() else "that scheme"
    raise ValueError(f"{name}:// is not supported; Opsdesk runs on {_SUPPORTED}")
