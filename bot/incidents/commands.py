"""`/incident` subcommands, one typed model each."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from bot.commands import Command, CommandSet, ParseEnv, UserRef, ref
from bot.errors import UserError
from bot.incidents import followup_commands
from bot.mrkdwn import echo

Severity = Literal["sev1", "sev2", "sev3", "sev4"]
IncidentId = Annotated[int, ref("INC", "an incident")]
TITLE_LIMIT = 150


def take_severity(words: list[str]) -> tuple[str | None, list[str]]:
    """The severity token may stand anywhere in the words; it is taken out of them."""
    found = [w for w in words if w.lower() in {"sev1", "sev2", "sev3", "sev4"}]
    if len(found) > 1:
        raise UserError("Give one severity only (sev1, sev2, sev3 or sev4).")
    if not found:
        odd = next((w for w in words if w.lower().startswith("sev") and len(w) <= 5), None)
        if odd and odd.lower()[3:].isdigit():
            raise UserError(f"`{echo(odd)}` is not a severity: use sev1 (worst) to sev4.")
        return None, words
    return found[0].lower(), [w for w in words if w is not found[0]]


class Raise(Command):
    """Raise an incident (sev3 unless you say otherwise)."""

    name: ClassVar[str] = "raise"
    usage: ClassVar[str] = "raise <title> [sev1|sev2|sev3|sev4]"
    example: ClassVar[str] = "raise Checkout is failing for EU customers sev1"
    title: str = Field(min_length=1)
    severity: Severity = "sev3"

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        severity, rest = take_severity(words)
        data: dict[str, Any] = {"title": " ".join(rest)}
        if severity:
            data["severity"] = severity
        return data


class List(Command):
    """Open incidents, worst first (`all` includes resolved ones)."""

    name: ClassVar[str] = "list"
    usage: ClassVar[str] = "list [all]"
    example: ClassVar[str] = "list all"
    scope: Literal["open", "all"] = "open"


class Show(Command):
    """One incident with its timeline."""

    name: ClassVar[str] = "show"
    usage: ClassVar[str] = "show <id>"
    example: ClassVar[str] = "show INC-7"
    id: IncidentId


class Ack(Command):
    """Acknowledge: you are on it (the first to acknowledge becomes commander)."""

    name: ClassVar[str] = "ack"
    aliases: ClassVar[tuple[str, ...]] = ("acknowledge",)
    usage: ClassVar[str] = "ack <id>"
    example: ClassVar[str] = "ack 7"
    id: IncidentId


class Update(Command):
    """Post an update to the incident's timeline and thread."""

    name: ClassVar[str] = "update"
    usage: ClassVar[str] = "update <id> <text>"
    example: ClassVar[str] = "update 7 Rolled back the 14:02 deploy"
    id: IncidentId
    text: str = Field(min_length=1, max_length=3000)


class Sev(Command):
    """Change the severity."""

    name: ClassVar[str] = "sev"
    aliases: ClassVar[tuple[str, ...]] = ("severity",)
    usage: ClassVar[str] = "sev <id> <sev1|sev2|sev3|sev4>"
    example: ClassVar[str] = "sev 7 sev2"
    id: IncidentId
    severity: Severity

    @field_validator("severity", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class Assign(Command):
    """Make someone the incident commander."""

    name: ClassVar[str] = "assign"
    usage: ClassVar[str] = "assign <id> @user"
    example: ClassVar[str] = "assign 7 @bob"
    id: IncidentId
    user: UserRef


class Resolve(Command):
    """Resolve, with an optional summary of what happened."""

    name: ClassVar[str] = "resolve"
    usage: ClassVar[str] = "resolve <id> [summary]"
    example: ClassVar[str] = "resolve 7 Bad deploy, rolled back"
    id: IncidentId
    summary: str | None = Field(default=None, max_length=3000)


class Reopen(Command):
    """Reopen a resolved incident."""

    name: ClassVar[str] = "reopen"
    usage: ClassVar[str] = "reopen <id>"
    example: ClassVar[str] = "reopen 7"
    id: IncidentId


class Stats(Command):
    """Counts by severity, MTTA and MTTR (median and p90)."""

    name: ClassVar[str] = "stats"
    usage: ClassVar[str] = "stats [7d|30d]"
    example: ClassVar[str] = "stats 7d"
    period: Literal["7d", "30d"] = "30d"


SUBCOMMANDS: list[type[Command]] = [Raise, List, Show, Ack, Update, Sev, Assign, Resolve]
SUBCOMMANDS += [Reopen, Stats, *followup_commands.COMMANDS]

COMMANDS = CommandSet(
    "/incident",
    "Raise and run incidents",
    SUBCOMMANDS,
    usage_hint="raise <title> [sev1-4] | list | show <id> | ack <id> | resolve <id> | help",
)
