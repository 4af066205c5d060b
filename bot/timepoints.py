"""One time expression (``next fri 3pm``, ``dec 3 14:00``, ``in 2h``) as an instant in UTC.

Reading and placing are two steps: ``read`` turns tokens into an ``Expr`` (which day, which
time of day, as typed), ``place`` puts it on the calendar in a zone relative to a reference
instant, so a window's end can count from its start (``fri 17:00 to mon 9:00``). The grammar
itself and the DST rules are described in ``bot.timeparse``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Literal, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from bot.clock import whole_minute
from bot.durations import format_duration, quote, take_duration
from bot.errors import UserError
from bot.timedates import (
    MonthDay,
    parse_month,
    read_date,
    read_instant,
    read_month_day,
    refuse_unclear_date,
)
from bot.timewords import TIME_EXAMPLE, parse_weekday, read_time_of_day

_P = ParamSpec("_P")
_R = TypeVar("_R")
TONIGHT = time(20, 0)
FORMS = (
    "now, in 2h, today 14:00, tomorrow 9am, tonight, mon 10:00, next fri 3pm, dec 3 14:00 "
    "or 2026-12-01 09:00"
)
_DAY_WORDS = {"today": 0, "tomorrow": 1, "tonight": 0, "yesterday": -1}


@dataclass(frozen=True)
class Weekday:
    """A weekday relative to a reference day: ``fri`` (the coming one, today while the time is
    still ahead), ``next fri`` (the first after today), ``this fri`` (the one of this week)."""

    number: int
    mode: Literal["coming", "next", "this"] = "coming"


Day = date | MonthDay | Weekday


@dataclass(frozen=True)
class Expr:
    """One time expression, read but not yet placed on the calendar."""

    used: int
    instant: datetime | None = None  # "now", "in ...", an ISO time with an offset
    day: Day | None = None  # None: a bare clock, on the default day
    clock: time | None = None  # None: a bare day
    midnight: bool = False  # "midnight" is the end of its day: the 00:00 after it
    tonight: bool = False  # a clock before noon "tonight" is early the next morning


def aware(now: datetime) -> datetime:
    if now.utcoffset() is None:
        raise TypeError("now must be timezone-aware")
    return now.astimezone(UTC)


def local_to_utc(
    local: datetime, tz: ZoneInfo, *, on_gap: Literal["error", "shift"] = "error"
) -> datetime:
    """A naive local wall time in ``tz`` as aware UTC; see the DST rules in ``bot.timeparse``."""
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


# --- reading ------------------------------------------------------------------------------------


def _read_day(toks: Sequence[str], i: int, today: date) -> tuple[Day, int] | None:
    """A day at ``toks[i]``, or None; ``today`` only anchors today/tomorrow/yesterday."""
    word = toks[i] if i < len(toks) else ""
    if word in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[word]), 1
    if word in ("next", "this") and i + 1 < len(toks):
        weekday = parse_weekday(toks[i + 1])
        if weekday is not None:
            return Weekday(weekday, "next" if word == "next" else "this"), 2
        return None
    weekday = parse_weekday(word)
    if weekday is not None:
        return Weekday(weekday), 1
    found = read_month_day(toks, i)
    if found is not None:
        return found
    day = read_date(word)
    return (day, 1) if day is not None else None


def _read_clock(toks: Sequence[str], i: int) -> tuple[time, int, bool] | None:
    found = read_time_of_day(toks, i)
    if found is None:
        return None
    return found[0], found[1], toks[i] == "midnight"


def _refuse_start(toks: Sequence[str], today: date) -> UserError:
    """The error for a first token that starts no time expression."""
    first = toks[0]
    refuse_unclear_date(first, today)
    if first in ("next", "this"):
        what = toks[1] if len(toks) > 1 else ""
        if what == "week":
            return UserError(
                f'"{first} week" is a whole week; for a time in it name the day, like '
                f"{first} mon 9am.",
                example=f"{first} mon 9am",
            )
        return UserError(
            f'After "{first}" I need a weekday, like {first} friday.', example=f"{first} fri 3pm"
        )
    month = parse_month(first)
    if month is not None:
        return UserError(f"Which day of {quote(first)}? Give the day too, like {first} 3.",
                         example=f"{first} 3 14:00")  # fmt: skip
    return UserError(f"I can't read {quote(first)} as a time. Try {FORMS}.", example=TIME_EXAMPLE)


def read(toks: Sequence[str], now: datetime, tz: ZoneInfo, tonight: time) -> Expr:
    """The longest time expression at the start of normalised tokens."""
    today = now.astimezone(tz).date()
    if not toks:
        raise UserError(f"I need a time here, like {FORMS}.", example=TIME_EXAMPLE)
    first = toks[0]
    # Times people type are whole minutes, "now" and "in 2h" included (seconds dropped).
    if first == "now":
        return Expr(1, instant=whole_minute(now))
    if first == "in":
        if len(toks) == 1:
            raise UserError('"in" needs a duration after it, like in 2h.', example="in 2h")
        try:
            duration, used = take_duration(toks[1:])
        except UserError as e:
            raise UserError(e.message, example="in 2h") from None
        return Expr(1 + used, instant=whole_minute(now) + duration)
    instant = read_instant(first)
    if instant is not None:
        return Expr(1, instant=instant)
    found = _read_day(toks, 0, today)
    if found is not None:
        day, used = found
        is_tonight = first == "tonight"
        at = used + 1 if used < len(toks) and toks[used] == "at" else used
        clock = _read_clock(toks, at)
        if clock is None and at > used:
            raise UserError('"at" needs a time of day after it.', example="tomorrow at 9am")
        if clock is None:
            if is_tonight:
                return Expr(used, day=day, clock=tonight, tonight=True)
            return Expr(used, day=day)
        return Expr(at + clock[1], day=day, clock=clock[0], midnight=clock[2], tonight=is_tonight)
    clock = _read_clock(toks, 0)
    if clock is None:
        raise _refuse_start(toks, today)
    after = _read_day(toks, clock[1], today)
    if after is None:
        return Expr(clock[1], clock=clock[0], midnight=clock[2])
    day, used = after
    is_tonight = toks[clock[1]] == "tonight"
    return Expr(clock[1] + used, day=day, clock=clock[0], midnight=clock[2], tonight=is_tonight)


# --- placing ------------------------------------------------------------------------------------


def _wall(day: date, expr: Expr) -> datetime:
    """The local wall time ``expr`` names on ``day``: midnight ends the day, tonight's small
    hours belong to the next one."""
    clock = expr.clock or time(0, 0)
    if expr.midnight or (expr.tonight and clock < time(12, 0)):
        day += timedelta(days=1)
    return datetime.combine(day, clock)


def _on_gap(wall: datetime) -> Literal["error", "shift"]:
    # 00:00 is "when the day starts", which in a zone whose clocks skip midnight is 01:00.
    return "shift" if wall.time() == time(0, 0) else "error"


def resolve_day(expr: Expr, tz: ZoneInfo, ref: datetime, default_day: date) -> date:
    """The calendar day ``expr`` means: weekdays and yearless dates count from ``ref``."""
    ref_day = ref.astimezone(tz).date()
    day = expr.day
    if day is None:
        return default_day
    if isinstance(day, date):
        return day
    if isinstance(day, MonthDay):
        return day.on_or_after(ref_day)
    if day.mode == "next":
        return ref_day + timedelta(days=(day.number - ref_day.weekday() - 1) % 7 + 1)
    if day.mode == "this":
        found = ref_day + timedelta(days=day.number - ref_day.weekday())
        if found < ref_day:
            name = f"{found:%A}"
            raise UserError(
                f"This week's {name} was {found:%a} {found.day} {found:%b}; for the coming one "
                f'say "next {name.lower()}".',
                example=f"next {name[:3].lower()}",
            )
        return found
    found = ref_day + timedelta(days=(day.number - ref_day.weekday()) % 7)
    if found == ref_day and local_to_utc(_wall(found, expr), tz, on_gap="shift") <= ref:
        found += timedelta(days=7)
    return found


def place(expr: Expr, tz: ZoneInfo, ref: datetime, default_day: date) -> datetime:
    """``expr`` in UTC: ``ref`` anchors relative days, ``default_day`` takes a bare clock."""
    if expr.instant is not None:
        return expr.instant
    wall = _wall(resolve_day(expr, tz, ref, default_day), expr)
    return local_to_utc(wall, tz, on_gap=_on_gap(wall))


# --- shared by times and windows -------------------------------------------------------------


def in_range(func: Callable[_P, _R]) -> Callable[_P, _R]:
    # Years like 0001 or 9999 parse fine but overflow once shifted to UTC.
    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except OverflowError:
            raise UserError("That time is too far away.", example=TIME_EXAMPLE) from None

    return wrapper


def typed_count(tokens: Sequence[str], origin: list[int], used: int) -> int:
    """How many typed tokens ``used`` grammar tokens cover; stopping inside one is an error."""
    if used == 0:
        return 0
    last = origin[used - 1]
    if used < len(origin) and origin[used] == last:
        raise UserError(
            f"{quote(tokens[last])} is a window; here I need one time.", example=TIME_EXAMPLE
        )
    return last + 1


def no_rest(tokens: Sequence[str], used: int, what: str, example: str) -> None:
    if used < len(tokens):
        raise UserError(
            f"I read {quote(' '.join(tokens[:used]))} as {what} but not {quote(tokens[used])}.",
            example=example,
        )
