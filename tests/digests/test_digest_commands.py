"""/digest words into typed commands, and schedules described back in words."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.commands import ParseEnv, UsageError
from bot.digests import commands as cmd
from bot.digests.schedule import EVERY_DAY, WEEKDAYS, Schedule
from bot.errors import UserError

ENV = ParseEnv(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), ZoneInfo("Europe/Berlin"))


def parse(text: str) -> cmd.Command | None:
    return cmd.COMMANDS.parse(text, ENV)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily 09:00", cmd.Daily(at=time(9, 0))),
        ("daily 9am weekdays", cmd.Daily(at=time(9, 0), weekdays=True)),
        ("daily 5:30 pm UTC", cmd.Daily(at=time(17, 30), tz="UTC")),
        (
            "daily 08:15 quiet Europe/Berlin",
            cmd.Daily(at=time(8, 15), tz="Europe/Berlin", quiet=True),
        ),
        ("DAILY 07:00 Weekdays", cmd.Daily(at=time(7, 0), weekdays=True)),
        ("weekly friday 16:00", cmd.Weekly(day=4, at=time(16, 0))),
        (
            "weekly mon 09:00 America/New_York quiet",
            cmd.Weekly(day=0, at=time(9, 0), tz="America/New_York", quiet=True),
        ),
        ("off", cmd.Off()),
        ("stop", cmd.Off()),
        ("now", cmd.Now()),
        ("show", cmd.Show()),
    ],
)
def test_parses(text: str, expected: cmd.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("daily 9", "not clear as a time of day"),
        ("daily 09:00 weekdays weekdays", "I don't know `weekdays`"),
        ("daily 09:00 UTC Europe/Berlin", "one time zone only"),
        ("daily 09:00 Berlin", "IANA time zone"),
        ("weekly 09:00", "`09:00` is not a day"),
        ("now please", "takes nothing after it"),
    ],
)
def test_refuses_with_usage(text: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse(text)
    assert message in err.value.message and "Usage: `/digest" in err.value.message


def test_help_lists_every_subcommand() -> None:
    with pytest.raises(UsageError) as err:
        parse("help")
    for word in ("daily", "weekly", "off", "now", "show"):
        assert f"`/digest {word}" in err.value.message


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (
            Schedule("daily", time(9), WEEKDAYS, "Europe/Berlin"),
            "on weekdays at 09:00 (Europe/Berlin)",
        ),
        (
            Schedule("daily", time(7, 30), EVERY_DAY, "UTC", quiet=True),
            "every day at 07:30 (UTC), quiet when all is clear",
        ),
        (Schedule("weekly", time(16), frozenset({4}), "UTC"), "every Friday at 16:00 (UTC)"),
        (Schedule("daily", time(9), frozenset({0, 3}), "UTC"), "on Mon, Thu at 09:00 (UTC)"),
    ],
)
def test_schedules_read_back_in_words(schedule: Schedule, words: str) -> None:
    assert schedule.describe() == words
