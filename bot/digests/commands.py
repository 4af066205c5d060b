"""`/digest` subcommands, one typed model each."""

from __future__ import annotations

from datetime import time
from typing import Any, ClassVar

from bot.commands import Command, CommandSet, ParseEnv
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.timewords import norm, parse_weekday, read_time_of_day
from bot.tz import is_zone

WEEKDAYS_WORDS = {"weekdays", "weekday", "workdays", "mon-fri"}


def _options(words: list[str], usage_example: str) -> dict[str, Any]:
    """The optional tail: a time zone and `quiet`, in any order."""
    data: dict[str, Any] = {}
    for word in words:
        if word.lower() == "quiet":
            data["quiet"] = True
        elif is_zone(word) and ("/" in word or word.upper() == "UTC"):
            if "tz" in data:
                raise UserError("Give one time zone only.", example=usage_example)
            data["tz"] = "UTC" if word.upper() == "UTC" else word
        else:
            raise UserError(
                f"I don't know `{echo(word)}` here: after the time come an optional IANA time "
                "zone (such as Europe/Berlin) and `quiet` (post nothing when all is clear).",
                example=usage_example,
            )
    return data


def _time(words: list[str], i: int, example: str) -> tuple[time, int]:
    found = read_time_of_day([norm(w) for w in words], i)
    if found is None:
        shown = f"`{echo(words[i])}` is not" if i < len(words) else "I need"
        raise UserError(f"{shown} a time of day such as 09:00.", example=example)
    return found


class Daily(Command):
    """Post the digest here every day (or on weekdays) at a local time."""

    name: ClassVar[str] = "daily"
    usage: ClassVar[str] = "daily <HH:MM> [weekdays] [tz] [quiet]"
    example: ClassVar[str] = "daily 09:00 weekdays Europe/Berlin"
    at: time
    weekdays: bool = False
    tz: str | None = None
    quiet: bool = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        at, used = _time(words, 0, cls.example)
        rest = words[used:]
        weekdays = bool(rest) and rest[0].lower() in WEEKDAYS_WORDS
        return {"at": at, "weekdays": weekdays, **_options(rest[weekdays:], cls.example)}


class Weekly(Command):
    """Post the digest here once a week, on a day at a local time."""

    name: ClassVar[str] = "weekly"
    usage: ClassVar[str] = "weekly <day> <HH:MM> [tz] [quiet]"
    example: ClassVar[str] = "weekly mon 09:00 Europe/Berlin"
    day: int
    at: time
    tz: str | None = None
    quiet: bool = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        day = parse_weekday(words[0]) if words else None
        if day is None:
            what = f"`{echo(words[0])}` is not a day" if words else "Say which day"
            raise UserError(f"{what}: use mon, tue, ... sun.", example=cls.example)
        at, used = _time(words, 1, cls.example)
        return {"day": day, "at": at, **_options(words[1 + used :], cls.example)}


class Off(Command):
    """Stop this channel's digest."""

    name: ClassVar[str] = "off"
    aliases: ClassVar[tuple[str, ...]] = ("stop", "unsubscribe")
    usage: ClassVar[str] = "off"


class Now(Command):
    """Post the digest here now."""

    name: ClassVar[str] = "now"
    usage: ClassVar[str] = "now"


class Show(Command):
    """This channel's digest schedule and when it posts next."""

    name: ClassVar[str] = "show"
    aliases: ClassVar[tuple[str, ...]] = ("status",)
    usage: ClassVar[str] = "show"


COMMANDS = CommandSet(
    "/digest",
    "Scheduled summaries of what needs attention, per channel",
    [Daily, Weekly, Off, Now, Show],
    usage_hint="daily <HH:MM> [weekdays] [tz] | weekly <day> <HH:MM> [tz] | off | now | show",
)
