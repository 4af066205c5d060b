"""Process environment (SPEC "Environment"), read from the environment and `.env`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_API_URL: str = SLACK_API_DEFAULT
    DATABASE_URL: str = "sqlite:///opsdesk.db"
    PORT: int = Field(default=3000, ge=1, le=65535)
    OPSDESK_CONFIG: str | None = None
    OPSDESK_TIMEZONE: str = "UTC"
    OPSDESK_SCHEDULER: Literal["on", "off"] = "on"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

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

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def scheduler_enabled(self) -> bool:
        return self.OPSDESK_SCHEDULER == "on"


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
