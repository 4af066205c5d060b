"""The time grammar every command shares: times, durations and windows typed by users.

DST rules (the part that is easy to get wrong, so it comes first):

* A local time that does not exist because the clocks spring forward (2027-03-28 02:30 in
  Europe/Berlin) is refused with a message naming the jump ("clocks jump from 02:00 to 03:00 on
  2027-03-28 in Europe/Berlin") and suggesting the time one gap later. Guessing would put a
  booking or shift at an hour the user never typed. ``local_to_utc(..., on_gap="shift")`` moves
  it forward by the gap instead (02:30 -> 03:30); recurrences use that, since no user is there to
  ask. A day's 00:00 (``tomorrow``, ``2026-12-01``, ``midnight``, ``mon 00:00``) means "when
  that day starts", so it is shifted too in the rare zones whose clocks skip midnight.
* A local time that happens twice because the clocks fall back (2026-10-25 02:30 in
  Europe/Berlin) means its first occurrence, the one still on summer time (fold=0).
* ``in 2h`` and every duration (``for 2h``, ``for 1d``) are exact elapsed time. A day word is wall
  time: ``tomorrow 9am`` is 09:00 local even when tomorrow is 23 or 25 hours long.

Grammar (case-insensitive, words separated by spaces; results are aware UTC datetimes):

    time      := "now" | "in" duration | day [["at"] clock] | clock [day] | ISO 2026-12-24T09:00
    day       := "today" | "tomorrow" | "yesterday" | "tonight" | weekday | "next" weekday
               | "this" weekday | date
    date      := 2026-12-24 | 24.12.2026 | 24.12. | dec 3 | 3 dec | december 3rd | 3rd of dec
                 (a year may follow a month's name: dec 3 2026; without one, the next such day)
    clock     := HH:MM | H:MM | 9am | 9:30pm | 9 am | 12am (00:00) | 12pm (12:00) | noon | midnight
    weekday   := mon | monday | tue ... sun  (the coming one: today while the time is ahead)
    duration  := pieces with the largest unit first, units w, d, h, m (also hours, mins, ...):
                 30m | 2h | 1d | 1w | 90m | 1h30m | 1h 30m | 2 hours | 1.5h
                 (at least 1m, at most 3660 days; there are no seconds)
    window    := ["from"] time ("to" | "until" | "till" | "-") time | ["from"] time "for" duration
                 | 9am-11am | 9-11am                      (and, where whole days make sense:)
               | "next week" | "this week" | day         (the whole week or day, from now on)

``next fri`` is the first Friday after today (a week away on a Friday); ``this fri`` is the Friday
of this Monday-to-Sunday week, refused once it is over. ``tonight`` is today at the configured
evening hour (``[time] tonight``, default 20:00); ``tonight 1am`` is early the next morning.
``midnight`` ends its day: alone it is the coming midnight, ``fri midnight`` the end of Friday;
``12am`` and ``00:00`` start theirs.

A day without a clock is 00:00 local; a clock without a day is today. In a window the end is
read relative to the start: a bare clock takes the start's date (``tomorrow 9:00 to 17:00``) and
a weekday counts from the start's day. A window must end after it starts. ``take_*`` read the
longest prefix of the tokens and return how many they used; ``parse_*`` need the whole string.
Where a command needs a start time (``start="clock"``) a bare day asks for the time instead of
meaning 00:00; where only the future makes sense (``start="future"``) a past start is refused,
``9:30`` at 10:00 with "did you mean tomorrow 9:30?".
Things that look meant as a time but are wrong are errors, never skipped: ``25:00``, ``13pm``,
``2026-02-30``, a bare ``9`` (09:00 or 21:00?) and dates whose order depends on the country
(``12/11``: 12 November or December 11?), which are refused with their ISO forms as the hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.durations import format_duration, parse_duration, take_duration
from bot.timedates import parse_month
from bot.timepoints import (
    TONIGHT,
    aware,
    in_range,
    local_to_utc,
    no_rest,
    place,
    read,
    typed_count,
)
from bot.timewindows import Start, parse_window, take_window
from bot.timewords import TIME_EXAMPLE, norm, parse_weekday, tokenize

__all__ = [
    "TONIGHT",
    "Moment",
    "Start",
    "format_duration",
    "local_to_utc",
    "parse_duration",
    "parse_time",
    "parse_weekday",
    "parse_window",
    "starts_a_time",
    "take_duration",
    "take_moment",
    "take_time",
    "take_window",
]

_STARTS = {"now", "in", "today", "tomorrow", "tonight", "yesterday", "next", "this", "from",
           "noon", "midday", "midnight"}  # fmt: skip


def starts_a_time(word: str) -> bool:
    """Whether ``word`` could begin a time (so it is not, say, a resource kind before one)."""
    w = norm(word)
    return (
        w[:1].isdecimal()
        or w in _STARTS
        or parse_weekday(w) is not None
        or parse_month(w) is not None
    )


@dataclass(frozen=True)
class Moment:
    """A time as read: the instant, the typed tokens it used, and whether a clock was given."""

    at: datetime
    used: int
    clock_given: bool


@in_range
def take_moment(
    tokens: Sequence[str], *, now: datetime, tz: ZoneInfo, tonight: time = TONIGHT
) -> Moment:
    """The longest time expression at the start of ``tokens``, with what it was made of."""
    now = aware(now)
    toks, origin = tokenize(tokens)
    expr = read(toks, now, tz, tonight)
    at = place(expr, tz, now, now.astimezone(tz).date())
    clock_given = expr.clock is not None or expr.instant is not None
    return Moment(at, typed_count(tokens, origin, expr.used), clock_given)


def take_time(
    tokens: Sequence[str], *, now: datetime, tz: ZoneInfo, tonight: time = TONIGHT
) -> tuple[datetime, int]:
    """The longest time expression at the start of ``tokens``, as aware UTC, and tokens used."""
    moment = take_moment(tokens, now=now, tz=tz, tonight=tonight)
    return moment.at, moment.used


def parse_time(text: str, *, now: datetime, tz: ZoneInfo, tonight: time = TONIGHT) -> datetime:
    """The whole of ``text`` as one time expression, as aware UTC."""
    tokens = text.split()
    when, used = take_time(tokens, now=now, tz=tz, tonight=tonight)
    no_rest(tokens, used, "a time", TIME_EXAMPLE)
    return when
