"""Single words of the time grammar: weekdays, duration pieces, times of day, dates.

Nothing here knows about time zones or "now"; ``bot.timeparse`` assembles these words into
times and windows. Readers return ``None`` when a token is simply not of their kind (so the
grammar can try something else or leave it to the caller) and raise ``UserError`` when it is
clearly meant as one but is wrong (``25:00``, ``13pm``, ``2026-02-30``), because silently
skipping it would turn a typo into a different time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, time, timedelta

from bot.errors import UserError
from bot.mrkdwn import echo

TIME_EXAMPLE = "tomorrow 9am"
DURATION_EXAMPLE = "1h30m"
_EX_DATE = "2026-12-01 09:00"
# Anything longer is a typo, and the cap keeps timedelta/datetime arithmetic from overflowing.
MAX_DURATION = timedelta(days=3660)

_WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        ("mon", "monday"),
        ("tue", "tues", "tuesday"),
        ("wed", "weds", "wednesday"),
        ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    ]
):
    _WEEKDAYS.update(dict.fromkeys(_names, _index))

_UNITS: dict[str, timedelta] = {}
for _unit, _names in [
    (timedelta(weeks=1), ("w", "wk", "wks", "week", "weeks")),
    (timedelta(days=1), ("d", "day", "days")),
    (timedelta(hours=1), ("h", "hr", "hrs", "hour", "hours")),
    (timedelta(minutes=1), ("m", "min", "mins", "minute", "minutes")),
]:
    _UNITS.update(dict.fromkeys(_names, _unit))

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PIECE = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")
_COMPACT = re.compile(r"(?:\d+(?:\.\d+)?[a-z]+)+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_AMPM = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm)")
# Shapes that can only be meant as a time of day, so a bad one is an error, not "something else".
_TIMEISH = re.compile(r"\d+(?::\d+)+(?:am|pm)?|\d+(?:am|pm)")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATEISH = re.compile(r"\d+[-/.]\d+[-/.]\d+")

Pieces = list[tuple[float, timedelta]]


def norm(token: str) -> str:
    return token.lower().replace("a.m.", "am").replace("p.m.", "pm")


def quote(token: str) -> str:
    # Error messages echo user input into Slack: escape it (no pings, no forged links) and keep a
    # pasted paragraph from flooding the reply.
    return f'"{echo(token)}"'


def parse_weekday(word: str) -> int | None:
    """``mon``/``monday``/``Mon`` -> 0 ... ``sun`` -> 6; ``None`` for anything else."""
    return _WEEKDAYS.get(norm(word).rstrip("."))


def read_pieces(tokens: Sequence[str], i: int) -> tuple[Pieces, int] | None:
    """Duration pieces at ``tokens[i]``: ``1h30m``, or ``2 hours`` over two tokens."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if _COMPACT.fullmatch(token):
        pieces = [(float(n), _UNITS.get(u, timedelta(0))) for n, u in _PIECE.findall(token)]
        return (pieces, 1) if all(unit for _, unit in pieces) else None
    if _NUMBER.fullmatch(token) and i + 1 < len(tokens) and tokens[i + 1] in _UNITS:
        return [(float(token), _UNITS[tokens[i + 1]])], 2
    return None


def bad_duration(token: str | None) -> UserError:
    """The error for a token that was supposed to start a duration but does not."""
    if token is None:
        message = "I need a duration here."
    elif token.startswith("-"):
        message = f"{quote(token)}: a duration can't be negative."
    elif _NUMBER.fullmatch(token):
        message = f"{quote(token)} needs a unit: m (minutes), h (hours), d (days) or w (weeks)."
    elif _COMPACT.fullmatch(token):
        units = ", ".join(sorted({u for _, u in _PIECE.findall(token) if u not in _UNITS}))
        message = f"{quote(token)} has a unit I don't know ({units}); use m, h, d or w."
    else:
        message = f"{quote(token)} is not a duration."
    return UserError(
        message + " Durations look like 30m, 2h, 1d or 1h30m.", example=DURATION_EXAMPLE
    )


def read_time_of_day(tokens: Sequence[str], i: int) -> tuple[time, int] | None:
    """A time of day at ``tokens[i]`` (``14:00``, ``9am``, ``9:30 pm``, ``noon``, ``midnight``)."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token in ("noon", "midday"):
        return time(12, 0), 1
    if token == "midnight":
        return time(0, 0), 1
    used = 1
    if i + 1 < len(tokens) and tokens[i + 1] in ("am", "pm") and re.fullmatch(r"[\d:]+", token):
        token, used = token + tokens[i + 1], 2
    if m := _AMPM.fullmatch(token):
        hour, minute = int(m[1]), int(m[2] or 0)
        if not 1 <= hour <= 12:
            raise UserError(
                f"{token} is not a time of day: with am/pm the hour goes from 1 to 12.",
                example="1pm",
            )
        if minute > 59:
            raise _not_a_time(token)
        return time(hour % 12 + (12 if m[3] == "pm" else 0), minute), used
    if m := _CLOCK.fullmatch(token):
        if int(m[1]) > 23 or int(m[2]) > 59:
            raise _not_a_time(token)
        return time(int(m[1]), int(m[2])), used
    if _TIMEISH.fullmatch(token):
        raise _not_a_time(token)
    if token.isdigit() and int(token) <= 23:
        # "9" could be 09:00 or 21:00; guessing wrong books the wrong half of the day.
        hint = f"{token}:00" if int(token) > 12 else f"{token}am, {token}pm or {int(token):02d}:00"
        example = f"{token}:00" if int(token) > 12 else f"{token}am"
        raise UserError(
            f"{quote(token)} is not clear as a time of day: write {hint}.", example=example
        )
    return None


def _not_a_time(token: str) -> UserError:
    return UserError(
        f"{token} is not a time of day: write HH:MM with hours 00-23 and minutes 00-59, "
        "or 9am / 9:30pm.",
        example="14:00",
    )


def read_date(token: str) -> date | None:
    """A ``YYYY-MM-DD`` date; other date-like spellings are refused rather than guessed."""
    if m := _DATE.fullmatch(token):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        if not 1 <= month <= 12:
            raise UserError(f"{token} is not a date: there is no month {month}.", example=_EX_DATE)
        if year == 0:
            raise UserError(f"{token} is not a date: there is no year 0.", example=_EX_DATE)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise UserError(
                f"{token} is not a date: {calendar.month_name[month]} {year} has {last} days.",
                example=_EX_DATE,
            )
        return date(year, month, day)
    if _DATEISH.fullmatch(token):
        # 01/02/2026 means different days in different countries; only ISO is unambiguous.
        raise UserError(f"{quote(token)}: write dates as YYYY-MM-DD.", example=_EX_DATE)
    return None
