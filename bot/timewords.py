"""Single words of the time grammar: weekdays, times of day, and how typed text is cut.

Dates are in ``bot.timedates``. Nothing here knows about time zones or "now":
``bot.timepoints`` assembles these words into times and ``bot.timewindows`` into windows.
Readers return ``None`` when a token is simply not of their kind (so the grammar can try
something else or leave it to the caller) and raise ``UserError`` when it is clearly meant as one
but is wrong (``25:00``, ``13pm``, ``9.30``), because silently skipping it would turn a typo
into a different time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time

from bot.durations import quote
from bot.errors import UserError

TIME_EXAMPLE = "tomorrow 9am"

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

# The words that may follow a start in a window; a lone dash is "9am - 11am".
DASHES = ("-", "–", "—")
WINDOW_WORDS = ("to", "until", "till", *DASHES)

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_AMPM = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm)")
# Shapes that can only be meant as a time of day, so a bad one is an error, not "something else".
_TIMEISH = re.compile(r"\d+(?::\d+)+(?:am|pm)?|\d+(?:am|pm)")
# 2026-12-24T09:00, with optional seconds and offset: one typed token, two grammar tokens.
ISO_T = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2})(?::(\d{2}))?(z|[+-]\d{2}:?\d{2})?")
_DECIMAL = re.compile(r"(\d{1,2})\.(\d{2})")
_HOUR = re.compile(r"\d{1,2}")


def norm(token: str) -> str:
    return token.lower().replace("a.m.", "am").replace("p.m.", "pm")


def parse_weekday(word: str) -> int | None:
    """``mon``/``monday``/``Mon`` -> 0 ... ``sun`` -> 6; ``None`` for anything else."""
    return _WEEKDAYS.get(norm(word).rstrip("."))


# --- cutting text into tokens ------------------------------------------------------------------


def _clockish(token: str) -> bool:
    return bool(
        token in ("noon", "midday", "midnight") or _AMPM.fullmatch(token) or _CLOCK.fullmatch(token)
    )


def _split(token: str) -> list[str]:
    """One typed token as the grammar's tokens: ``9am-11am`` is three, an ISO ``T`` time two."""
    if m := ISO_T.fullmatch(token):
        if m[4]:
            return [token]  # an instant with its own offset: read whole (see read_instant)
        if m[3] and m[3] != "00":
            return [token]  # refused where a time is read (see read_instant), not in a note
        return [m[1], m[2]]
    if len(token) > 1 and token[0] in DASHES and _clockish(token[1:]):
        return ["-", token[1:]]  # 9am -11am
    if len(token) > 1 and token[-1] in DASHES and _clockish(token[:-1]):
        return [token[:-1], "-"]  # 9am- 11am
    for dash in DASHES:
        left, sep, right = token.partition(dash)
        if not sep or not left or not right:
            continue
        if _HOUR.fullmatch(left) and (ampm := _AMPM.fullmatch(right)):
            left += ampm[3]  # 9-11am: both ends are in the morning
        if _clockish(left) and _clockish(right):
            return [left, "-", right]
    return [token]


def tokenize(tokens: Sequence[str]) -> tuple[list[str], list[int]]:
    """The normalised grammar tokens and, for each, the index of the typed token it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, token in enumerate(tokens):
        for piece in _split(norm(token)):
            out.append("-" if piece in DASHES else piece)
            origin.append(i)
    return out, origin


# --- times of day -------------------------------------------------------------------------------


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
    if m := _DECIMAL.fullmatch(token):
        hint = [f"for a time of day write {m[1]}:{m[2]}"] if int(m[1]) <= 23 else []
        if 1 <= int(m[2]) <= 12:
            hint.append(f"for a date {m[1]}.{m[2]}. (day.month.) or YYYY-MM-DD")
        if not hint:
            return None
        raise UserError(
            f"{quote(token)} is not a time or a date I can read: {'; '.join(hint)}.",
            example=f"{m[1]}:{m[2]}" if int(m[1]) <= 23 else f"{m[1]}.{m[2]}.",
        )
    if token.isdecimal() and int(token) <= 23:
        # "9" could be 09:00 or 21:00; guessing wrong books the wrong half of the day.
        how = f"{token}:00" if int(token) > 12 else f"{token}am, {token}pm or {int(token):02d}:00"
        example = f"{token}:00" if int(token) > 12 else f"{token}am"
        raise UserError(
            f"{quote(token)} is not clear as a time of day: write {how}.", example=example
        )
    return None


def _not_a_time(token: str) -> UserError:
    return UserError(
        f"{token} is not a time of day: write HH:MM with hours 00-23 and minutes 00-59, "
        "or 9am / 9:30pm.",
        example="14:00",
    )


def show_clock(clock: time) -> str:
    """9:30, 14:00: how the grammar writes a time of day back in a hint."""
    return f"{clock.hour}:{clock.minute:02d}"
