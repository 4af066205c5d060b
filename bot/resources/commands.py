"""`/resource` subcommands, one typed model each."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, Field

from bot.commands import Command, CommandSet, ParseEnv, ref
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.timeparse import Start, parse_duration, starts_a_time, take_window

BookingId = Annotated[int, ref("BKG", "a booking")]
NOTE_LIMIT = 500


def window(
    words: list[str],
    env: ParseEnv,
    example: str,
    *,
    whole_days: bool = False,
    start: Start = "future",
) -> tuple[datetime, datetime, int]:
    """A window that starts from now on (a day alone, or ``next week``, with ``whole_days``);
    ``start="any"`` leaves a past start to the caller, who can answer it better."""
    if not words:
        raise UserError("I need a time window, like tomorrow 9am for 1h.", example=example)
    return take_window(
        words, now=env.now, tz=env.tz, tonight=env.tonight, start=start, whole_days=whole_days
    )


class List(Command):
    """Every resource and its state now (free, booked, under maintenance)."""

    name: ClassVar[str] = "list"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "list [kind]"
    example: ClassVar[str] = "list room"
    kind: str | None = None


class Status(Command):
    """One resource: now, and its bookings and maintenance for the next 7 days."""

    name: ClassVar[str] = "status"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "status <name>"
    example: ClassVar[str] = "status room-a"
    resource: str = Field(min_length=1)


class Available(Command):
    """What is free for the whole of a window (a day, or next week, from now on)."""

    name: ClassVar[str] = "available"
    reads_only: ClassVar[bool] = True
    aliases: ClassVar[tuple[str, ...]] = ("free",)
    usage: ClassVar[str] = "available [kind] <from> <to|for> | <day> | next week"
    example: ClassVar[str] = "available room next week"
    kind: str | None = None
    start: AwareDatetime
    end: AwareDatetime

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        kind = None
        if words and not starts_a_time(words[0]):
            kind, words = words[0].lower(), words[1:]
        # A window already under way is answered by the service ("free from now until...").
        start, end, used = window(words, env, cls.example, whole_days=True, start="any")
        if used < len(words):
            raise UserError(f"I did not expect `{echo(words[used])}` after the window.")
        return {"kind": kind, "start": start, "end": end}


class Book(Command):
    """Book a resource for a window, with an optional note."""

    name: ClassVar[str] = "book"
    usage: ClassVar[str] = "book <name> <from> <to|for> [note]"
    example: ClassVar[str] = "book room-a next mon 9am - 10am Weekly sync"
    resource: str = Field(min_length=1)
    start: AwareDatetime
    end: AwareDatetime
    starts_now: bool = False
    note: str | None = Field(default=None, max_length=NOTE_LIMIT)

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            return {}
        start, end, used = window(words[1:], env, cls.example)
        note = " ".join(words[1 + used :]) or None
        return {
            "resource": words[0],
            "start": start,
            "end": end,
            "starts_now": words[1].lower() == "now",
            "note": note,
        }


class Release(Command):
    """Give a booking back (yours, or any as an admin)."""

    name: ClassVar[str] = "release"
    aliases: ClassVar[tuple[str, ...]] = ("cancel",)
    usage: ClassVar[str] = "release <id>"
    example: ClassVar[str] = "release BKG-3"
    id: BookingId


class Extend(Command):
    """Make a booking longer, if nobody else needs the resource then."""

    name: ClassVar[str] = "extend"
    usage: ClassVar[str] = "extend <id> <duration>"
    example: ClassVar[str] = "extend BKG-3 30m"
    id: BookingId
    by: timedelta

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if words:
            data["id"] = words[0]
        if len(words) > 1:
            data["by"] = parse_duration(" ".join(words[1:]))
        return data


class Bookings(Command):
    """Current and upcoming bookings (`mine`: only yours)."""

    name: ClassVar[str] = "bookings"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "bookings [mine]"
    scope: Literal["all", "mine"] = "all"


class Wait(Command):
    """Join the waiting list: you get the resource as soon as it frees up for that window."""

    name: ClassVar[str] = "wait"
    usage: ClassVar[str] = "wait <name> <from> <to|for>"
    example: ClassVar[str] = "wait room-a tomorrow 9am for 1h"
    resource: str = Field(min_length=1)
    start: AwareDatetime
    end: AwareDatetime
    starts_now: bool = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            return {}
        start, end, used = window(words[1:], env, cls.example)
        if 1 + used < len(words):
            raise UserError(f"I did not expect `{echo(words[1 + used])}` after the window.")
        return {
            "resource": words[0],
            "start": start,
            "end": end,
            "starts_now": words[1].lower() == "now",
        }


class Add(Command):
    """Admins: add a resource to the catalogue."""

    name: ClassVar[str] = "add"
    usage: ClassVar[str] = "add <name> [kind] [capacity N]"
    example: ClassVar[str] = "add room-c room capacity 2"
    resource: str = Field(min_length=1)
    kind: str = "other"
    capacity: int = Field(default=1, ge=1, le=1000)

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        data: dict[str, Any] = {}
        rest = list(words)
        lowered = [w.lower() for w in rest]
        if "capacity" in lowered:
            i = lowered.index("capacity")
            if i + 1 >= len(rest) or not rest[i + 1].isdecimal():
                raise UserError("`capacity` needs a whole number after it, like capacity 2.")
            data["capacity"] = int(rest[i + 1])
            rest = rest[:i] + rest[i + 2 :]
        if rest:
            data["resource"] = rest[0].lower()
        if len(rest) > 1:
            data["kind"] = rest[1].lower()
        if len(rest) > 2:
            raise UserError(f"I did not expect `{echo(rest[2])}`.")
        return data


class Remove(Command):
    """Admins: take a resource out of the catalogue (history is kept)."""

    name: ClassVar[str] = "remove"
    usage: ClassVar[str] = "remove <name>"
    example: ClassVar[str] = "remove room-c"
    resource: str = Field(min_length=1)


COMMANDS = CommandSet(
    "/resource",
    "Book rooms, environments and other shared things",
    [List, Status, Available, Book, Release, Extend, Bookings, Wait, Add, Remove],
    usage_hint="list | status <name> | book <name> <from> <to|for> | bookings | help",
)
