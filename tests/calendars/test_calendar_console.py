"""`/shift calendar` typed in the console, as in Slack: the link only its owner sees."""

from __future__ import annotations

import io

import pytest

from bot.config import Config
from bot.console.shell import Console, build_console
from bot.settings import Settings
from tests.calendars.helpers import PUBLIC, token_in


@pytest.fixture
def console(settings: Settings, config: Config, engine) -> Console:
    public = settings.model_copy(update={"OPSDESK_PUBLIC_URL": PUBLIC})
    return build_console(public, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_shift_calendar_in_the_console(console: Console) -> None:
    out = _run(console, "/shift calendar")
    assert "(only @alice sees this)" in out and f"{PUBLIC}/calendar/" in out
    first = token_in(out)
    again = _run(console, "/shift calendar")
    assert "already have a calendar link" in again and first not in again
    reset = _run(console, "/shift calendar reset")
    assert token_in(reset) != first and "no longer works" in reset
    bob = _run(console, "as @bob", "/shift calendar")
    assert "(only @bob sees this)" in bob and token_in(bob) not in (first, token_in(reset))


def test_help_and_mistakes_in_the_console(console: Console) -> None:
    assert "/shift calendar [reset]" in _run(console, "/shift help")
    out = _run(console, "/shift calendar everything")
    assert "takes only `reset`" in out and "Traceback" not in out
