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


SYSTEM_CLOCK = Clock()
