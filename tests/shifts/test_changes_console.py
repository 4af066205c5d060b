"""The swap handshake and time off through the console: typed as a person would, read as text."""

from __future__ import annotations

import io

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.console.shell import Console, build_console
from bot.settings import Settings


@pytest.fixture
def console(settings: Settings, config: Config, engine) -> Console:
    return build_console(settings, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_a_swap_is_asked_accepted_and_answered_twice_kindly(console: Console) -> None:
    with freeze_time("2026-12-02 11:00:00", tick=True):
        _run(console, "/shift list", "as @bob")
        out = _run(console, "/shift swap SHF-2 @carol")
        assert "I asked @carol to take SHF-2" in out
        assert "DM to @carol from @opsdesk:\n  🔄 @bob asks you to take SHF-2" in out
        assert "[1: Accept]  [2: Decline]" in out
        out = _run(console, "as @carol", "click Accept")
        assert "(edited its message)" in out and "You accepted" in out
        assert "DM to @bob from @opsdesk:\n  ✅ @carol accepted" in out
        assert "You already accepted this swap." in _run(console, "click Accept")
        assert "swapped, by @bob" in _run(console, "/shift next")


def test_a_decline_in_the_console(console: Console) -> None:
    with freeze_time("2026-12-02 11:00:00", tick=True):
        _run(console, "/shift list", "as @bob", "/shift swap SHF-2 @carol", "as @carol")
        out = _run(console, "click Decline")
        assert "Declined. @bob is told." in out and "@carol declined to take SHF-2" in out


def test_time_off_in_the_console(console: Console) -> None:
    with freeze_time("2026-12-02 11:00:00", tick=True):
        out = _run(console, "as @bob", "/shift away 2026-12-08 to 2026-12-10")
        assert "Time off AWY-1: @bob is away" in out and "→ @carol" in out
        assert "#oncall" in out  # the rotation's channel hears it
        out = _run(console, "/shift away list")
        assert "AWY-1" in out and "upcoming" in out
        out = _run(console, "/shift away 2026-12-09 to 2026-12-11")
        assert "already away then (AWY-1)" in out
        out = _run(console, "/shift away cancel AWY-1")
        assert "Time off AWY-1 is cancelled" in out
        out = _run(console, "/shift away cancel AWY-1")
        assert "AWY-1 is already cancelled" in out
        out = _run(console, "/shift away cancel AWY-7")
        assert "There is no time off AWY-7" in out
        out = _run(console, "/shift away tomorrow for 1d @carol")
        assert "Only admins can record time off for someone else" in out
        assert "away list" in _run(console, "/shift help")
