"""Shared bits of the shifts tests: rotations in several zones and local-time helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Config, RotationConfig
from bot.tz import zone

MEMBERS = ["U_ALICE", "U_BOB", "U_CAROL"]


def rotation(
    name: str = "primary",
    *,
    start: str = "2026-11-30 09:00",
    length: str = "1w",
    tz: str = "Europe/Berlin",
    members: list[str] | None = None,
    channel: str | None = "C_ONCALL",
    remind_before: str = "1h",
) -> RotationConfig:
    return RotationConfig.model_validate(
        {
            "name": name,
            "channel": channel,
            "members": members or MEMBERS,
            "start": start,
            "length": length,
            "timezone": tz,
            "remind_before": remind_before,
        }
    )


def with_rotations(config: Config, *rotations: RotationConfig) -> Config:
    return config.model_copy(update={"rotations": list(rotations)})


def utc(local: str, tz: str) -> datetime:
    """A local wall time (``2027-03-29 09:00``) in ``tz`` as aware UTC."""
    return datetime.fromisoformat(local).replace(tzinfo=zone(tz)).astimezone(UTC)


def local(dt: datetime, tz: str) -> str:
    return dt.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


MINUTE = timedelta(minutes=1)
