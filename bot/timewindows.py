"""Windows: a start and an end (``tomorrow 9am for 2h``, ``9am - 11am``, ``next week``).

The grammar and its rules are described in ``bot.timeparse``; the end of a window is read
relative to its start, and what a start must be (a time of day, not in the past) depends on
the command reading it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.durations import quote, take_duration
from bot.errors import UserError
from bot.timepoints import (
    TONIGHT,
    Expr,
    aware,
    in_range,
    local_to_utc,
    no_rest,
    place,
    read,
    typed_count,
)
from bot.timewords import WINDOW_WORDS, show_clock, tokenize

Start = Literal["any", "clock", "future"]


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(day, time(0, 0)), tz, on_gap="shift")


def _period(
    toks: Sequence[str], i: int, now: datetime, tz: ZoneInfo, tonight: time
) -> tuple[datetime, datetime, int] | None:
    """A whole week or day at ``toks[i]`` that stands alone as a window, clipped to now."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    pair = tuple(toks[i : i + 2])
    if pair == ("next", "week"):
        start, used = _midnight(monday + timedelta(days=7), tz), 2
        end = _midnight(monday + timedelta(days=14), tz)
    elif pair == ("this", "week"):
        start, end, used = now, _midnight(monday + timedelta(days=7), tz), 2
    else:
        try:
            expr = read(toks[i:], now, tz, tonight)
        except UserError:
            return None
        if expr.instant is not None or expr.clock is not None:
            return None
        start = place(expr, tz, now, today)
        day = start.astimezone(tz).date()
        end, used = _midnight(day + timedelta(days=1), tz), expr.used
    following = toks[i + used] if i + used < len(toks) else None
    if following in (*WINDOW_WORDS, "for"):
        return None
    if end <= now:
        raise UserError("That day is over; give one from today on.", example="tomorrow")
    return max(start, _minute(now)), end, used


def _check_start(
    expr: Expr, start: datetime, typed: str, rest: str, now: datetime, tz: ZoneInfo, need: Start
) -> None:
    """A start that must have a time of day (and, for ``future``, must not be past); ``typed``
    is how the start was written and ``rest`` the rest of the window, for the example."""
    if need == "any":
        return
    local = start.astimezone(tz)
    rest = f" {rest}" if rest else " for 1h"
    if expr.instant is None and expr.clock is None:
        raise UserError(
            f"What time on {local:%a} {local.day} {local:%b}? Add the time of day, like "
            f"{typed} 9am.",
            example=f"{typed} 9am{rest}",
        )
    if need != "future" or start >= _minute(now):
        return
    now_local = now.astimezone(tz)
    if expr.clock is not None and local.date() == now_local.date():
        clock = show_clock(expr.clock)
        raise UserError(
            f"{clock} is in the past today (it is {now_local:%H:%M} now): did you mean "
            f"tomorrow {clock}?",
            example=f"tomorrow {clock}{rest}",
        )
    raise UserError(
        f"{local:%a %Y-%m-%d %H:%M} is in the past; give a start from now on (or `now`).",
        example=f"now{rest}",
    )


@in_range
def take_window(
    tokens: Sequence[str],
    *,
    now: datetime,
    tz: ZoneInfo,
    tonight: time = TONIGHT,
    start: Start = "any",
    whole_days: bool = False,
) -> tuple[datetime, datetime, int]:
    """``<from> to|until|till|- <to>`` or ``<from> for <duration>`` at the start of ``tokens``.

    ``start`` says what the start must be (see ``bot.timeparse``); ``whole_days`` lets a lone
    day or ``next week`` be the window. Returns (start, end, typed tokens used); whatever follows
    (a note, a rotation) is the caller's.
    """
    now = aware(now)
    toks, origin = tokenize(tokens)
    i = 1 if len(toks) > 1 and toks[0] == "from" else 0
    if whole_days and (period := _period(toks, i, now, tz, tonight)) is not None:
        first, end, used = period
        return first, end, typed_count(tokens, origin, i + used)
    expr = read(toks[i:], now, tz, tonight)
    first = place(expr, tz, now, now.astimezone(tz).date())
    typed, after = " ".join(toks[i : i + expr.used]), i + expr.used
    try:
        end, used = _end(toks, after, first, now, tz, tonight)
    except UserError:
        _check_start(expr, first, typed, "", now, tz, start)  # the better answer, if it has one
        raise
    _check_start(expr, first, typed, " ".join(toks[after:used]), now, tz, start)
    return first, end, typed_count(tokens, origin, used)


def _end(
    toks: Sequence[str], i: int, first: datetime, now: datetime, tz: ZoneInfo, tonight: time
) -> tuple[datetime, int]:
    """The end of a window whose start ends at ``toks[i]``, and the grammar tokens used in all."""
    first_day = first.astimezone(tz).date()
    word = toks[i] if i < len(toks) else None
    if word == "for":
        if i + 1 == len(toks):
            raise UserError('"for" needs a duration after it, like for 2h.', example="for 2h")
        duration, used = take_duration(toks[i + 1 :])
        return first + duration, i + 1 + used
    if word not in WINDOW_WORDS:
        found = f", not {quote(toks[i])}" if word else ""
        raise UserError(
            f"After the start I need to <time> or for <duration>{found}.",
            example=f"{' '.join(toks[:i])} for 2h",
        )
    end_expr = read(toks[i + 1 :], now, tz, tonight)
    end = place(end_expr, tz, first, first_day)
    if end < first:
        next_day = f"{first_day + timedelta(days=1)} {end.astimezone(tz):%H:%M}"
        raise UserError(
            f"That window ends before it starts ({_show(end, tz)} is before {_show(first, tz)}). "
            "For an end on a later day, give its day too.",
            example=f"{_show(first, tz)} to {next_day}",
        )
    if end == first:
        raise UserError(
            f"That window ends when it starts ({_show(first, tz)}); it must end after it starts.",
            example=f"{_show(first, tz)} for 1h",
        )
    return end, i + 1 + end_expr.used


def parse_window(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    tonight: time = TONIGHT,
    start: Start = "any",
    whole_days: bool = False,
) -> tuple[datetime, datetime]:
    """The whole of ``text`` as one window, as aware UTC (start, end)."""
    tokens = text.split()
    first, end, used = take_window(
        tokens, now=now, tz=tz, tonight=tonight, start=start, whole_days=whole_days
    )
    no_rest(tokens, used, "a time window", "tomorrow 9am for 2h")
    return first, end


def _show(utc: datetime, tz: ZoneInfo) -> str:
    return f"{utc.astimezone(tz):%Y-%m-%d %H:%M}"
