"""A weekly report from `[[reports]]`: when it goes out, and the week it covers.

It follows the digests' rules (bot/recurrence.py): the local time holds across DST changes, a
time in the skipped hour moves forward by the gap, one in the repeated hour runs once. A report
covers the 7 local days before the day it is posted on (Monday 09:00: the week Monday to Sunday
before), so a late one covers the same week as an on-time one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import recurrence
from bot.config import Config, ReportConfig
from bot.reports.period import Period
from bot.tz import zone

DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class WeeklyReport:
    channel: str
    weekday: int  # 0 = Monday
    at: time
    timezone: str
    sections: tuple[str, ...]

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def signature(self) -> str:
        """Identifies what the planned occurrences were computed from."""
        return f"{self.weekday}|{self.at:%H:%M}|{self.timezone}|{','.join(self.sections)}"

    def occurrences(self, after: datetime) -> Iterator[datetime]:
        """UTC instants strictly after ``after``, at the local time across DST."""
        return recurrence.daily(self.at, self.tz, after=after, weekdays=frozenset({self.weekday}))

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def day_end(self, instant: datetime) -> datetime:
        """The end of the local day of ``instant``: a report later than that is skipped."""
        return recurrence.at_local(self.local_day(instant) + timedelta(days=1), time(0), self.tz)

    def period_for(self, day: date) -> Period:
        """The 7 local days before ``day``."""
        start = recurrence.at_local(day - timedelta(days=7), time(0), self.tz)
        end = recurrence.at_local(day, time(0), self.tz)
        return Period(start, end, self.tz, "the week before")

    def describe(self) -> str:
        return f"every {DAY_LABELS[self.weekday]} at {self.at:%H:%M} ({self.timezone})"


def from_config(entry: ReportConfig, config: Config) -> WeeklyReport:
    return WeeklyReport(
        entry.channel,
        entry.weekday,
        entry.at,
        entry.timezone or config.timezone,
        tuple(entry.sections),
    )


def configured(config: Config) -> list[WeeklyReport]:
    return [from_config(entry, config) for entry in config.reports]


def for_channel(config: Config, channel: str) -> WeeklyReport | None:
    entry = config.report_for(channel)
    return from_config(entry, config) if entry else None
