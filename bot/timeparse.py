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

    time      := "now" | "in" duration | day [["at"] clock] | clock [day]
    day       := "today" | "tomorrow" | "yesterday" | weekday | YYYY-MM-DD
    clock     := HH:MM | H:MM | 9am | 9:30pm | 9 am | 12am (00:00) | 12pm (12:00) | noon | midnight
    weekday   := mon | monday | tue ... sun       (the next such day after today, or today if the
                                                   time is still ahead)
    duration  := pieces with the largest unit first, units w, d, h, m (also hours, mins, ...):
                 30m | 2h | 1d | 1w | 90m | 1h30m | 1h 30m | 2 hours | 1.5h
                 (at least 1m, at most 3660 days; there are no seconds)
    window    := time ("to" | "until" | "till") time | time "for" duration

A day without a clock is 00:00 local; a clock without a day is today. In a window the end is
read relative to the start: a bare clock takes the start's date (``tomorrow 9:00 to 17:00``) and
a weekday counts from the start's day. A window must end after it starts. ``take_*`` read the
longest prefix of the tokens and return how many they used; ``parse_*`` need the whole string.
Things that look meant as a time but are wrong are errors, never skipped: ``25:00``, ``13pm``,
``2026-02-30``, a bare ``9`` (09:00 or 21:00?) and dates not written YYYY-MM-DD (01/02/2026).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from itertools import pairwise
from typing import Literal, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from bot.clock import whole_minute
from bot.errors import UserError
from bot.timewords import (
    DURATION_EXAMPLE,
    MAX_DURATION,
    TIME_EXAMPLE,
    bad_duration,
    norm,
    parse_weekday,
    quote,
    read_date,
    read_pieces,
    read_time_of_day,
)

