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
    # Seconds a Web API call may take; a notice whose call timed out is looked for after as long
    # again, and a claim on a notice lapses after LEASE_TIMEOUTS of them (bot/dispatcher.py).
    OPSDESK_SLACK_TIMEOUT: float = Field(default=10.0, gt=0, le=60)
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
    def has_slack_credentials(self) -> bool:
        return bool(self.SLACK_BOT_TOKEN and (self.SLACK_SIGNING_SECRET or self.SLACK_APP_TOKEN))

    @property
    def scheduler_enabled(self) -> bool:
        return self.OPSDESK_SCHEDULER == "on"
