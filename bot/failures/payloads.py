"""What the failures report notice carries."""

from __future__ import annotations

from datetime import date

from bot.payloads import NoticePayload


class FailuresDay(NoticePayload):
    """failures.report: the UTC day whose failed notices it lists."""

    day: date
