"""The period a report covers, read from what people type, and the time buckets of its charts.

Periods are whole local days in the reader's zone, ending now: ``week`` is the last 7 days
(today included, so far), ``month`` the last month (from the same date last month), nothing at
all the last 4 weeks, ``30d`` or ``2w`` the last 30 days or 2 weeks. ``<from> to <to>`` is read by
the shared time grammar (bot/timeparse.py); an end written as a day without a clock includes that
day (``2026-11-01 to 2026-11-30`` is all of November). A period ends now at the latest and covers
at most a year.

Charts count per day for periods up to 14 days and per week (7 local days from the start) beyond;
the last bucket may be shorter ("so far").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.commands import ParseEnv
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.recurrence import add_months, at_local
from bot.timeparse import parse_duration, take_time, take_window
from bot.timewords import norm
from storage.report_sql import Buckets

MAX_LENGTH = timedelta(days=366)
DAILY_UP_TO = timedelta(days=14)
DEFAULT_WEEKS = 4
WINDOW_WORDS = ("to", "until", "till")
PERIOD_HELP = "week, month, 30d, 2026-11-01 to 2026-11-30"
PERIOD_EXAMPLE = "2026-11-01 to 2026-11-30"
# Tokens that set a clock: an end with none of them is a whole day.
_CLOCKISH = re.compile(r"\d{1,2}:\d{2}|\d(am|pm)|am|pm|noon|midday|midnight|now")


@dataclass(frozen=True)
class Bucket:
    start: datetime
    end: datetime
    label: str  # "Mon 30 Nov" (a day) or "30 Nov" (the week from that day)
    partial: bool  # shorter than a whole day or week: the current one, so far


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    tz: ZoneInfo
    label: str  # "the last 4 weeks"

    @property
    def daily(self) -> bool:
        return self.end - self.start <= DAILY_UP_TO

    @property
    def unit(self) -> str:
        return "day" if self.daily else "week"

    def buckets(self) -> list[Bucket]:
        local = self.start.astimezone(self.tz)
        step = 1 if self.daily else 7
        out: list[Bucket] = []
        k = 0
        while True:
            day = local.date() + timedelta(days=k * step)
            start = at_local(day, local.time().replace(tzinfo=None), self.tz) if k else self.start
            if start >= self.end:
                break
            full_end = at_local(
                day + timedelta(days=step), local.time().replace(tzinfo=None), self.tz
            )
            end = min(full_end, self.end)
            label = f"{day:%a} {day.day} {day:%b}" if self.daily else f"{day.day} {day:%b}"
            out.append(Bucket(start, end, label, partial=end < full_end))
            k += 1
        return out

    def bounds(self) -> list[datetime]:
        buckets = self.buckets()
        return [b.start for b in buckets] + [buckets[-1].end]

    def spec(self) -> Buckets:
        """The buckets as the database places rows in them (storage/reports.py)."""
        wall = self.start.astimezone(self.tz).replace(tzinfo=None)
        return Buckets(
            bounds=self.bounds(),
            local_start=calendar.timegm(wall.timetuple()),
            step=86_400 if self.daily else 7 * 86_400,
            offsets=offsets(self.start, self.end, self.tz),
        )

    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400

    def span_text(self) -> str:
        """``Mon 2 Nov 2026 – Tue 1 Dec 2026 14:05 (Europe/Berlin)``, for charts and files."""
        a, b = self.start.astimezone(self.tz), self.end.astimezone(self.tz)

        def show(t: datetime) -> str:
            clock = "" if t.time() == time(0, 0) else f" {t:%H:%M}"
            return f"{t:%a} {t.day} {t:%b %Y}{clock}"

        return f"{show(a)} – {show(b)} ({self.tz.key})"

    def slug(self) -> str:
        """For file names: ``2026-11-02_2026-12-01``."""
        last = (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()
        return f"{self.start.astimezone(self.tz).date()}_{last}"


def offsets(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, int]]:
    """(from, UTC offset in seconds) over [start, end): one entry per DST stretch."""

    def offset(t: datetime) -> int:
        return int((t.astimezone(tz).utcoffset() or timedelta(0)).total_seconds())

    out = [(start, offset(start))]
    t = start
    while t < end:
        nxt = min(t + timedelta(days=1), end)
        if offset(nxt) != out[-1][1]:
            lo, hi = t, nxt  # the change lies in (lo, hi]: find it to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (lo, mid) if offset(mid) != out[-1][1] else (mid, hi)
            out.append((hi, offset(hi)))
        t = nxt
    return out


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return at_local(day, time(0, 0), tz)


def last_days(days: int, env: ParseEnv, label: str) -> Period:
    today = env.now.astimezone(env.tz).date()
    return Period(_midnight(today - timedelta(days=days - 1), env.tz), env.now, env.tz, label)


def default_period(env: ParseEnv) -> Period:
    return last_days(DEFAULT_WEEKS * 7, env, f"the last {DEFAULT_WEEKS} weeks")


def _unknown(words: list[str]) -> UserError:
    return UserError(
        f"I don't know `{echo(' '.join(words))}` as a period. A period is `week`, `month`, a "
        f"number of days or weeks (`30d`, `2w`) or `<from> to <to>`, such as {PERIOD_EXAMPLE}.",
        example=f"/report {PERIOD_EXAMPLE}",
    )


def _leftover(read: list[str], rest: list[str]) -> UserError:
    return UserError(
        f"I read `{echo(' '.join(read))}` as the period but not `{echo(' '.join(rest))}`. "
        f"A period is one of: {PERIOD_HELP}.",
        example="/report incidents month",
    )


def _relative(words: list[str], env: ParseEnv) -> Period | None:
    """``week``, ``month`` or a duration such as ``30d``; None when the first word is none."""
    first = norm(words[0])
    if first in ("week", "month"):
        if len(words) > 1:
            raise _leftover(words[:1], words[1:])
        if first == "week":
            return last_days(7, env, "the last 7 days")
        today = env.now.astimezone(env.tz).date()
        start = add_months(today, -1) + timedelta(days=1)
        return Period(_midnight(start, env.tz), env.now, env.tz, "the last month")
    if not re.fullmatch(r"\d+(\.\d+)?[a-z]+", first):
        return None
    try:
        length = parse_duration(first)
    except UserError:
        return None
    if len(words) > 1:
        raise _leftover(words[:1], words[1:])
    if length % timedelta(days=1):
        return Period(env.now - length, env.now, env.tz, f"the last {first}")
    n = length // timedelta(days=1)
    label = f"the last {n // 7} weeks" if n % 7 == 0 and n > 7 else f"the last {n} days"
    return last_days(n, env, label if n != 7 else "the last 7 days")


def _window(words: list[str], env: ParseEnv) -> Period:
    toks = [norm(w) for w in words]
    try:
        take_time(toks, now=env.now, tz=env.tz)
    except UserError as exc:
        if not any(ch.isdecimal() for ch in toks[0]):
            raise _unknown(words) from None
        # Meant as a date or time but wrong (2026-02-30, 25:00): say exactly what.
        raise UserError(exc.message, example=f"/report {PERIOD_EXAMPLE}") from None
    if not any(t in WINDOW_WORDS or t == "for" for t in toks):
        start, used = take_time(toks, now=env.now, tz=env.tz)
        if used < len(toks):
            raise _leftover(words[:used], words[used:])
        if any(_CLOCKISH.search(t) for t in toks):
            raise UserError(
                "Give a period as `<from> to <to>`, or one day without a time.",
                example=f"/report {PERIOD_EXAMPLE}",
            )
        day = start.astimezone(env.tz).date()  # one whole day, such as "yesterday"
        end = _midnight(day + timedelta(days=1), env.tz)
        return Period(start, end, env.tz, f"{day:%a} {day.day} {day:%b %Y}")
    try:
        start, end, used = take_window(toks, now=env.now, tz=env.tz)
    except UserError as exc:
        raise UserError(exc.message, example=f"/report {PERIOD_EXAMPLE}") from None
    if used < len(toks):
        raise _leftover(words[:used], words[used:])
    word_at = next(i for i, t in enumerate(toks) if t in WINDOW_WORDS or t == "for")
    end_words = toks[word_at + 1 :]
    whole_day = toks[word_at] != "for" and not any(_CLOCKISH.search(t) for t in end_words)
    if whole_day and end.astimezone(env.tz).time() == time(0, 0):
        end = _midnight(end.astimezone(env.tz).date() + timedelta(days=1), env.tz)
    a = start.astimezone(env.tz)
    b = (end - timedelta(microseconds=1)).astimezone(env.tz)
    return Period(start, end, env.tz, f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}")


def parse_period(words: list[str], env: ParseEnv) -> Period:
    """The period in ``words`` (none: the last 4 weeks), checked: not in the future, at most a
    year, ending now at the latest."""
    if not words:
        return default_period(env)
    period = _relative(words, env) or _window(words, env)
    if period.start >= env.now:
        raise UserError(
            "That period starts in the future; a report looks back. Try the last month.",
            example="/report month",
        )
    if period.end > env.now:
        period = Period(period.start, env.now, period.tz, period.label)
    if period.end - period.start > MAX_LENGTH:
        days = (period.end - period.start).days
        raise UserError(
            f"A report covers at most a year (366 days); that period is {days:,} days. "
            "Split it into shorter periods.",
            example="/report 2025-12-01 to 2026-11-30",
        )
    return period
