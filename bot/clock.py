"""The one source of "now".

Services never call ``datetime.now()`` themselves: they ask the clock. freezegun drives the
system clock in tests; the console's ``clock`` command shifts this one by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """Aware UTC, truncated to the microsecond precision databases keep."""
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def set(self, when: datetime) -> None:
        self._offset = when - datetime.now(UTC)

    @property
    def offset(self) -> timedelta:
        return self._offset


def whole_minute(when: datetime) -> datetime:
    """``when`` without its seconds: the precision of every time a person types or means.

    A booking made "now" at 10:00:37 that ran to 10:30:37 would refuse the next person's
    10:30 for half a minute nobody asked for.
    """
    return when.replace(second=0, microsecond=0)


SYSTEM_CLOCK = Clock()
