"""Each kind of request has one Bolt listener, which finds the area's listener by name
(``handlers/kit.py``): a name nobody declared stays unhandled, and a name is declared once."""

from __future__ import annotations

from typing import ClassVar

import pytest
from slack_bolt import App

from bot.commands import Command, CommandSet
from bot.messenger import Message
from handlers.kit import Request, action, install, slash
from tests.e2e import SlackApp


class Hello(Command):
    """Say hello."""

    name: ClassVar[str] = "hello"
    reads_only: ClassVar[bool] = True


def test_a_command_and_a_button_nobody_declared_stay_unhandled(slack: SlackApp) -> None:
    assert slack.slash("/incident", "help").status == 200
    assert slack.slash("/nobody", "help").status == 404
    assert slack.click("nobody_clicks_this", "1").status == 404


def test_the_last_command_declared_is_found_like_the_first(slack: SlackApp) -> None:
    commands = CommandSet("/zz-last", "declared after every area", [Hello])

    @slash(slack.bolt, commands)
    def hello(req: Request, cmd: Command | None) -> Message:
        return Message(text="hello from the last")

    answer = slack.slash("/zz-last", "hello")
    assert answer.status == 200 and "hello from the last" in answer.text


def test_a_name_is_declared_once() -> None:
    app = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)

    @action(app, "twice")
    def first(req: Request, value: str) -> None:
        return None

    with pytest.raises(ValueError, match="twice"):

        @action(app, "twice")
        def second(req: Request, value: str) -> None:
            return None

    install(app)
