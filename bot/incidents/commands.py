"""`/incident` subcommands, one typed model each."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from bot.commands import Command, CommandSet, ParseEnv, UserRef, _user_id, ref
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
        if odd and odd.lower()[3:].isdecimal():
            raise UserError(f"`{echo(odd)}` is not a severity: use sev1 (worst) to sev4.")
        return None, words
    return found[0].lower(), [w for w in words if w is not found[0]]


class Raise(Command):
    """Raise an incident (sev3 unless you say otherwise); `on <resource>` at the end links it to
    a resource of the catalogue."""

    name: ClassVar[str] = "raise"
    usage: ClassVar[str] = "raise <title> [on <resource>] [sev1|sev2|sev3|sev4]"
    example: ClassVar[str] = "raise DB down on db-1 sev1"
    title: str = Field(min_length=1)
    severity: Severity = "sev3"
    resource: str | None = None

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        severity, rest = take_severity(words)
        data: dict[str, Any] = {}
        # Only the last two words: "Errors on checkout on db-1" names db-1. Whether the word is
        # a resource is for the catalogue to say (the handler keeps it in the title if not).
        if len(rest) >= 3 and rest[-2].lower() == "on":
            data["resource"] = rest[-1]
            rest = rest[:-2]
        data["title"] = " ".join(rest)
        if severity:
            data["severity"] = severity
        return data


class List(Command):
    """Open incidents, worst first (`all` includes resolved ones)."""

    name: ClassVar[str] = "list"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "list [all]"
    example: ClassVar[str] = "list all"
    scope: Literal["open", "all"] = "open"


class Show(Command):
    """One incident with its timeline."""

    name: ClassVar[str] = "show"
    reads_only: ClassVar[bool] = True
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


class Mitigate(Command):
    """The impact is over (the fix may come later): stops paging, counts for time to mitigate."""

    name: ClassVar[str] = "mitigate"
    usage: ClassVar[str] = "mitigate <id> [note]"
    example: ClassVar[str] = "mitigate 7 Traffic moved to the standby region"
    id: IncidentId
    note: str | None = Field(default=None, max_length=3000)


Role = Literal["commander", "comms", "scribe"]


class SetRole(Command):
    """Give someone a role: commander, comms or scribe."""

    name: ClassVar[str] = "role"
    usage: ClassVar[str] = "role <id> commander|comms|scribe @user"
    example: ClassVar[str] = "role 7 comms @carol"
    id: IncidentId
    role: Role
    user: UserRef

    @field_validator("role", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class Page(Command):
    """Page someone now (a DM with an Acknowledge button), by name or whoever is on call."""

    name: ClassVar[str] = "page"
    usage: ClassVar[str] = "page <id> @user|rotation:<name>"
    example: ClassVar[str] = "page 7 rotation:primary"
    id: IncidentId
    target: str

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: object) -> object:
        text = str(value).strip()
        if text.lower().startswith("rotation:"):
            name = text.split(":", 1)[1].strip()
            if not name:
                raise ValueError("Name the rotation, like rotation:primary")
            return "rotation:" + name.lower()
        try:
            return _user_id(text)
        except ValueError:
            raise ValueError(
                f"`{echo(text)}` is neither a person nor a rotation: page @someone or "
                "rotation:<name>"
            ) from None


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
    """Counts by severity, MTTA, time to mitigate and MTTR (median and p90)."""

    name: ClassVar[str] = "stats"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "stats [7d|30d]"
    example: ClassVar[str] = "stats 7d"
    period: Literal["7d", "30d"] = "30d"


SUBCOMMANDS: list[type[Command]] = [Raise, List, Show, Ack, Update, Sev, Assign, SetRole, Page]
SUBCOMMANDS += [Mitigate, Resolve, Reopen, Stats, *followup_commands.COMMANDS]

COMMANDS = CommandSet(
    "/incident",
    "Raise and run incidents",
    SUBCOMMANDS,
    usage_hint="raise <title> [on <resource>] [sev1-4] | list | show <id> | ack <id> | "
    "mitigate <id> | resolve <id> | followup <id> <text> | postmortem <id> | help",
)
