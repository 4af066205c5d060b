"""What maintenance notices carry: the window and the occurrence, never rendered text."""

from __future__ import annotations

from datetime import datetime

from bot.payloads import NoticePayload


class OccurrenceRef(NoticePayload):
    """maintenance.start, maintenance.finish: one occurrence of a window (UTC)."""

    id: int
    start: datetime
    end: datetime


class OccurrenceReminder(NoticePayload):
    """maintenance.remind: ``offset`` seconds before an occurrence."""

    id: int
    start: datetime
    end: datetime
    offset: int


class OwnerReminder(NoticePayload):
    """maintenance.remind_owner: the owner of a booking the occurrence overlaps."""

    id: int
    start: datetime
    end: datetime
    offset: int
    booking: int


class WindowRef(NoticePayload):
    """maintenance.cancelled."""

    id: int


class Overlap(NoticePayload):
    """maintenance.overlap: a window scheduled over a booking."""

    id: int
    booking: int
