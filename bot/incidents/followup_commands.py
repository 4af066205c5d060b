"""`/incident followup`, `followups` and `postmortem`: typed like every other subcommand.

Kept apart from commands.py (which lists them in ``COMMANDS``): a follow-up's own grammar
(``done <n>``, an optional ``@owner`` at the end) lives with it.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from bot import ids
from bot.commands import Command, ParseEnv, UserRef, ref
from bot.errors import UserError

PREFIX = "FUP"  # follow-ups are shown as FUP-3 and accepted as 3, #3 or FUP-3
TEXT_LIMIT = 500
_IncidentId = Annotated[int, ref("INC", "an incident")]


def _number(prefix: str, word: str, noun: str) -> int:
    try:
        return ids.parse(prefix, word, noun=noun)
    except ValueError as exc:
        raise UserError(str(exc)) from None


class Followup(Command):
    """Record a follow-up (an action item) on an incident, or mark one done."""

    name: ClassVar[str] = "followup"
    usage: ClassVar[str] = "followup <id> <text> [@owner] | followup done <n>"
    example: ClassVar[str] = "followup 7 Alert on the checkout error rate @bob"
    done: bool = False
    id: int  # the incident's id, or with `done` the follow-up's number
    text: str | None = Field(default=None, max_length=TEXT_LIMIT)
    owner: UserRef | None = None

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            raise UserError("Say which incident the follow-up is for, and what needs doing.")
        if words[0].lower() == "done":
            if len(words) != 2:
                raise UserError("Say which follow-up is done, by its number: `followup done 3`.")
            return {"done": True, "id": _number(PREFIX, words[1], "a follow-up")}
        incident_id = _number("INC", words[0], "an incident")
        rest = words[1:]
        data: dict[str, Any] = {"id": incident_id}
        if rest and rest[-1].startswith("<@"):
            data["owner"] = rest.pop()
        text = " ".join(rest).strip()
        if not text:
            raise UserError("Say what needs doing.")
        data["text"] = text
        return data


class Followups(Command):
    """Open follow-ups, oldest first (`mine`: the ones you own)."""

    name: ClassVar[str] = "followups"
    usage: ClassVar[str] = "followups [mine]"
    example: ClassVar[str] = "followups mine"
    scope: Literal["all", "mine"] = "all"


class Postmortem(Command):
    """A Markdown postmortem of an incident, shared as a file in its channel (or your DM)."""

    name: ClassVar[str] = "postmortem"
    usage: ClassVar[str] = "postmortem <id>"
    example: ClassVar[str] = "postmortem 7"
    id: _IncidentId


COMMANDS: tuple[type[Command], ...] = (Followup, Followups, Postmortem)
