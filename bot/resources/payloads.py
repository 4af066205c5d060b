"""What bookings' notices carry: ids, never rendered text (rendered when sent)."""

from __future__ import annotations

from bot.payloads import NoticePayload


class BookingVersion(NoticePayload):
    """booking.remind_end, booking.end: for one version of a booking (an extension makes a new
    version, so the old version's notices find themselves out of date)."""

    id: int
    v: int


class BookingRef(NoticePayload):
    """booking.promoted, booking.wait_cancelled (a waiting-list entry's id)."""

    id: int


class BookingCancelled(NoticePayload):
    """booking.cancelled: why, in a word the owner's DM explains (e.g. "removed")."""

    id: int
    why: str = ""
