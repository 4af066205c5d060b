"""`/maintenance` subcommands, one typed model each."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, Field

from bot.commands import Command, CommandSet, ParseEnv, ref
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.timeparse import take_window

WindowId = Annotated[int, ref("MNT", "a maintenance window")]
EVERY = {
    "day": "day",
    "daily": "day",
    "week": "week",
    "weekly": "week",
    "month": "month",
    "monthly": "month",
}


def take_every(words: list[str]) -> tuple[str | None, list[str]]:
    """``every day|week|month`` at the start of ``words``; anything else is refused clearly."""
    if not words or words[0].lower() != "every":
        return None, words
    unit = words[1].lower() if len(words) > 1 else ""
    if unit not in EVERY:
        what = f"every {echo(unit)}" if unit else "`every` alone"
        raise UserError(
            f"I can repeat a window every day, every week or every month, not {what}. "
            "For anything else (a fortnight, say) schedule each window on its own.",
            example="/maintenance schedule staging-1 mon 22:00 for 2h every week Patching",
        )
    return EVERY[unit], words[2:]


class Schedule(Command):
    """Schedule a window (once, or every day, week or month) that blocks the resource."""

    name: ClassVar[str] = "schedule"
    aliases: ClassVar[tuple[str, ...]] = ("add",)
    usage: ClassVar[str] = (
        "schedule <resource> <from> <to|for> [every day|week|month] <description>"
    )
    example: ClassVar[str] = "schedule staging-1 tomorrow 22:00 for 2h every week OS patching"
    resource: str = Field(min_length=1)
    start: AwareDatetime
    end: AwareDatetime
    every: Literal["day", "week", "month"] | None = None
    description: str = Field(min_length=1)
    starts_now: bool = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            return {}
        if len(words) == 1:
            raise UserError("I need a time window, like tomorrow 22:00 for 2h.")
        start, end, used = take_window(
            words[1:], now=env.now, tz=env.tz, tonight=env.tonight, start="future"
        )
        every, rest = take_every(words[1 + used :])
        if not rest:
            raise UserError(
                "Say what the maintenance is for, after the time.",
                example=f"/maintenance {cls.example}",
            )
        return {
            "resource": words[0],
            "start": start,
            "end": end,
            "every": every,
            "description": " ".join(rest),
            "starts_now": words[1].lower() == "now",
        }


class List(Command):
    """Scheduled and running windows (of one resource, if named)."""

    name: ClassVar[str] = "list"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "list [resource]"
    resource: str | None = None


class Show(Command):
    """One window and its next occurrences."""

    name: ClassVar[str] = "show"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "show <id>"
    example: ClassVar[str] = "show MNT-4"
    id: WindowId


class Cancel(Command):
    """Cancel a window (all its occurrences); pending reminders are dropped."""

    name: ClassVar[str] = "cancel"
    usage: ClassVar[str] = "cancel <id>"
    example: ClassVar[str] = "cancel MNT-4"
    id: WindowId


class Done(Command):
    """Finish the occurrence in progress early: the resource is free again."""

    name: ClassVar[str] = "done"
    usage: ClassVar[str] = "done <id>"
    example: ClassVar[str] = "done MNT-4"
    id: WindowId


COMMANDS = CommandSet(
    "/maintenance",
    "Maintenance windows that block resources",
    [Schedule, List, Show, Cancel, Done],
    usage_hint="schedule <resource> <from> <to|for> [every day|week|month] <description> | list",
)
