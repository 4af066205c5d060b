"""Typed commands: parsing, help and friendly errors come from one model per subcommand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

import pytest
from pydantic import Field

from bot.commands import Command, CommandSet, ParseEnv, UsageError, UserRef, ref
from bot.console.plain import mrkdwn_to_text
from bot.errors import UserError
from bot.tz import zone

ENV = ParseEnv(datetime(2026, 12, 1, 9, tzinfo=UTC), zone("UTC"))


class Show(Command):
    """Show one thing."""

    name: ClassVar[str] = "show"
    aliases: ClassVar[tuple[str, ...]] = ("view",)
    usage: ClassVar[str] = "show <id>"
    example: ClassVar[str] = "show INC-7"
    id: Annotated[int, ref("INC", "an incident")]


class Assign(Command):
    """Give it to someone."""

    name: ClassVar[str] = "assign"
    usage: ClassVar[str] = "assign <id> @user"
    id: Annotated[int, ref("INC", "an incident")]
    user: UserRef


class Note(Command):
    """Write a note."""

    name: ClassVar[str] = "note"
    usage: ClassVar[str] = "note <level> <text>"
    level: Literal["low", "high"]
    text: str = Field(min_length=1)


class Approve(Command):
    """Approve, with an optional comment."""

    name: ClassVar[str] = "approve"
    usage: ClassVar[str] = "approve <id> [comment]"
    id: Annotated[int, ref("INC", "an incident")]
    comment: str | None = Field(default=None, max_length=3000)


class Page(Command):
    """A page of things."""

    name: ClassVar[str] = "list"
    usage: ClassVar[str] = "list [page]"
    page: int = Field(default=1, ge=1, le=10_000)


SET = CommandSet("/thing", "things", [Show, Assign, Note, Approve, Page])


@pytest.mark.parametrize("text", ["show 7", "show #7", "show INC-7", "show inc-7", "SHOW 7"])
def test_ids_are_accepted_three_ways(text: str) -> None:
    cmd = SET.parse(text, ENV)
    assert isinstance(cmd, Show) and cmd.id == 7


def test_last_field_takes_the_rest() -> None:
    cmd = SET.parse("note high the disk is  full", ENV)
    assert isinstance(cmd, Note) and cmd.text == "the disk is full"


def test_user_mentions_as_slack_sends_them() -> None:
    cmd = SET.parse("assign 3 <@U123ABC|bob>", ENV)
    assert isinstance(cmd, Assign) and cmd.user == "U123ABC"


def test_empty_text_is_none_and_help_lists_every_subcommand() -> None:
    assert SET.parse("   ", ENV) is None
    with pytest.raises(UsageError) as exc:
        SET.parse("help", ENV)
    shown = mrkdwn_to_text(exc.value.message)  # what the reader sees
    for usage in ("/thing show <id>", "/thing assign <id> @user", "Show one thing."):
        assert usage in shown
    assert "<id>" not in exc.value.message, "Slack would read a raw <id> as a link"
    assert "Show one thing. (also `view`)" in shown, "aliases are listed where they work"
    assert SET.parse("view 7", ENV) == SET.parse("show 7", ENV)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bogus", "I don't know `bogus`"),
        ("show", "`id` is missing"),
        ("show PUR-7", "is not an incident id"),
        ("show abc", "is not an incident id"),
        ("assign 3 bob", "mention them with @"),
        ("note medium hi", "is not a valid level"),
        ("note high", "`text` is missing"),
        # Pydantic's constraint messages, which do not name the field, are phrased after it.
        ("approve 3 " + "x" * 3001, "`comment` must be at most 3,000 characters; it has 3,001."),
        ("list 0", "`page` must be at least 1, not `0`."),
        ("list 10001", "`page` must be at most 10,000, not `10001`."),
        ("list two", "`page` must be a whole number, not `two`."),
    ],
)
def test_errors_say_what_was_wrong_and_show_usage(text: str, expected: str) -> None:
    with pytest.raises(UserError) as exc:
        SET.parse(text, ENV)
    assert expected in exc.value.message
    if not isinstance(exc.value, UsageError):
        assert "Usage: `/thing" in exc.value.message


@pytest.mark.parametrize(
    "text", ["<!channel>", "show <!here>", "assign 3 <!everyone>", "note <@U1> x"]
)
def test_echoed_input_is_escaped(text: str) -> None:
    with pytest.raises(UserError) as exc:
        SET.parse(text, ENV)
    assert "<!" not in exc.value.message and "<@U1>" not in exc.value.message


def _command_sets() -> dict[str, CommandSet]:
    from bot.app import build_registry

    return {cs.slash: cs for cs in build_registry().command_sets()}


def _every_subcommand() -> list[tuple[str, str]]:
    return [(s, c.name) for s, cs in sorted(_command_sets().items()) for c in cs.commands]


@pytest.mark.parametrize(("slash", "name"), _every_subcommand())
def test_every_subcommand_answers_help_with_its_own_usage_and_an_example(
    slash: str, name: str
) -> None:
    with pytest.raises(UsageError) as exc:
        _command_sets()[slash].parse(f"{name} help", ENV)
    text = mrkdwn_to_text(exc.value.message)
    assert f"Usage: `{slash} {name}" in text
    assert f"Example: `{slash} {name}" in text
    assert f"{slash} help" not in text, "its own help, not the whole list"


def test_help_after_a_subcommand_is_never_taken_as_its_argument() -> None:
    with pytest.raises(UsageError, match="Write a note"):
        SET.parse("note help", ENV)
    with pytest.raises(UsageError, match=r"\*/thing show\* \(also `view`\): Show one thing"):
        SET.parse("view ?", ENV)
    # A longer text that happens to start with "help" is an argument like any other.
    assert SET.parse("note high help is on the way", ENV) == Note(
        level="high", text="help is on the way"
    )


def test_form_errors_land_on_their_own_inputs() -> None:
    from bot.errors import FieldErrors, FormCheck
    from handlers.kit import _field_errors

    def bad(message: str, field: str | None = None) -> None:
        raise UserError(message, field=field)

    check = FormCheck()
    assert check.field("amount", int, "12") == 12
    check.field("amount", bad, "Not an amount.")
    check.field("when", bad, "Not a time.", "start")  # the error names its own input
    check.add("note", "Too long. " + "x" * 200)
    with pytest.raises(FieldErrors) as exc:
        check.done()
    view = {"state": {"values": {"amount": {}, "start": {}, "note": {}}}}
    errors = _field_errors(view, exc.value)
    assert errors["amount"] == "Not an amount." and errors["start"] == "Not a time."
    assert len(errors["note"]) == 150
    # An input the form does not have goes under its first input, not lost.
    elsewhere = _field_errors(view, UserError("Resource gone.", field="resource"))
    assert elsewhere == {"amount": "Resource gone."}
