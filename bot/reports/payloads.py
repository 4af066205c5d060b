"""What a weekly report notice carries: where, which local day, and the schedule's signature."""

from __future__ import annotations

from datetime import date

from bot.payloads import NoticePayload


class ReportRun(NoticePayload):
    """report.post."""

    channel: str
    day: date
    sig: str
