"""How the notice queue is doing, for ``/healthz``: failures of the day, and how late it runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# "degraded" when a due notice has waited this long (nothing is sending), or when this many
# failed within the window (someone should look: the admins' daily list says what and why).
OVERDUE = timedelta(minutes=5)
FAILED_WINDOW = timedelta(hours=24)
FAILED_THRESHOLD = 1


@dataclass(frozen=True)
class NoticeHealth:
    failed: int  # in the last FAILED_WINDOW
    oldest_pending_s: int  # how long the longest-waiting due notice has waited

    @property
    def degraded(self) -> bool:
        return self.failed >= FAILED_THRESHOLD or self.oldest_pending_s > OVERDUE.total_seconds()

    def as_json(self) -> dict[str, int]:
        return {"failed": self.failed, "oldest_pending_s": self.oldest_pending_s}
