"""Durations as people type them (``30m``, ``2h``, ``1h 30m``, ``2 hours``) and as we show them.

A duration is exact elapsed time: ``for 1d`` across a DST change is 24 real hours. There are no
seconds and no negative durations; anything past ``MAX_DURATION`` is a typo.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from itertools import pairwise

from bot.errors import UserError
from bot.mrkdwn import echo

DURATION_EXAMPLE = "1h30m"
# Anything longer is a typo, and the cap keeps timedelta/datetime arithmetic from overflowing.
MAX_DURATION = timedelta(days=3660)

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

Pieces = list[tuple[float, timedelta]]


def quote(token: str) -> str:
    # Error messages echo user input into Slack: escape it (no pings, no forged links) and keep a
    # pasted paragraph from flooding the reply.
    return f'"{echo(token)}"'


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
        message = f"{quote(token)} has a unit I don't know ({echo(units)}); use m, h, d or w."
    else:
        message = f"{quote(token)} is not a duration."
    return UserError(
        message + " Durations look like 30m, 2h, 1d or 1h30m.", example=DURATION_EXAMPLE
    )


def format_duration(d: timedelta) -> str:
    """``1h 30m``, ``2d 3h``, ``45m``, ``0m``: whole minutes, seconds dropped."""
    if d < timedelta(0):
        return "-" + format_duration(-d)
    minutes = int(d.total_seconds() // 60)
    parts = zip((minutes // 1440, minutes // 60 % 24, minutes % 60), "dhm", strict=True)
    return " ".join(f"{n}{unit}" for n, unit in parts if n) or "0m"


def take_duration(tokens: Sequence[str]) -> tuple[timedelta, int]:
    """The duration at the start of ``tokens`` (it may span ``1h 30m``) and the tokens it used."""
    toks = [t.lower() for t in tokens]
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
    text = echo(" ".join(toks[:used]))
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
            f"I read {echo(' '.join(tokens[:used]))} as a duration but not {quote(tokens[used])}.",
            example=DURATION_EXAMPLE,
        )
    return duration
