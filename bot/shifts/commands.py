"""`/shift` subcommands, one typed model each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import Field

from bot.commands import Command, CommandSet, ParseEnv, UserRef, ref
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.shifts.away_commands import Away
from bot.timeparse import take_window

ShiftId = Annotated[int, ref("SHF", "a shift")]
MAX_DAYS = 31


def _one_rotation(words: list[str]) -> str | None:
    if len(words) > 1:
        raise UserError(f"I expected at most one rotation name, not `{echo(' '.join(words))}`.")
    return words[0].lower() if words else None


class Now(Command):
    """Who is on call now, and until when."""

    name: ClassVar[str] = "now"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "now [rotation]"
    example: ClassVar[str] = "now primary"
    rotation: str | None = None


class Next(Command):
    """Who comes on call next, from when until when."""

    name: ClassVar[str] = "next"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "next [rotation]"
    example: ClassVar[str] = "next primary"
    rotation: str | None = None


class List(Command):
    """The shifts of the next days (7 unless you say), with their ids and overrides."""

    name: ClassVar[str] = "list"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "list [rotation] [days N]"
    example: ClassVar[str] = "list primary days 14"
    rotation: str | None = None
    days: int = Field(default=7, ge=1, le=MAX_DAYS)

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        data: dict[str, Any] = {}
        rest = list(words)
        lowered = [w.lower() for w in rest]
        if "days" in lowered:
            i = lowered.index("days")
            if i + 1 >= len(rest) or not rest[i + 1].isdecimal():
                raise UserError("`days` needs a number after it, like days 14.")
            n = int(rest[i + 1])
            if not 1 <= n <= MAX_DAYS:
                raise UserError(f"`days` is from 1 to {MAX_DAYS}.")
            data["days"] = n
            del rest[i : i + 2]
        rotation = _one_rotation(rest)
        if rotation:
            data["rotation"] = rotation
        return data


class Add(Command):
    """Override: put someone on call for a window (rotation members and admins)."""

    name: ClassVar[str] = "add"
    aliases: ClassVar[tuple[str, ...]] = ("override",)
    usage: ClassVar[str] = "add @user <from> <to|for> [rotation]"
    example: ClassVar[str] = "add @bob fri 9am to mon 9am primary"
    user: UserRef
    starts_at: datetime
    ends_at: datetime
    rotation: str | None = None

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            return {}
        data: dict[str, Any] = {"user": words[0]}
        if len(words) == 1:
            raise UserError("Say when: a window like `tomorrow 9am for 1d`.")
        start, end, used = take_window(
            words[1:], now=env.now, tz=env.tz, tonight=env.tonight, start="clock"
        )
        data["starts_at"], data["ends_at"] = start, end
        rotation = _one_rotation(words[1 + used :])
        if rotation:
            data["rotation"] = rotation
        return data


class Swap(Command):
    """Hand one shift (by its id) to someone else: a member's swap asks them first."""

    name: ClassVar[str] = "swap"
    usage: ClassVar[str] = "swap <id> @user"
    example: ClassVar[str] = "swap SHF-3 @carol"
    id: ShiftId
    user: UserRef


class Calendar(Command):
    """Your private calendar link (your shifts and bookings); `reset` replaces it."""

    name: ClassVar[str] = "calendar"
    usage: ClassVar[str] = "calendar [reset]"
    example: ClassVar[str] = "calendar"
    reset: bool = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            return {}
        if len(words) == 1 and words[0].lower() == "reset":
            return {"reset": True}
        raise UserError(f"`calendar` takes only `reset` after it, not `{echo(' '.join(words))}`.")


COMMANDS = CommandSet(
    "/shift",
    "On-call rotations, overrides and who is on call",
    [Now, Next, List, Add, Swap, Away, Calendar],
    usage_hint=(
        "now | next | list [days N] | add @user <from> <to|for> | swap <id> @user"
        " | away <from> <to|for> | calendar [reset] | help"
    ),
)
