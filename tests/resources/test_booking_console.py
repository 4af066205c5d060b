"""In the console, `clock +…` walks through every due time: an end reminder goes out before the
booking ends (at its due time), and one whose booking has ended is never sent."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from freezegun import freeze_time
from sqlalchemy import select

from bot.console.shell import build_console
from storage.models import Notice
from storage.resources import Booking


def test_clock_jump_past_a_booking_end_sends_its_reminder_on_time(
    settings, config, engine, sessions
) -> None:
    console = build_console(settings, config, engine, io.StringIO())
    with freeze_time("2026-12-01 11:09:00", tick=True):
        console.run_lines(["/resource book room-a now for 30m"])  # ends 11:39 UTC
        before = len(console.out.getvalue())
        console.run_lines(["clock +1h25m"])
    out = console.out.getvalue()[before:]
    # The walk stops at 11:29 to send the reminder, then at 11:39 to end the booking; the whole
    # walk prints together, and ends with "it is 12:34".
    assert out.index("Your booking *BKG-1*") < out.index("(it is")
    with sessions() as s:
        booking = s.scalars(select(Booking)).one()
        reminder = s.scalars(select(Notice).where(Notice.kind == "booking.remind_end")).one()
    assert booking.status == "ended"
    assert reminder.status == "sent"
    assert reminder.sent_at is not None
    assert reminder.sent_at.replace(tzinfo=UTC) < booking.end.replace(tzinfo=UTC)
    assert reminder.sent_at.replace(tzinfo=UTC) < datetime(2026, 12, 1, 11, 39, tzinfo=UTC)
