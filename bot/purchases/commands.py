"""`/purchase` subcommands, one typed model each."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from bot.commands import Command, CommandSet, ParseEnv, UserRef, ref
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.purchases.money import parse_amount
from bot.timeparse import take_moment

PurchaseId = Annotated[int, ref("PUR", "a purchase request")]
Amount = Annotated[Decimal, BeforeValidator(parse_amount)]
DESCRIPTION_LIMIT = 500  # the column holds 500; longer text is trimmed, with a note


class Request(Command):
    """Ask for a purchase; it is routed through the approval policy."""

    name: ClassVar[str] = "request"
    usage: ClassVar[str] = "request <amount> [currency] <description>"
    example: ClassVar[str] = "request 1,250.00 EUR 3 monitors for the NOC"
    amount: Amount
    # A currency word is recognised by the service, which knows the configured rates.
    description: list[str] = Field(min_length=1)

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if words:
            data["amount"] = words[0]
        if len(words) > 1:
            data["description"] = words[1:]
        return data


class Approve(Command):
    """Approve the step of a request that waits on you, with an optional comment."""

    name: ClassVar[str] = "approve"
    usage: ClassVar[str] = "approve <id> [comment]"
    example: ClassVar[str] = "approve PUR-12 ok, within budget"
    id: PurchaseId
    comment: str | None = Field(default=None, max_length=3000)


class Reject(Command):
    """Reject a request that waits on you; a reason is required."""

    name: ClassVar[str] = "reject"
    usage: ClassVar[str] = "reject <id> <reason>"
    example: ClassVar[str] = "reject 12 no budget left this quarter"
    id: PurchaseId
    reason: str = Field(min_length=1, max_length=3000)

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if len(words) == 1:
            raise UserError("A rejection needs a reason, so the requester knows why.")
        return super().from_words(words, env)


class Cancel(Command):
    """Cancel your own request while it is pending."""

    name: ClassVar[str] = "cancel"
    usage: ClassVar[str] = "cancel <id>"
    example: ClassVar[str] = "cancel PUR-12"
    id: PurchaseId


class List(Command):
    """Pending requests (or `mine`, or `all`), 20 a page."""

    name: ClassVar[str] = "list"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "list [pending|mine|all] [page]"
    example: ClassVar[str] = "list all 2"
    scope: Literal["pending", "mine", "all"] = "pending"
    page: int = Field(default=1, ge=1, le=10_000)

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        data: dict[str, Any] = {}
        rest = list(words)
        if rest and not rest[0].isdecimal():
            data["scope"] = rest.pop(0).lower()
        if rest:
            data["page"] = rest.pop(0)
        if rest:
            raise UserError(f"I did not expect `{echo(rest[0])}`.")
        return data


class Show(Command):
    """One request: every step, decision, comment and audit event."""

    name: ClassVar[str] = "show"
    reads_only: ClassVar[bool] = True
    usage: ClassVar[str] = "show <id>"
    example: ClassVar[str] = "show PUR-12"
    id: PurchaseId


def _until(tokens: list[str], env: ParseEnv) -> datetime:
    moment = take_moment(tokens, now=env.now, tz=env.tz, tonight=env.tonight)
    when, used = moment.at, moment.used
    if used < len(tokens):
        raise UserError(f"I read the date but not `{echo(tokens[used])}`.")
    local = when.astimezone(env.tz)
    if not moment.clock_given and local.hour == 0 and local.minute == 0:
        # "until 2026-12-20" means through that day: it ends when the next one starts.
        when = (local + timedelta(days=1)).replace(hour=0).astimezone(when.tzinfo)
    return when


class Delegate(Command):
    """Let someone decide for you until a date (`delegate off` ends it)."""

    name: ClassVar[str] = "delegate"
    usage: ClassVar[str] = "delegate @user until <date> | delegate off"
    example: ClassVar[str] = "delegate @dave until 2026-12-24"
    user: UserRef | None = None
    until: datetime | None = None
    off: bool = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if [w.lower() for w in words] == ["off"]:
            return {"off": True}
        if not words:
            raise UserError("Name who decides for you, and until when.")
        if len(words) < 3 or words[1].lower() != "until":
            raise UserError("Say until when, like `until 2026-12-24`.")
        return {"user": words[0], "until": _until(words[2:], env)}


COMMANDS = CommandSet(
    "/purchase",
    "Request purchases and approve them",
    [Request, Approve, Reject, Cancel, List, Show, Delegate],
    usage_hint="request <amount> [currency] <description> | list | show <id> | help",
)
