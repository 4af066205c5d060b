"""Logging for expected trouble: one line per interval, not a traceback per request."""

from __future__ import annotations

import logging
import threading
import time


class OncePerMinute:
    """One log line per interval for an expected outage, with how many it stands for."""

    def __init__(self, logger: logging.Logger, every_s: float = 60.0) -> None:
        self._log = logger
        self._every = every_s
        self._lock = threading.Lock()
        self._last: float | None = None
        self._held = 0

    def warning(self, message: str) -> bool:
        """Log ``message`` unless one was logged within the interval; True when logged."""
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < self._every:
                self._held += 1
                return False
            held, self._held, self._last = self._held, 0, now
        more = f" ({held} more since the last report)" if held else ""
        self._log.warning("%s%s", message, more)
        return True