__all__ = [
    "format_duration",
    "local_to_utc",
    "parse_duration",
    "parse_time",
    "parse_weekday",
    "parse_window",
    "take_duration",
    "take_time",
    "take_window",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_FORMS = "now, in 2h, today 14:00, tomorrow 9am, mon 10:00 or 2026-12-01 09:00"


def _in_range(func: Callable[_P, _R]) -> Callable[_P, _R]:
    # Years like 0001 or 9999 parse fine but overflow once shifted to UTC.
    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except OverflowError:
            raise UserError("That time is too far away.", example=TIME_EXAMPLE) from None

    return wrapper


def format_duration(d: timedelta) -> str:
    """``1h 30m``, ``2d 3h``, ``45m``, ``0m``: whole minutes, seconds dropped."""
    if d < timedelta(0):
        return "-" + format_duration(-d)
    minutes = int(d.total_seconds() // 60)
    parts = zip((minutes // 1440, minutes // 60 % 24, minutes % 60), "dhm", strict=True)
    return " ".join(f"{n}{unit}" for n, unit in parts if n) or "0m"


def take_duration(tokens: Sequence[str]) -> tuple[timedelta, int]:
    """The duration at the start of ``tokens`` (it may span ``1h 30m``) and the tokens it used."""
    toks = [norm(t) for t in tokens]
    first = read_pieces(toks, 0)
    if first is None:
        raise bad_duration(toks[0] if toks else None)
    pieces, used = first
    if any(a[1] <= b[1] for a, b in pairwise(pieces)):
        raise UserError(
            f"{quote(toks[0])}: put the largest unit first, like 1h30m.", example=DURATION_EXAMPLE
        )
    # Further tokens only count while their units keep getting smaller: "2h 30m" is one duration,
    # but in "for 2h 2h sync" the second "2h" belongs to whatever the caller reads next.
    while (more := read_pieces(toks, used)) is not None and all(
        a[1] > b[1] for a, b in pairwise([pieces[-1], *more[0]])
    ):
        pieces += more[0]
        used += more[1]
    seconds = sum(n * unit.total_seconds() for n, unit in pieces)
    text = " ".join(toks[:used])
    if seconds > MAX_DURATION.total_seconds():
        raise UserError(f"{text} is too long: at most {MAX_DURATION.days} days.", example="2w")
    if seconds < 60:
        least = "longer than zero" if seconds == 0 else "at least one minute"
        raise UserError(f"{text}: a duration must be {least}.", example="30m")
    return timedelta(seconds=round(seconds)), used


def parse_duration(text: str) -> timedelta:
    """The whole of ``text`` as one duration: ``1h30m``, ``2h``, ``1h 30m``, ``1w``."""
    tokens = text.split()
    duration, used = take_duration(tokens)
    if used < len(tokens):
        raise UserError(
            f"I read {' '.join(tokens[:used])} as a duration but not {quote(tokens[used])}.",
            example=DURATION_EXAMPLE,
        )
    return duration


def local_to_utc(
    local: datetime, tz: ZoneInfo, *, on_gap: Literal["error", "shift"] = "error"
) -> datetime:
    """A naive local wall time in ``tz`` as aware UTC; see the DST rules at the top."""
    if local.tzinfo is not None:
        raise TypeError("local_to_utc takes a naive wall time")
    # fold=0 is the first of two repeated times; inside a gap it uses the offset from before the
    # jump, so converting there and back lands exactly one gap later: that is how gaps are found.
    utc = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == local or on_gap == "shift":
        return utc
    before = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    after = local.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    # The transition lies in (local - after, local - before]; bisect it to the second.
    lo, hi = local - after, local - before
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.replace(tzinfo=UTC).astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    jump_from, jump_to, suggested = hi + before, hi + after, local + (after - before)
    gap = after - before
    later = "one hour" if gap == timedelta(hours=1) else format_duration(gap)
    raise UserError(
        f"{local:%Y-%m-%d %H:%M} does not exist: clocks jump from {jump_from:%H:%M} to "
        f"{jump_to:%H:%M} on {jump_from:%Y-%m-%d} in {tz}. "
        f"Did you mean {suggested:%H:%M}, {later} later?",
        example=f"{suggested:%Y-%m-%d %H:%M}",
    )


@dataclass(frozen=True)
class _Expr:
    """One time expression, read but not yet placed on the calendar."""

    used: int
    instant: datetime | None = None  # "now" / "in ..."
    day: date | int | None = None  # a date, a weekday number, or none (a bare clock)
    clock: time | None = None


def _read_day(toks: Sequence[str], i: int, today: date) -> date | int | None:
    word = toks[i] if i < len(toks) else ""
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "yesterday":
        # A past day is still a time (an end, a "since"); callers that need the future say so.
        return today - timedelta(days=1)
    weekday = parse_weekday(word)
    return weekday if weekday is not None else read_date(word)


def _read(toks: Sequence[str], now: datetime, tz: ZoneInfo) -> _Expr:
    today = now.astimezone(tz).date()
    if not toks:
        raise UserError(f"I need a time here, like {_FORMS}.", example=TIME_EXAMPLE)
    # Times people type are whole minutes, "now" and "in 2h" included (seconds dropped).
    if toks[0] == "now":
        return _Expr(1, instant=whole_minute(now))
    if toks[0] == "in":
        if len(toks) == 1:
            raise UserError('"in" needs a duration after it, like in 2h.', example="in 2h")
        try:
            duration, used = take_duration(toks[1:])
        except UserError as e:
            raise UserError(e.message, example="in 2h") from None
        return _Expr(1 + used, instant=whole_minute(now) + duration)
    day = _read_day(toks, 0, today)
    if day is not None:
        at = 2 if len(toks) > 1 and toks[1] == "at" else 1
        clock = read_time_of_day(toks, at)
        if clock is None and at == 2:
            raise UserError('"at" needs a time of day after it.', example="tomorrow at 9am")
        return _Expr(at + clock[1], day=day, clock=clock[0]) if clock else _Expr(1, day=day)
    clock = read_time_of_day(toks, 0)
    if clock is not None:
        day = _read_day(toks, clock[1], today)
        return _Expr(clock[1] + (0 if day is None else 1), day=day, clock=clock[0])
    raise UserError(f"I can't read {quote(toks[0])} as a time. Try {_FORMS}.", example=TIME_EXAMPLE)


def _place(expr: _Expr, tz: ZoneInfo, ref: datetime, default_day: date) -> datetime:
    """Resolve ``expr`` to UTC; ``ref`` decides weekdays, ``default_day`` takes a bare clock."""
    if expr.instant is not None:
        return expr.instant
    clock = expr.clock or time(0, 0)
    # 00:00 is "when the day starts", which in a zone whose clocks skip midnight is 01:00.
    on_gap: Literal["error", "shift"] = "shift" if clock == time(0, 0) else "error"
    if isinstance(expr.day, int):
        ref_day = ref.astimezone(tz).date()
        day = ref_day + timedelta(days=(expr.day - ref_day.weekday()) % 7)
        if day == ref_day and local_to_utc(datetime.combine(day, clock), tz, on_gap="shift") <= ref:
            day += timedelta(days=7)
    else:
        day = expr.day or default_day
    return local_to_utc(datetime.combine(day, clock), tz, on_gap=on_gap)


def _aware(now: datetime) -> datetime:
    if now.utcoffset() is None:
        raise TypeError("now must be timezone-aware")
    return now.astimezone(UTC)


@_in_range
def take_time(tokens: Sequence[str], *, now: datetime, tz: ZoneInfo) -> tuple[datetime, int]:
    """The longest time expression at the start of ``tokens``, as aware UTC, and tokens used."""
    now = _aware(now)
    expr = _read([norm(t) for t in tokens], now, tz)
    return _place(expr, tz, now, now.astimezone(tz).date()), expr.used


def parse_time(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The whole of ``text`` as one time expression, as aware UTC."""
    tokens = text.split()
    when, used = take_time(tokens, now=now, tz=tz)
    _no_rest(tokens, used, "a time", TIME_EXAMPLE)
    return when


@_in_range
def take_window(
    tokens: Sequence[str], *, now: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime, int]:
    """``<from> to|until|till <to>`` or ``<from> for <duration>`` at the start of ``tokens``.

    Returns (start, end, tokens used); whatever follows (a note, a rotation) is the caller's.
    """
    now = _aware(now)
    toks = [norm(t) for t in tokens]
    start, i = take_time(toks, now=now, tz=tz)
    start_day = start.astimezone(tz).date()
    word = toks[i] if i < len(toks) else None
    if word == "for":
        if i + 1 == len(toks):
            raise UserError('"for" needs a duration after it, like for 2h.', example="for 2h")
        duration, used = take_duration(toks[i + 1 :])
        return start, start + duration, i + 1 + used
    if word not in ("to", "until", "till"):
        found = f", not {quote(tokens[i])}" if word else ""
        raise UserError(
            f"After the start I need to <time> or for <duration>{found}.",
            example=f"{' '.join(tokens[:i])} for 2h",
        )
    expr = _read(toks[i + 1 :], now, tz)
    end = _place(expr, tz, start, start_day)
    if end < start:
        next_day = f"{start_day + timedelta(days=1)} {end.astimezone(tz):%H:%M}"
        raise UserError(
            f"That window ends before it starts ({_show(end, tz)} is before {_show(start, tz)}). "
            "For an end on a later day, give its day too.",
            example=f"{_show(start, tz)} to {next_day}",
        )
    if end == start:
        raise UserError(
            f"That window ends when it starts ({_show(start, tz)}); it must end after it starts.",
            example=f"{_show(start, tz)} for 1h",
        )
    return start, end, i + 1 + expr.used


def parse_window(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The whole of ``text`` as one window, as aware UTC (start, end)."""
    tokens = text.split()
    start, end, used = take_window(tokens, now=now, tz=tz)
    _no_rest(tokens, used, "a time window", "tomorrow 9am for 2h")
    return start, end


def _no_rest(tokens: Sequence[str], used: int, what: str, example: str) -> None:
    if used < len(tokens):
        raise UserError(
            f"I read {quote(' '.join(tokens[:used]))} as {what} but not {quote(tokens[used])}.",
            example=example,
        )


def _show(utc: datetime, tz: ZoneInfo) -> str:
    return f"{utc.astimezone(tz):%Y-%m-%d %H:%M}"
