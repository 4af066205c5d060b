"""The shared time grammar: every form in three zones, windows, DST gaps and folds, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.timeparse import (
    format_duration,
    local_to_utc,
    parse_duration,
    parse_time,
    parse_weekday,
    parse_window,
    take_duration,
    take_time,
    take_window,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [BERLIN, NEW_YORK, ZoneInfo("UTC")]
# Monday 2026-11-30: 11:00 in Berlin, 05:00 in New York, 10:00 in UTC; the same date everywhere.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def local(utc: datetime, tz: ZoneInfo) -> datetime:
    """The wall time of an aware UTC result, after checking that it really is aware UTC."""
    assert utc.tzinfo is UTC
    return utc.astimezone(tz).replace(tzinfo=None)


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- times -------------------------------------------------------------------------------------

WALL_FORMS = [
    ("today 14:00", "2026-11-30 14:00"),
    ("today", "2026-11-30 00:00"),
    ("tomorrow", "2026-12-01 00:00"),
    ("tomorrow 9am", "2026-12-01 09:00"),
    ("tomorrow 9 am", "2026-12-01 09:00"),
    ("TOMORROW 9AM", "2026-12-01 09:00"),
    ("tomorrow 9 a.m.", "2026-12-01 09:00"),
    ("tomorrow at 9:30pm", "2026-12-01 21:30"),
    ("tomorrow noon", "2026-12-01 12:00"),
    ("tomorrow midnight", "2026-12-02 00:00"),  # midnight ends the day it is said with
    ("yesterday", "2026-11-29 00:00"),
    ("yesterday 17:00", "2026-11-29 17:00"),
    ("Yesterday at 9am", "2026-11-29 09:00"),
    ("9:30pm yesterday", "2026-11-29 21:30"),
    ("9am tomorrow", "2026-12-01 09:00"),
    ("2026-12-01 09:00", "2026-12-01 09:00"),
    ("2026-12-01", "2026-12-01 00:00"),
    ("2026-12-01 12am", "2026-12-01 00:00"),
    ("2026-12-01 12pm", "2026-12-01 12:00"),
    ("14:00", "2026-11-30 14:00"),
    ("9:05", "2026-11-30 09:05"),
    ("9pm", "2026-11-30 21:00"),
    ("9:30am", "2026-11-30 09:30"),
    ("12:45pm", "2026-11-30 12:45"),
    ("noon", "2026-11-30 12:00"),
    ("midnight", "2026-12-01 00:00"),  # the coming midnight
    ("tomorrow 12am", "2026-12-01 00:00"),
    ("2026-12-01 00:00", "2026-12-01 00:00"),
    ("tue", "2026-12-01 00:00"),
    ("Fri 10:00", "2026-12-04 10:00"),
    ("sunday 18:00", "2026-12-06 18:00"),
    ("monday", "2026-12-07 00:00"),  # today's 00:00 is past, so next week
    ("mon 23:00", "2026-11-30 23:00"),  # today and still ahead in every zone
]


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize(("text", "expected"), WALL_FORMS)
def test_wall_time_forms(text: str, expected: str, tz: ZoneInfo) -> None:
    assert local(parse_time(text, now=NOW, tz=tz), tz) == wall(expected)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (BERLIN, "2026-12-07 10:00"),  # 10:00 has passed (it is 11:00): next Monday
        (NEW_YORK, "2026-11-30 10:00"),  # it is 05:00: still ahead today
        (ZoneInfo("UTC"), "2026-12-07 10:00"),  # exactly now is not "ahead"
    ],
    ids=str,
)
def test_weekday_is_today_only_while_the_time_is_ahead(tz: ZoneInfo, expected: str) -> None:
    assert local(parse_time("mon 10:00", now=NOW, tz=tz), tz) == wall(expected)


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize(
    ("text", "elapsed"),
    [
        ("now", timedelta(0)),
        ("NOW", timedelta(0)),
        ("in 2h", timedelta(hours=2)),
        ("in 1h30m", timedelta(minutes=90)),
        ("in 1h 30m", timedelta(minutes=90)),
        ("in 90m", timedelta(minutes=90)),
        ("in 2 hours", timedelta(hours=2)),
        ("in 1d", timedelta(days=1)),
        ("in 1w", timedelta(weeks=1)),
    ],
)
def test_relative_forms_are_exact_elapsed_time(text: str, elapsed: timedelta, tz: ZoneInfo) -> None:
    result = parse_time(text, now=NOW, tz=tz)
    assert result.tzinfo is UTC
    assert result == NOW + elapsed


def test_now_given_in_another_zone_is_returned_as_utc() -> None:
    result = parse_time("now", now=NOW.astimezone(NEW_YORK), tz=BERLIN)
    assert result == NOW and result.tzinfo is UTC


@pytest.mark.parametrize(
    ("tokens", "used"),
    [
        ("tomorrow 9am for 2h", 2),
        ("tomorrow for 2h", 1),
        ("tomorrow at 9am sync", 3),
        ("in 1h 30m standup", 3),
        ("now please", 1),
        ("2026-12-01 09:00 to 10:00", 2),
        ("14:00 room-a", 1),
    ],
)
def test_take_time_reads_the_longest_prefix(tokens: str, used: int) -> None:
    assert take_time(tokens.split(), now=NOW, tz=BERLIN)[1] == used


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_time("now", now=datetime(2026, 11, 30, 10, 0), tz=BERLIN)


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("1H30M", timedelta(minutes=90)),
        ("1d 2h 3m", timedelta(days=1, hours=2, minutes=3)),
        ("2 hours", timedelta(hours=2)),
        ("45 mins", timedelta(minutes=45)),
        ("1.5h", timedelta(minutes=90)),
        ("0h30m", timedelta(minutes=30)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("tokens", "expected", "used"),
    [
        ("1h 30m sync", timedelta(minutes=90), 2),
        ("2 hours team sync", timedelta(hours=2), 2),
        ("2h 2h", timedelta(hours=2), 1),  # units must get smaller to continue one duration
        ("1h 2d", timedelta(hours=1), 1),
        ("30m 2nd floor", timedelta(minutes=30), 1),
    ],
)
def test_take_duration_stops_where_the_duration_ends(
    tokens: str, expected: timedelta, used: int
) -> None:
    assert take_duration(tokens.split()) == (expected, used)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=90), "1h 30m"),
        (timedelta(days=2, hours=3), "2d 3h"),
        (timedelta(minutes=45), "45m"),
        (timedelta(0), "0m"),
        (timedelta(seconds=59), "0m"),
        (timedelta(hours=1, minutes=30, seconds=45), "1h 30m"),
        (timedelta(days=1), "1d"),
        (timedelta(days=1, minutes=5), "1d 5m"),
        (timedelta(weeks=1), "7d"),
        (timedelta(minutes=-90), "-1h 30m"),
    ],
)
def test_format_duration(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("mon", 0),
        ("Monday", 0),
        ("MON", 0),
        ("tue", 1),
        ("tues", 1),
        ("wednesday", 2),
        ("thu", 3),
        ("thurs", 3),
        ("fri", 4),
        ("sat", 5),
        ("sun", 6),
        ("Sunday", 6),
        ("funday", None),
        ("", None),
        ("today", None),
    ],
)
def test_parse_weekday(word: str, expected: int | None) -> None:
    assert parse_weekday(word) == expected


# --- windows -----------------------------------------------------------------------------------

WINDOWS = [
    ("tomorrow 9:00 to 17:00", "2026-12-01 09:00", "2026-12-01 17:00"),  # end takes start's date
    ("tomorrow 9am to 5pm", "2026-12-01 09:00", "2026-12-01 17:00"),
    ("tomorrow 9am for 2h", "2026-12-01 09:00", "2026-12-01 11:00"),
    ("tomorrow 9am for 1h 30m", "2026-12-01 09:00", "2026-12-01 10:30"),
    ("tomorrow 9am until fri", "2026-12-01 09:00", "2026-12-04 00:00"),
    ("today 14:00 till 16:30", "2026-11-30 14:00", "2026-11-30 16:30"),
    ("tomorrow 22:00 to 2026-12-02 01:00", "2026-12-01 22:00", "2026-12-02 01:00"),
    ("tomorrow 22:00 to 1am wed", "2026-12-01 22:00", "2026-12-02 01:00"),
    ("fri 17:00 to mon 9:00", "2026-12-04 17:00", "2026-12-07 09:00"),
    ("2026-12-01 to 2026-12-03", "2026-12-01 00:00", "2026-12-03 00:00"),
    ("yesterday 9am to today 9am", "2026-11-29 09:00", "2026-11-30 09:00"),
    ("yesterday 22:00 for 3h", "2026-11-29 22:00", "2026-11-30 01:00"),
]


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize(("text", "start", "end"), WINDOWS)
def test_windows(text: str, start: str, end: str, tz: ZoneInfo) -> None:
    got_start, got_end = parse_window(text, now=NOW, tz=tz)
    assert (local(got_start, tz), local(got_end, tz)) == (wall(start), wall(end))


@pytest.mark.parametrize(
    ("tz", "start", "end"),
    [
        (BERLIN, "2026-12-07 09:00", "2026-12-07 17:00"),
        (NEW_YORK, "2026-11-30 09:00", "2026-11-30 17:00"),
    ],
    ids=str,
)
def test_weekday_end_counts_from_the_start(tz: ZoneInfo, start: str, end: str) -> None:
    got_start, got_end = parse_window("mon 9:00 to mon 17:00", now=NOW, tz=tz)
    assert (local(got_start, tz), local(got_end, tz)) == (wall(start), wall(end))


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_relative_windows(tz: ZoneInfo) -> None:
    assert parse_window("now for 30m", now=NOW, tz=tz) == (NOW, NOW + timedelta(minutes=30))
    assert parse_window("in 1h for 1h 30m", now=NOW, tz=tz) == (
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2, minutes=30),
    )
    assert parse_window("now to in 2h", now=NOW, tz=tz) == (NOW, NOW + timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "used", "rest"),
    [
        ("tomorrow 9am for 2h team sync", 4, ["team", "sync"]),
        ("tomorrow 9:00 to 17:00 quarterly planning", 4, ["quarterly", "planning"]),
        ("tomorrow 9am for 1h 30m 2nd floor", 5, ["2nd", "floor"]),
        ("now for 2h 2h", 3, ["2h"]),
        ("tomorrow at 9am until noon", 5, []),
    ],
)
def test_take_window_leaves_the_rest_for_the_caller(text: str, used: int, rest: list[str]) -> None:
    tokens = text.split()
    *_, got = take_window(tokens, now=NOW, tz=BERLIN)
    assert got == used
    assert tokens[got:] == rest


@pytest.mark.parametrize(
    ("text", "words", "example"),
    [
        ("tomorrow 17:00 to 9:00", "ends before it starts", "2026-12-01 17:00 to 2026-12-02 09:00"),
        ("tomorrow 9am to today 10:00", "ends before it starts", None),
        ("tomorrow 9:00 to 9:00", "must end after it starts", "2026-12-01 09:00 for 1h"),
        ("tomorrow 9am for 0m", "longer than zero", None),
        ("tomorrow 9am for", '"for" needs a duration', None),
        ("tomorrow 9am for -1h", "negative", None),
        ("tomorrow 9am", "to <time> or for <duration>", "tomorrow 9am for 2h"),
        ("tomorrow 9am sync", 'not "sync"', None),
        ("tomorrow 9am to", "I need a time", None),
        ("tomorrow 9am to 5pm extra", 'but not "extra"', None),
    ],
)
def test_bad_windows(text: str, words: str, example: str | None) -> None:
    with pytest.raises(UserError) as caught:
        parse_window(text, now=NOW, tz=BERLIN)
    assert words in caught.value.message
    assert caught.value.example
    if example is not None:
        assert caught.value.example == example


# --- DST ---------------------------------------------------------------------------------------

GAPS = [
    (BERLIN, "2027-03-28 02:30", "clocks jump from 02:00 to 03:00 on 2027-03-28 in Europe/Berlin"),
    (
        NEW_YORK,
        "2027-03-14 02:30",
        "clocks jump from 02:00 to 03:00 on 2027-03-14 in America/New_York",
    ),
]


@pytest.mark.parametrize(("tz", "text", "jump"), GAPS, ids=["berlin", "new_york"])
def test_time_in_a_spring_forward_gap_is_refused(tz: ZoneInfo, text: str, jump: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_time(text, now=NOW, tz=tz)
    assert jump in caught.value.message
    assert "03:30" in caught.value.message and "one hour later" in caught.value.message
    assert caught.value.example == text.replace("02:30", "03:30")


@pytest.mark.parametrize(("tz", "text", "jump"), GAPS, ids=["berlin", "new_york"])
def test_local_to_utc_refuses_or_shifts_a_gap(tz: ZoneInfo, text: str, jump: str) -> None:
    with pytest.raises(UserError, match=jump):
        local_to_utc(wall(text), tz)
    shifted = local_to_utc(wall(text), tz, on_gap="shift")
    assert shifted.tzinfo is UTC
    assert local(shifted, tz) == wall(text.replace("02:30", "03:30"))


def test_gap_is_refused_in_relative_day_words_and_window_ends() -> None:
    saturday = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    with pytest.raises(UserError, match="clocks jump from 02:00 to 03:00"):
        parse_time("tomorrow 2:30", now=saturday, tz=BERLIN)
    with pytest.raises(UserError, match="clocks jump from 02:00 to 03:00"):
        parse_window("tomorrow 1:00 to 2:15", now=saturday, tz=BERLIN)


@pytest.mark.parametrize(
    ("tz", "text", "utc", "offset"),
    [
        (BERLIN, "2026-10-25 02:30", "2026-10-25 00:30", timedelta(hours=2)),
        (NEW_YORK, "2026-11-01 01:30", "2026-11-01 05:30", timedelta(hours=-4)),
    ],
    ids=["berlin", "new_york"],
)
def test_repeated_time_means_the_first_occurrence(
    tz: ZoneInfo, text: str, utc: str, offset: timedelta
) -> None:
    result = parse_time(text, now=NOW, tz=tz)
    assert result == wall(utc).replace(tzinfo=UTC)
    assert result.astimezone(tz).utcoffset() == offset
    assert local_to_utc(wall(text), tz) == result


def test_ordinary_times_are_the_same_whatever_on_gap_says() -> None:
    for tz in ZONES:
        naive = wall("2026-07-01 09:00")
        assert local_to_utc(naive, tz) == local_to_utc(naive, tz, on_gap="shift")


def test_local_to_utc_wants_a_naive_wall_time() -> None:
    with pytest.raises(TypeError):
        local_to_utc(NOW, BERLIN)


def test_tomorrow_9am_is_wall_time_across_spring_forward() -> None:
    saturday = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)  # 13:00 CET, the day before the jump
    today = parse_time("today 9am", now=saturday, tz=BERLIN)
    tomorrow = parse_time("tomorrow 9am", now=saturday, tz=BERLIN)
    assert local(tomorrow, BERLIN) == wall("2027-03-28 09:00")
    assert tomorrow == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert tomorrow - today == timedelta(hours=23)
    # "in" counts elapsed time, so 24 hours later the wall clock says 14:00, not 13:00.
    assert local(parse_time("in 24h", now=saturday, tz=BERLIN), BERLIN) == wall("2027-03-28 14:00")


def test_yesterday_9am_is_wall_time_across_fall_back() -> None:
    # Monday 2026-10-26 10:00 in Berlin; Sunday's clocks fell back from 03:00 to 02:00.
    now = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert local(parse_time("yesterday 9am", now=now, tz=BERLIN), BERLIN) == wall(
        "2026-10-25 09:00"
    )
    assert parse_time("yesterday 9am", now=now, tz=BERLIN) == datetime(2026, 10, 25, 8, tzinfo=UTC)


def test_in_2h_across_the_gap_is_two_real_hours() -> None:
    before_jump = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)  # 01:30 CET
    result = parse_time("in 2h", now=before_jump, tz=BERLIN)
    assert result == before_jump + timedelta(hours=2)
    assert local(result, BERLIN) == wall("2027-03-28 04:30")


def test_durations_across_fall_back_are_elapsed_time() -> None:
    start, end = parse_window("2026-10-25 01:00 for 3h", now=NOW, tz=BERLIN)
    assert end - start == timedelta(hours=3)
    assert local(end, BERLIN) == wall("2026-10-25 03:00")  # the wall clock only moved 2h


def test_start_of_day_shifts_where_the_clocks_skip_midnight() -> None:
    santiago = ZoneInfo("America/Santiago")  # 2026-09-06 00:00 -> 01:00
    assert local(parse_time("2026-09-06", now=NOW, tz=santiago), santiago) == wall(
        "2026-09-06 01:00"
    )
    with pytest.raises(UserError, match="clocks jump from 00:00 to 01:00 on 2026-09-06"):
        parse_time("2026-09-06 00:30", now=NOW, tz=santiago)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tomorrow 25:00", ["25:00 is not a time of day"]),
        ("tomorrow 9:60", ["9:60 is not a time of day"]),
        ("13pm", ["13pm is not a time of day", "1 to 12"]),
        ("0am", ["0am is not a time of day"]),
        ("tomorrow 9", ['"9" is not clear', "9am"]),
        ("2026-02-30 10:00", ["2026-02-30 is not a date", "28 days"]),
        ("2026-13-01", ["no month 13"]),
        ("01/02/2026", ["YYYY-MM-DD"]),
        # A word that is not a time says which forms work.
        ("blah", ['"blah"', "as a time", "Try now, in 2h, today 14:00, tomorrow 9am"]),
        ("last friday", ['"last"', "as a time", "Try now, in 2h, today 14:00, tomorrow 9am"]),
        ("yesterday 25:00", ["25:00 is not a time of day"]),
        ("", ["I need a time"]),
        ("   ", ["I need a time"]),
        ("in", ['"in" needs a duration']),
        ("in -2h", ["negative"]),
        ("in 2", ["needs a unit"]),
        ("in 2x", ["unit I don't know"]),
        ("in 30m1h", ["largest unit first"]),
        ("in 0m", ["longer than zero"]),
        ("in 99999w", ["too long"]),
        ("tomorrow at", ['"at" needs a time']),
        ("tomorrow 9am foo", ['"tomorrow 9am"', 'not "foo"']),
        ("9999-12-31 23:00", ["too far away"]),
    ],
)
def test_bad_times(text: str, words: list[str]) -> None:
    with pytest.raises(UserError) as caught:
        parse_time(text, now=NOW, tz=NEW_YORK)
    for word in words:
        assert word in caught.value.message
    assert caught.value.example


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0m", "longer than zero"),
        ("0h0m", "longer than zero"),
        ("", "I need a duration"),
        ("2", "needs a unit"),
        ("-2h", "negative"),
        ("30s", "unit I don't know (s)"),
        ("soon", '"soon" is not a duration'),
        ("2h sync", 'not "sync"'),
        ("30m1h", "largest unit first"),
    ],
)
def test_bad_durations(text: str, words: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_duration(text)
    assert words in caught.value.message
    assert caught.value.example


@pytest.mark.parametrize(
    "text",
    ["::", ":30", "12:", "-", "in in", "to", "for 2h", "am", "9 am pm", "2026-1-1", "1.h", "9:5",
     "123:00", "0000-01-01", "0001-01-01 00:00", "in 1.5", "tomorrow at at", "2026-00-10",
     "99999999999999999999d", "in 99999999999999999999d", "mon to", "to 9am"],
)  # fmt: skip
def test_nothing_but_user_errors_escape(text: str) -> None:
    for parse in (parse_time, parse_window):
        try:
            parse(text, now=NOW, tz=BERLIN)
        except UserError as e:
            assert e.message and e.example
    try:
        parse_duration(text)
    except UserError as e:
        assert e.message and e.example
