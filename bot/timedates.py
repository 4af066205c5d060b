"""Dates as people type them: ``2026-12-24``, ``24.12.2026``, ``24.12.``, ``dec 3``, ``3rd of
december``; and the all-number spellings we refuse rather than guess (``12/11``).

Like ``bot.timewords``, readers return ``None`` for a token of another kind and raise
``UserError`` for one clearly meant as a date but wrong.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.durations import quote
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.timewords import ISO_T, TIME_EXAMPLE, norm, read_time_of_day

_EX_DATE = "2026-12-01 09:00"

_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(calendar.month_name[1:], start=1):
    _MONTHS[_name.lower()] = _MONTHS[_name.lower()[:3]] = _number
_MONTHS["sept"] = 9

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Day.month. and day.month.year: how much of Europe writes dates; never month first.
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})?")
_DAY_NUMBER = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?,?")
_YEAR = re.compile(r"(\d{4}),?")
# 12/11, 12/11/2026, 12-11: month first or day first depends on the country.
_NUMERIC = re.compile(r"(\d{1,4})[/-](\d{1,2})(?:[/-](\d{2,4}))?")
_DATEISH = re.compile(r"\d+[-/.]\d+[-/.]\d+")


@dataclass(frozen=True)
class MonthDay:
    """A date typed without its year (``dec 3``, ``24.12.``): the next one on or after a day."""

    month: int
    day: int

    def on_or_after(self, ref: date) -> date:
        for year in (ref.year, ref.year + 1, ref.year + 2, ref.year + 3, ref.year + 4):
            if year > 9999:
                break
            if self.day <= calendar.monthrange(year, self.month)[1]:
                found = date(year, self.month, self.day)
                if found >= ref:
                    return found
        raise UserError("That date is too far away.", example=_EX_DATE)

    def __str__(self) -> str:
        return f"{self.day} {calendar.month_abbr[self.month]}"


def parse_month(word: str) -> int | None:
    """``dec``/``December``/``dec.`` -> 12; ``None`` for anything else."""
    return _MONTHS.get(norm(word).rstrip(".,"))


def _checked(year: int | None, month: int, day: int, token: str) -> date | MonthDay:
    if not 1 <= month <= 12:
        raise UserError(
            f"{echo(token)} is not a date: there is no month {month}.", example=_EX_DATE
        )
    if year == 0:
        raise UserError(f"{echo(token)} is not a date: there is no year 0.", example=_EX_DATE)
    last = calendar.monthrange(year or 2024, month)[1]  # 2024: a leap year allows 29 February
    if not 1 <= day <= last:
        where = f"{calendar.month_name[month]} {year}" if year else calendar.month_name[month]
        raise UserError(f"{echo(token)} is not a date: {where} has {last} days.", example=_EX_DATE)
    return date(year, month, day) if year else MonthDay(month, day)


def read_date(token: str) -> date | None:
    """A ``YYYY-MM-DD`` or ``D.M.YYYY`` date, else None (``refuse_unclear_date`` explains)."""
    if m := _DATE.fullmatch(token):
        found = _checked(int(m[1]), int(m[2]), int(m[3]), token)
        assert isinstance(found, date)
        return found
    if (m := _DOTTED.fullmatch(token)) and m[3]:
        found = _checked(int(m[3]), int(m[2]), int(m[1]), token)
        assert isinstance(found, date)
        return found
    return None


def refuse_unclear_date(token: str, today: date) -> None:
    """Raise the specific error for a date written in an order we will not guess (``12/11``):
    every reading it could have, in ISO form (the next such day when no year is given)."""
    if m := _NUMERIC.fullmatch(token):
        if len(m[1]) == 4:  # 2026/12/24: the ISO order with the wrong separator
            raise UserError(f"{quote(token)}: write dates as YYYY-MM-DD.", example=_EX_DATE)
        year = (2000 + int(m[3]) if len(m[3]) == 2 else int(m[3])) if m[3] else None
        readings: list[tuple[str, str]] = []
        for day, month in ((int(m[1]), int(m[2])), (int(m[2]), int(m[1]))):
            try:
                found = _checked(year, month, day, token)
                iso = found if isinstance(found, date) else found.on_or_after(today)
            except UserError:
                continue
            if all(iso.isoformat() != seen for _, seen in readings):
                readings.append((f"{day} {calendar.month_name[month]}", iso.isoformat()))
        if not readings:
            raise UserError(f"{quote(token)} is not a date I can read.", example=_EX_DATE)
        if len(readings) == 2:
            (a, iso_a), (b, iso_b) = readings
            raise UserError(
                f"{quote(token)} could be {a} or {b}, depending on the country: write the date "
                f"as YYYY-MM-DD, {iso_a} or {iso_b}.",
                example=iso_a,
            )
        name, written = readings[0]
        raise UserError(
            f"{quote(token)}: write dates as YYYY-MM-DD ({written} for {name}), so that nobody "
            "reads another day.",
            example=written,
        )
    if _DATEISH.fullmatch(token):
        raise UserError(f"{quote(token)}: write dates as YYYY-MM-DD.", example=_EX_DATE)


def read_month_day(tokens: Sequence[str], i: int) -> tuple[date | MonthDay, int] | None:
    """``dec 3``, ``december 3rd``, ``3 dec``, ``3rd of december``, ``24.12.``, each with an
    optional year after it (``dec 3 2026``, ``3 dec, 2026``)."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if (m := _DOTTED.fullmatch(token)) and not m[3]:
        return _checked(None, int(m[2]), int(m[1]), token), 1
    month = parse_month(token)
    if month is not None and i + 1 < len(tokens) and (d := _DAY_NUMBER.fullmatch(tokens[i + 1])):
        day, used = int(d[1]), 2
    elif (d := _DAY_NUMBER.fullmatch(token)) and i + 1 < len(tokens):
        after = 2 if tokens[i + 1] == "of" and i + 2 < len(tokens) else 1
        month = parse_month(tokens[i + after])
        if month is None:
            return None
        day, used = int(d[1]), 1 + after
    else:
        return None
    year = None
    if i + used < len(tokens) and (y := _YEAR.fullmatch(tokens[i + used])):
        year, used = int(y[1]), used + 1
    text = " ".join(tokens[i : i + used])
    return _checked(year, month, day, text), used


def read_instant(token: str) -> datetime | None:
    """An ISO time with its own offset (``2026-12-24T09:00Z``, ``...T09:00+01:00``), as UTC;
    one with seconds is refused (times are whole minutes)."""
    m = ISO_T.fullmatch(token)
    if not m or not (m[4] or (m[3] and m[3] != "00")):
        return None
    if m[3] and m[3] != "00":
        raise UserError(
            f"{quote(token)}: times are whole minutes; leave the seconds out.",
            example=f"{m[1]} {m[2]}",
        )
    day = read_date(m[1])
    clock = read_time_of_day([m[2]], 0)
    assert day is not None and clock is not None
    offset = m[4].upper().replace("Z", "+00:00")
    sign, digits = (1 if offset[0] == "+" else -1), offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise UserError(f"{quote(token)} has an offset I can't read.", example=f"{m[1]}T{m[2]}Z")
    local = datetime.combine(day, clock[0])
    try:
        return (local - sign * timedelta(hours=hours, minutes=minutes)).replace(tzinfo=UTC)
    except OverflowError:
        raise UserError("That time is too far away.", example=TIME_EXAMPLE) from None
