"""What on-call notices carry: the rotation and the people, never rendered text."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from bot.payloads import NoticePayload


class Handoff(NoticePayload):
    """shift.handoff: who is on call now (``to``) and who was (``from``)."""

    rotation: str
    to: str
    from_: str | None = Field(default=None, alias="from")
    at: datetime


class ShiftReminder(NoticePayload):
    """shift.remind: a shift about to start."""

    rotation: str
    user: str
    start: datetime
