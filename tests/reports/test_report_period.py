"""The period words of /report and export: defaults, whole days, buckets in local time, and
every bad period answered with what would work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import ParseEnv
from bot.errors import UserError
from bot.reports.commands import COMMANDS, Export, Show
from bot.reports.period import parse_period

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 2 December 2026, 15:30 in Berlin (14:30 UTC).
NOW = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
ENV = ParseEnv(NOW, BERLIN)


def berlin(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN).astimezone(UTC)


def test_no_words_is_the_last_four_weeks_of_whole_local_days_in_weekly_buckets() -> None:
    period = parse_period([], ENV)
    assert period.start == berlin("2026-11-05 00:00") and period.end == NOW
    assert period.label == "the last 4 weeks" and not period.daily
    buckets = period.buckets()
    assert [b.start for b in buckets] == [
        berlin("2026-11-05 00:00"),
        berlin("2026-11-12 00:00"),
        berlin("2026-11-19 00:00"),
        berlin("2026-11-26 00:00"),
    ]
    assert [b.label for b in buckets] == ["5 Nov", "12 Nov", "19 Nov", "26 Nov"]
    assert [b.partial for b in buckets] == [False, False, False, True]
    assert buckets[-1].end == NOW


def test_week_counts_per_day_and_month_from_the_same_date_last_month() -> None:
    week = parse_period(["week"], ENV)
    assert week.start == berlin("2026-11-26 00:00") and week.daily
    assert [b.label for b in week.buckets()][:2] == ["Thu 26 Nov", "Fri 27 Nov"]
    assert len(week.buckets()) == 7
    month = parse_period(["month"], ENV)
    assert month.start == berlin("2026-11-03 00:00") and month.label == "the last month"
    assert parse_period(["30d"], ENV).start == berlin("2026-11-03 00:00")
    assert parse_period(["2w"], ENV).label == "the last 2 weeks"


def test_a_window_whose_end_is_a_day_includes_that_day() -> None:
    period = parse_period(["2026-11-01", "to", "2026-11-30"], ENV)
    assert (period.start, period.end) == (berlin("2026-11-01 00:00"), berlin("2026-12-01 00:00"))
    assert period.label == "1 Nov 2026 – 30 Nov 2026"
    timed = parse_period(["2026-11-01", "09:00", "to", "2026-11-02", "17:00"], ENV)
    assert timed.end == berlin("2026-11-02 17:00")
    one_day = parse_period(["yesterday"], ENV)
    assert (one_day.start, one_day.end) == (berlin("2026-12-01 00:00"), berlin("2026-12-02 00:00"))


def test_a_period_reaching_into_the_future_ends_now() -> None:
    period = parse_period(["2026-11-20", "to", "2026-12-31"], ENV)
    assert period.end == NOW


def test_weekly_buckets_follow_local_midnights_across_a_dst_change() -> None:
    # Berlin falls back on Sunday 25 October 2026: that week is 169 hours long.
    period = parse_period(["2026-10-19", "to", "2026-11-15"], ENV)
    starts = [b.start for b in period.buckets()]
    assert starts[1] == berlin("2026-10-26 00:00")
    assert starts[1] - starts[0] == timedelta(hours=169)
    assert starts[2] - starts[1] == timedelta(hours=168)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("month 2", "I read `month` as the period but not `2`"),
        ("week please", "I read `week` as the period but not `please`"),
        ("2026-11-30 to 2026-11-01", "That window ends before it starts"),
        ("2024-01-01 to 2026-11-30", "A report covers at most a year (366 days)"),
        ("2027-01-01 to 2027-02-01", "That period starts in the future"),
        ("banana", "I don't know `banana` as a period"),
        ("2026-02-30 to 2026-03-03", "2026-02-30 is not a date"),
        ("yesterday 17:00", "Give a period as `<from> to <to>`"),
    ],
)
def test_bad_periods_are_answered_with_examples(text: str, expected: str) -> None:
    with pytest.raises(UserError) as exc:
        COMMANDS.parse(text, ENV)
    assert expected in exc.value.message
    assert "Example: `/report" in exc.value.message, "every answer shows a period that works"


def test_the_command_words() -> None:
    show = COMMANDS.parse("", ENV)
    assert isinstance(show, Show) and show.sections == (
        "incidents",
        "purchases",
        "resources",
        "oncall",
    )
    one = COMMANDS.parse("on-call incidents week", ENV)
    assert isinstance(one, Show) and one.sections == ("oncall", "incidents")
    assert one.period.label == "the last 7 days"
    export = COMMANDS.parse("export bookings 30d", ENV)
    assert isinstance(export, Export) and export.dataset == "bookings"
    with pytest.raises(UserError, match="I can't export `money`"):
        COMMANDS.parse("export money", ENV)
    with pytest.raises(UserError, match="Say what to export"):
        COMMANDS.parse("export", ENV)
    with pytest.raises(UserError) as exc:
        COMMANDS.parse("help", ENV)
    assert "/report export &lt;incidents|purchases|bookings|shifts|audit&gt;" in exc.value.message
    assert "/report schedule" in exc.value.message
