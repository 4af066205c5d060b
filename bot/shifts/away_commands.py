"""`/shift away ...`: time off, one typed command with three forms (record, list, cancel)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from bot.commands import Command, ParseEnv, UserRef, ref
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.timeparse import take_window

AwayId = Annotated[int, ref("AWY", "a time off")]


class Away(Command):
    """Time off: your shifts in that window go to the next member who is free."""

    name: ClassVar[str] = "away"
    usage: ClassVar[str] = "away <from> <to|for> [@user] | away list | away cancel <id>"
    example: ClassVar[str] = "away mon 9am for 1w"
    action: Literal["add", "list", "cancel"] = "add"
    id: AwayId | None = None
    user: UserRef | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        first = words[0].lower() if words else ""
        if first == "list":
            if len(words) > 1:
                raise UserError(f"`away list` takes nothing after it, not `{echo(words[1])}`.")
            return {"action": "list"}
        if first == "cancel":
            if len(words) != 2:
                raise UserError("Say which time off to cancel, like `away cancel AWY-3`.")
            return {"action": "cancel", "id": words[1]}
        if not words:
            raise UserError("Say when you are away: a window like `mon 9am for 1w` or `next week`.")
        start, end, used = take_window(
            words, now=env.now, tz=env.tz, tonight=env.tonight, whole_days=True
        )
        rest = words[used:]
        if len(rest) > 1:
            raise UserError(f"I did not expect `{echo(' '.join(rest[1:]))}`.")
        data: dict[str, Any] = {"starts_at": start, "ends_at": end}
        if rest:
            data["user"] = rest[0]
        return data
