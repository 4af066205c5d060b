"""The time grammar people actually type: next/this weekdays, tonight, month names, day.month.,
ISO with a T, dashes, whole days and weeks, and the answers for what we will not guess."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.timeparse import parse_time, parse_window, take_moment, take_time, take_window

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [BERLIN, NEW_YORK, ZoneInfo("UTC")]
# Monday 2026-11-30: 11:00 in Berlin, 05:00 in New York, 10:00 in UTC; the same date everywhere.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def local(utc: datetime, tz: ZoneInfo) -> str:
    assert utc.tzinfo is UTC
    return f"{utc.astimezone(tz):%a %Y-%m-%d %H:%M}"


NEW_FORMS = [
    ("next friday", "Fri 2026-12-04 00:00"),
    ("next fri 3pm", "Fri 2026-12-04 15:00"),
    ("next mon 9am", "Mon 2026-12-07 09:00"),  # never today, even while 9am is ahead
    ("next monday at 9:30", "Mon 2026-12-07 09:30"),
    ("this friday 3pm", "Fri 2026-12-04 15:00"),
    ("this mon 23:00", "Mon 2026-11-30 23:00"),
    ("tonight", "Mon 2026-11-30 20:00"),
    ("tonight 22:30", "Mon 2026-11-30 22:30"),
    ("10pm tonight", "Mon 2026-11-30 22:00"),
    ("tonight 1am", "Tue 2026-12-01 01:00"),  # the small hours of tonight are tomorrow's
    ("dec 3 14:00", "Thu 2026-12-03 14:00"),
    ("3 dec 14:00", "Thu 2026-12-03 14:00"),
    ("december 3", "Thu 2026-12-03 00:00"),
    ("December 3rd at 9am", "Thu 2026-12-03 09:00"),
    ("3rd of december 9am", "Thu 2026-12-03 09:00"),
    ("Dec 3, 2027 10:00", "Fri 2027-12-03 10:00"),
    ("3 dec 2027", "Fri 2027-12-03 00:00"),
    ("nov 30 23:00", "Mon 2026-11-30 23:00"),  # today's date is this year's
    ("nov 29", "Mon 2027-11-29 00:00"),  # yesterday's date is next year's
    ("jan 5 9am", "Tue 2027-01-05 09:00"),
    ("2026-12-24T09:00", "Thu 2026-12-24 09:00"),
    ("2026-12-24T09:00:00", "Thu 2026-12-24 09:00"),
    ("24.12. 14:00", "Thu 2026-12-24 14:00"),
    ("24.12.2026 14:00", "Thu 2026-12-24 14:00"),
    ("1.2. 9am", "Mon 2027-02-01 09:00"),
    ("9am dec 3", "Thu 2026-12-03 09:00"),
    ("midnight", "Tue 2026-12-01 00:00"),  # the coming midnight, not the one that has passed
    ("fri midnight", "Sat 2026-12-05 00:00"),  # the end of Friday
    ("tonight midnight", "Tue 2026-12-01 00:00"),
]


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize(("text", "expected"), NEW_FORMS)
def test_forms_people_type(text: str, expected: str, tz: ZoneInfo) -> None:
    assert local(parse_time(text, now=NOW, tz=tz), tz) == expected


def test_next_weekday_on_that_weekday_is_a_week_away() -> None:
    friday = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert local(parse_time("fri 3pm", now=friday, tz=BERLIN), BERLIN) == "Fri 2026-12-04 15:00"
    assert local(parse_time("next fri 3pm", now=friday, tz=BERLIN), BERLIN) == (
        "Fri 2026-12-11 15:00"
    )
    assert local(parse_time("this fri 3pm", now=friday, tz=BERLIN), BERLIN) == (
        "Fri 2026-12-04 15:00"
    )


def test_this_weekday_that_is_over_points_at_next() -> None:
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    with pytest.raises(UserError) as caught:
        parse_time("this friday 3pm", now=saturday, tz=BERLIN)
    assert "This week's Friday was Fri 4 Dec" in caught.value.message
    assert 'say "next friday"' in caught.value.message
    assert caught.value.example == "next fri"


def test_tonight_is_the_configured_evening_hour() -> None:
    at = parse_time("tonight", now=NOW, tz=BERLIN, tonight=time(19, 30))
    assert local(at, BERLIN) == "Mon 2026-11-30 19:30"


def test_iso_with_an_offset_is_that_instant_whatever_the_zone() -> None:
    for tz in ZONES:
        assert parse_time("2026-12-24T09:00Z", now=NOW, tz=tz) == datetime(
            2026, 12, 24, 9, tzinfo=UTC
        )
        assert parse_time("2026-12-24T09:00+01:00", now=NOW, tz=tz) == datetime(
            2026, 12, 24, 8, tzinfo=UTC
        )


def test_a_yearless_date_in_a_window_end_counts_from_the_start() -> None:
    start, end = parse_window("dec 30 9am to jan 2 17:00", now=NOW, tz=BERLIN)
    assert (local(start, BERLIN), local(end, BERLIN)) == (
        "Wed 2026-12-30 09:00",
        "Sat 2027-01-02 17:00",
    )


def test_feb_29_is_the_next_one_that_exists() -> None:
    assert local(parse_time("feb 29", now=NOW, tz=BERLIN), BERLIN) == "Tue 2028-02-29 00:00"
    with pytest.raises(UserError, match="2027 has 28 days"):
        parse_time("29.2.2027", now=NOW, tz=BERLIN)


# --- windows -----------------------------------------------------------------------------------

DASH_WINDOWS = [
    "tomorrow 9am - 11am",
    "tomorrow 9am-11am",
    "tomorrow 9-11am",
    "tomorrow 9:00–11:00",
    "tomorrow 9am -11am",
    "tomorrow 9am to 11am",
    "from tomorrow 9am to 11am",
    "dec 1 9am until 11am",
]


@pytest.mark.parametrize("text", DASH_WINDOWS)
def test_dashes_are_windows(text: str) -> None:
    start, end = parse_window(text, now=NOW, tz=BERLIN)
    assert (local(start, BERLIN), local(end, BERLIN)) == (
        "Tue 2026-12-01 09:00",
        "Tue 2026-12-01 11:00",
    )


def test_a_compact_window_counts_as_one_typed_word() -> None:
    tokens = ["tomorrow", "9am-11am", "team", "sync"]
    *_, used = take_window(tokens, now=NOW, tz=BERLIN)
    assert tokens[used:] == ["team", "sync"]


def test_a_compact_window_is_not_one_time() -> None:
    with pytest.raises(UserError, match='"9am-11am" is a window; here I need one time'):
        take_time(["9am-11am"], now=NOW, tz=BERLIN)


def test_midnight_ends_a_window_on_the_start_day() -> None:
    start, end = parse_window("tomorrow 9pm to midnight", now=NOW, tz=BERLIN)
    assert (local(start, BERLIN), local(end, BERLIN)) == (
        "Tue 2026-12-01 21:00",
        "Wed 2026-12-02 00:00",
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("next week", "Mon 2026-12-07 00:00", "Mon 2026-12-14 00:00"),
        ("this week", "Mon 2026-11-30 11:00", "Mon 2026-12-07 00:00"),  # from now on
        ("today", "Mon 2026-11-30 11:00", "Tue 2026-12-01 00:00"),
        ("friday", "Fri 2026-12-04 00:00", "Sat 2026-12-05 00:00"),
        ("dec 24", "Thu 2026-12-24 00:00", "Fri 2026-12-25 00:00"),
        ("next week 9am to 5pm", None, None),  # a week cannot be a start
    ],
)
def test_whole_days_and_weeks_as_windows(text: str, start: str | None, end: str | None) -> None:
    if start is None:
        with pytest.raises(UserError):
            parse_window(text, now=NOW, tz=BERLIN, whole_days=True)
        return
    got_start, got_end = parse_window(text, now=NOW, tz=BERLIN, whole_days=True, start="future")
    assert (local(got_start, BERLIN), local(got_end, BERLIN)) == (start, end)


def test_next_week_is_a_week_of_wall_time_across_dst() -> None:
    # The week of 2027-03-29 begins the day after Berlin's clocks spring forward.
    thursday = datetime(2027, 3, 25, 12, 0, tzinfo=UTC)
    start, end = parse_window("next week", now=thursday, tz=BERLIN, whole_days=True)
    assert (local(start, BERLIN), local(end, BERLIN)) == (
        "Mon 2027-03-29 00:00",
        "Mon 2027-04-05 00:00",
    )
    start, end = parse_window("this week", now=thursday, tz=BERLIN, whole_days=True)
    assert (start, local(end, BERLIN)) == (thursday, "Mon 2027-03-29 00:00")
    assert end - start == timedelta(days=3, hours=10)  # 13:00 CET to 00:00 CEST: an hour short


def test_next_week_is_not_a_window_where_a_start_time_is_needed() -> None:
    with pytest.raises(UserError, match='"next week" is a whole week'):
        parse_window("next week", now=NOW, tz=BERLIN, start="future")


# --- where a start time is needed, and where only the future makes sense ----------------------


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("friday for 1h", "friday 9am for 1h"),
        ("friday", "friday 9am for 1h"),
        ("next fri to sat", "next fri 9am to sat"),
        ("tomorrow for 2h", "tomorrow 9am for 2h"),
        ("dec 3 - dec 4", "dec 3 9am - dec 4"),
    ],
)
@pytest.mark.parametrize("need", ["clock", "future"])
def test_a_bare_day_asks_for_the_time(text: str, example: str, need: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_window(text, now=NOW, tz=BERLIN, start=need)  # type: ignore[arg-type]
    assert caught.value.message.startswith("What time on ")
    assert "Add the time of day" in caught.value.message
    assert caught.value.example == example


def test_a_bare_day_is_still_midnight_where_no_time_is_needed() -> None:
    start, _ = parse_window("friday for 1h", now=NOW, tz=BERLIN)
    assert local(start, BERLIN) == "Fri 2026-12-04 00:00"


@pytest.mark.parametrize(
    ("text", "message", "example"),
    [
        (
            "9:30am for 1h",
            "9:30 is in the past today (it is 11:00 now): did you mean tomorrow 9:30?",
            "tomorrow 9:30 for 1h",
        ),
        (
            "today 10:00 - 11am",
            "10:00 is in the past today (it is 11:00 now): did you mean tomorrow 10:00?",
            "tomorrow 10:00 - 11am",
        ),
        ("yesterday 9am for 1h", "Sun 2026-11-29 09:00 is in the past", "now for 1h"),
    ],
)
def test_a_past_start_in_a_future_only_place(text: str, message: str, example: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_window(text, now=NOW, tz=BERLIN, start="future")
    assert message in caught.value.message
    assert caught.value.example == example
    # Where the past is allowed (an override covering this morning), the same words work.
    parse_window(text, now=NOW, tz=BERLIN, start="clock")


def test_now_and_this_minute_are_not_in_the_past() -> None:
    now = NOW + timedelta(seconds=42)
    # "now" is the minute under way: whole minutes, as people mean them.
    assert parse_window("now for 1h", now=now, tz=BERLIN, start="future")[0] == NOW
    start, _ = parse_window("11:00 for 1h", now=now, tz=BERLIN, start="future")
    assert start == NOW


# --- what we will not guess ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words", "example"),
    [
        (
            "12/11 9am",
            ['"12/11" could be 12 November or 11 December', "2027-11-12 or 2026-12-11"],
            "2027-11-12",
        ),
        ("12/11/2026", ["2026-11-12 or 2026-12-11"], "2026-11-12"),
        ("12-11 9am", ['"12-11" could be'], "2027-11-12"),
        ("25/12 9am", ["YYYY-MM-DD (2026-12-25 for 25 December)"], "2026-12-25"),
        ("2026/12/24", ["YYYY-MM-DD"], None),
        ("9.30", ["for a time of day write 9:30"], "9:30"),
        ("24.12 10:00", ["for a date 24.12. (day.month.)"], "24.12."),
        ("dec", ['Which day of "dec"?'], "dec 3 14:00"),
        ("next", ['After "next" I need a weekday'], "next fri 3pm"),
        ("next month", ['After "next" I need a weekday'], "next fri 3pm"),
        ("this week", ['"this week" is a whole week'], "this mon 9am"),
        ("feb 30", ["feb 30 is not a date: February has 29 days"], None),
        ("31.4.", ["31.4. is not a date: April has 30 days"], None),
        ("2026-12-24T09:00:30", ["whole minutes"], "2026-12-24 09:00"),
    ],
)
def test_what_we_will_not_guess(text: str, words: list[str], example: str | None) -> None:
    with pytest.raises(UserError) as caught:
        parse_time(text, now=NOW, tz=BERLIN)
    for word in words:
        assert word in caught.value.message
    assert caught.value.example
    if example is not None:
        assert caught.value.example == example


def test_moment_tells_a_day_from_a_day_and_time() -> None:
    assert not take_moment(["fri"], now=NOW, tz=BERLIN).clock_given
    assert take_moment(["fri", "midnight"], now=NOW, tz=BERLIN).clock_given
    assert take_moment(["tonight"], now=NOW, tz=BERLIN).clock_given
    assert take_moment(["in", "2h"], now=NOW, tz=BERLIN).clock_given


def test_a_note_after_a_window_is_never_read_as_a_time() -> None:
    note = ["see", "2026-12-24T09:00:30", "12/11", "9.30", "9am-11am"]
    tokens = ["tomorrow", "9am", "for", "1h", *note]
    *_, used = take_window(tokens, now=NOW, tz=BERLIN)
    assert tokens[used:] == note
