"""Property-based tests of the time grammar: whatever people type, the answer is a time or a
friendly ``UserError``, never a crash; and the phrases we promise mean what they say."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.timeparse import (
    parse_duration,
    parse_time,
    parse_window,
    starts_a_time,
    take_time,
    take_window,
)

# Ordinary zones, a half-hour one, one whose clocks skip midnight, odd offsets and a 30m DST.
ZONE_NAMES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata", "America/Santiago",
              "Pacific/Chatham", "Australia/Lord_Howe")  # fmt: skip
ZONES = [ZoneInfo(z) for z in ZONE_NAMES]
WORDS = [
    "now", "in", "at", "to", "until", "till", "for", "from", "-", "–", "—", "today", "tomorrow",
    "yesterday", "tonight", "next", "this", "week", "noon", "midnight", "midday", "am", "pm",
    "a.m.", "mon", "friday", "Sun", "thurs", "dec", "December", "sept", "feb", "of", "1st", "3rd",
    "12am", "12pm", "9am", "9:30pm", "13pm", "0am", "25:00", "9:60", "14:00", "00:00", "2h",
    "1h30m", "30m", "1w", "1.5h", "-2h", "0m", "99999w", "2026-12-24", "2026-02-30",
    "2026-12-24T09:00", "2026-12-24T09:00Z", "2026-12-24T09:00:30", "24.12.", "24.12.2026",
    "31.4.", "12/11", "25/12", "12/11/2026", "9.30", "24.12", "9-11am", "9am-11am", "9am-",
    "-11am", "hours", "mins", ",", "0001-01-01", "9999-12-31", "sync", "room-a", "<!channel>",
]  # fmt: skip
NUMBERS = st.integers(min_value=-5, max_value=100_000).map(str)
SEPARATORS = st.sampled_from([":", ".", "/", "-", "T", "am", "pm", "st", "th", "h", "m", "d", ""])
PIECES = st.one_of(
    st.sampled_from(WORDS),
    NUMBERS,
    st.tuples(NUMBERS, SEPARATORS, NUMBERS).map("".join),
    st.tuples(NUMBERS, SEPARATORS, NUMBERS, SEPARATORS, NUMBERS).map("".join),
    st.text(min_size=1, max_size=12).filter(lambda s: not s.isspace()),
)
PHRASES = st.lists(PIECES, min_size=0, max_size=7).map(" ".join)
NOWS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)
ZONE = st.sampled_from(ZONES)
TONIGHT = st.times(min_value=time(12, 0), max_value=time(23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0)
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_user_errors(call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    try:
        call(*args, **kwargs)
    except UserError as e:
        assert e.message and e.example, f"{args!r}: an error must say what to do"


@FAST
@given(text=PHRASES, now=NOWS, tz=ZONE, tonight=TONIGHT)
@example(text="9999-12-31 23:59 to 9999-12-31 23:59", now=datetime(2026, 1, 1, tzinfo=UTC),
         tz=ZONES[0], tonight=time(20))  # fmt: skip
@example(text="dec 31 9999", now=datetime(2090, 1, 1, tzinfo=UTC), tz=ZONES[0], tonight=time(20))
def test_any_text_is_a_time_or_a_user_error(
    text: str, now: datetime, tz: ZoneInfo, tonight: time
) -> None:
    _only_user_errors(parse_time, text, now=now, tz=tz, tonight=tonight)
    _only_user_errors(take_time, text.split(), now=now, tz=tz, tonight=tonight)
    for start in ("any", "clock", "future"):
        for whole_days in (False, True):
            _only_user_errors(
                parse_window, text, now=now, tz=tz, tonight=tonight, start=start,
                whole_days=whole_days,
            )  # fmt: skip
    _only_user_errors(parse_duration, text)
    starts_a_time(text.split()[0] if text.split() else "")


@FAST
@given(tokens=st.lists(PIECES, max_size=8), now=NOWS, tz=ZONE)
def test_a_window_uses_a_prefix_of_what_was_typed(
    tokens: list[str], now: datetime, tz: ZoneInfo
) -> None:
    tokens = [t for t in tokens if t.split() == [t]]  # one typed word each, as a command gets
    try:
        start, end, used = take_window(tokens, now=now, tz=tz, whole_days=True)
    except UserError:
        return
    assert 0 < used <= len(tokens)
    assert start.tzinfo is UTC and end.tzinfo is UTC and end > start


# --- valid phrases mean what they say -----------------------------------------------------------

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLOCKS = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def _clock_words(hour: int, minute: int) -> list[str]:
    twelve = hour % 12 or 12
    half = "am" if hour < 12 else "pm"
    return [f"{hour}:{minute:02d}", f"{hour:02d}:{minute:02d}", f"{twelve}:{minute:02d}{half}",
            f"{twelve}:{minute:02d} {half}"]  # fmt: skip


@FAST
@given(now=NOWS, tz=ZONE, day=st.integers(0, 6), clock=CLOCKS, form=st.integers(0, 3),
       at=st.booleans())  # fmt: skip
def test_next_weekday_is_the_first_such_day_after_today(
    now: datetime, tz: ZoneInfo, day: int, clock: tuple[int, int], form: int, at: bool
) -> None:
    words = ["next", DAYS[day], *(["at"] if at else []), _clock_words(*clock)[form]]
    try:
        when = parse_time(" ".join(words), now=now, tz=tz)
    except UserError as e:
        assert "does not exist" in e.message  # only a DST gap may refuse a valid phrase
        return
    today = now.astimezone(tz).date()
    got = when.astimezone(tz)
    assert got.weekday() == day
    assert 1 <= (got.date() - today).days <= 7
    assert (got.hour, got.minute) == clock


@FAST
@given(now=NOWS, tz=ZONE, month=st.integers(1, 12), day=st.integers(1, 28), clock=CLOCKS,
       form=st.integers(0, 4))  # fmt: skip
def test_a_date_without_a_year_is_the_next_such_day(
    now: datetime, tz: ZoneInfo, month: int, day: int, clock: tuple[int, int], form: int
) -> None:
    name = datetime(2026, month, 1).strftime("%b").lower()
    date_words = [f"{name} {day}", f"{day} {name}", f"{day}.{month}.",
                  f"{day}th of {datetime(2026, month, 1):%B}", f"{name} {day},"][form]  # fmt: skip
    try:
        when = parse_time(f"{date_words} {_clock_words(*clock)[0]}", now=now, tz=tz)
    except UserError as e:
        assert "does not exist" in e.message or "too far" in e.message
        return
    got = when.astimezone(tz)
    today = now.astimezone(tz).date()
    assert (got.month, got.day, got.hour, got.minute) == (month, day, *clock)
    assert timedelta(0) <= got.date() - today < timedelta(days=366)


@FAST
@given(now=NOWS, tz=ZONE, start=CLOCKS, minutes=st.integers(1, 600),
       sep=st.sampled_from(["to", "-", "until", "–"]))  # fmt: skip
@example(now=datetime(2032, 9, 4, 12, tzinfo=UTC), tz=ZoneInfo("America/Santiago"), start=(0, 0),
         minutes=60, sep="to")  # fmt: skip
def test_a_window_on_one_day_ends_where_it_says(
    now: datetime, tz: ZoneInfo, start: tuple[int, int], minutes: int, sep: str
) -> None:
    begin = datetime(2026, 1, 1, *start)
    end = begin + timedelta(minutes=minutes)
    if end.date() != begin.date():
        return
    text = f"tomorrow {begin:%H:%M} {sep} {end:%H:%M}"
    try:
        got_start, got_end = parse_window(text, now=now, tz=tz)
    except UserError as e:
        # DST: a time in the gap, a fold, or 00:00 on a day whose clocks skip midnight (the
        # day then starts at 01:00, so "00:00 to 01:00" is empty; America/Santiago 2032-09-05).
        assert any(why in e.message for why in ("does not exist", "ends before", "ends when"))
        return
    assert (got_start.astimezone(tz).hour, got_start.astimezone(tz).minute) == start
    assert (got_end.astimezone(tz).hour, got_end.astimezone(tz).minute) == (end.hour, end.minute)
    assert got_start.astimezone(tz).date() == now.astimezone(tz).date() + timedelta(days=1)
