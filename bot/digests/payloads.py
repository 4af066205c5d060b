"""What a digest notice carries: where, which day's, and the schedule it was planned from."""

from __future__ import annotations

from datetime import date

from bot.payloads import NoticePayload


class DigestRun(NoticePayload):
    """digest.post. Planned ones carry their local ``day`` and the schedule's signature (a
    changed schedule skips what the old one planned); ``/digest now`` is ``manual`` and
    carries the asker's zone."""

    channel: str
    day: date | None = None
    sig: str | None = None
    manual: bool = False
    tz: str | None = None
