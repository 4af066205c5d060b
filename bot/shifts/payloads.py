"""What on-call notices carry: the rotation and the people, never rendered text."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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


class SwapAsk(NoticePayload):
    """shift.swap_ask: the DM asking someone to take a shift (with Accept and Decline)."""

    request: int


class SwapExpire(NoticePayload):
    """shift.swap_expire: due when the shift ends; an unanswered request expires then."""

    request: int


class SwapClosed(NoticePayload):
    """shift.swap_closed: the asking DM shows the answer; ``tell``: the requester hears it."""

    request: int
    tell: bool = True


class Swapped(NoticePayload):
    """shift.swapped: a DM to whoever ``takes`` or ``loses`` a shift by a swap."""

    override: int
    user: str
    role: Literal["takes", "loses"]


class OverrideReplaced(NoticePayload):
    """shift.override_replaced: override ``new`` hides ``user``'s own override ``old``."""

    rotation: str
    user: str
    old: int
    new: int


class AwayPlanned(NoticePayload):
    """shift.away_planned: a time off's cover in one rotation, and the stretches nobody took."""

    away: int
    rotation: str
    uncovered: tuple[tuple[datetime, datetime], ...] = ()


class AwayCancelled(NoticePayload):
    """shift.away_cancelled: what went back to ``user`` (substitute, start, end) when their
    time off was cancelled; the overrides are gone, so the payload names them."""

    away: int
    rotation: str
    user: str
    undone: tuple[tuple[str, datetime, datetime], ...] = ()
