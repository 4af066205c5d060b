"""A channel's digest schedule: from `/digest` or the config file, expanded in local wall time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import recurrence
from bot.config import DAY_NAMES, Config, DigestConfig
from bot.tz import zone
from storage.digests import DigestChannel

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Schedule:
    cadence: str  # "daily" | "weekly"
    at: time
    weekdays: frozenset[int]
    timezone: str
    quiet: bool = False
    source: str = "command"  # "command" | "config"

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def signature(self) -> str:
        """Identifies what the planned occurrences were computed from."""
        days = "".join(str(d) for d in sorted(self.weekdays))
        return f"{self.cadence}|{self.at:%H:%M}|{days}|{self.timezone}"

    def occurrences(self, after: datetime) -> Iterator[datetime]:
        """UTC instants strictly after ``after``, at the local time across DST."""
        return recurrence.daily(self.at, self.tz, after=after, weekdays=self.weekdays)

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def day_end(self, instant: datetime) -> datetime:
        """The end of the local day of ``instant``: a digest later than that is skipped."""
        day = self.local_day(instant) + timedelta(days=1)
        return recurrence.at_local(day, time(0, 0), self.tz)

    def describe(self) -> str:
        if self.cadence == "weekly":
            (day,) = self.weekdays
            when = f"every {DAY_LABELS[day]}"
        elif self.weekdays == EVERY_DAY:
            when = "every day"
        elif self.weekdays == WEEKDAYS:
            when = "on weekdays"
        else:
            when = "on " + ", ".join(DAY_LABELS[d][:3] for d in sorted(self.weekdays))
        quiet = ", quiet when all is clear" if self.quiet else ""
        return f"{when} at {self.at:%H:%M} ({self.timezone}){quiet}"


def from_config(entry: DigestConfig, config: Config) -> Schedule:
    days = entry.weekdays
    cadence = "weekly" if len(days) == 1 and entry.days not in ("daily", "weekdays") else "daily"
    return Schedule(
        cadence,
        entry.at,
        days,
        entry.timezone or config.timezone,
        entry.quiet,
        source="config",
    )


def from_row(row: DigestChannel) -> Schedule | None:
    if row.mode != "on" or not (row.cadence and row.at and row.days and row.timezone):
        return None
    hour, minute = (int(x) for x in row.at.split(":"))
    days = frozenset(int(d) for d in row.days.split(",") if d)
    return Schedule(row.cadence, time(hour, minute), days, row.timezone, row.quiet)


def config_entry(config: Config, channel: str) -> DigestConfig | None:
    # The last entry for a channel wins, as a later line in a file usually does.
    found = [d for d in config.digests if d.channel == channel]
    return found[-1] if found else None


def effective(row: DigestChannel | None, config: Config, channel: str) -> Schedule | None:
    """What applies to ``channel``: its own schedule, else the config's, unless switched off."""
    if row is not None and row.mode == "off":
        return None
    if row is not None and row.mode == "on":
        return from_row(row)
    entry = config_entry(config, channel)
    return from_config(entry, config) if entry else None


def day_names(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in sorted(days))
