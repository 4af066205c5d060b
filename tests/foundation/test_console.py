"""The local console: the same app as Slack, typed at and read as text."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.console.messenger import ConsoleMessenger
from bot.console.shell import Console, build_console, slackify
from bot.messenger import Message
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def console(settings: Settings, config: Config, engine) -> Console:
    return build_console(settings, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_help_lists_console_and_slash_commands(console: Console) -> None:
    out = _run(console, "help")
    assert (
        "click <n|label>" in out
        and "/incident" in out
        and "who is" not in out.split("/incident")[0]
    )


def test_slash_command_reply_and_announcement_with_numbered_buttons(console: Console) -> None:
    out = _run(console, "/incident raise Checkout is failing sev1")
    assert "(only @alice sees this)" in out and "Raised *INC-1*" in out
    assert "#incidents  @opsdesk:" in out
    assert "[1: Acknowledge]  [2: Mitigated]  [3: Post update]  [4: Resolve]" in out


def test_click_presses_the_button_as_the_current_person(console: Console) -> None:
    _run(console, "/incident raise Disk full sev2", "as @bob")
    out = _run(console, "click 1")
    assert "(edited its message)" in out and "Commander* @bob" in out
    assert "@bob acknowledged INC-1" in out


def test_forms_are_filled_with_submit(console: Console) -> None:
    out = _run(console, "/incident", 'submit title="VPN down" severity=sev2')
    assert "[form: Raise an incident]" in out
    assert "INC-1 · SEV2 · VPN DOWN" in out


def test_mentions_reach_the_mention_handler(console: Console) -> None:
    out = _run(console, "@opsdesk help")
    assert "what you can ask me" in out and "(in thread)" in out


def test_clock_fires_what_falls_due(console: Console) -> None:
    # A Tuesday afternoon: no Monday hand-off, shift reminder or 09:00 digest in these 4 hours.
    with freeze_time("2026-12-01 12:00:00", tick=True):
        _run(console, "/incident raise Slow API sev3")
        out = _run(console, "clock +4h")
    assert "no update on *INC-1* for 4h" in out
    assert "1 scheduled message went out" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("click 99", "There is no button 99"),
        ("submit title=x", "No form is open"),
        ("frobnicate", "I don't know `frobnicate`"),
        ("clock soon", "(!)"),
        ("/nosuch thing", "no such command"),
    ],
)
def test_bad_input_is_friendly(console: Console, line: str, expected: str) -> None:
    out = _run(console, line)
    assert expected in out and "Traceback" not in out


def test_people_typed_with_at_become_slack_mentions() -> None:
    assert slackify("assign 1 @bob") == "assign 1 <@U_BOB|bob>"
    assert slackify("mail a@b.com") == "mail a@b.com"


@pytest.mark.processes
def test_piped_script_runs_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPSDESK_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/incident raise Printer jam sev4\n/incident list\nquit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Opsdesk console" in result.stdout and "opsdesk.example.toml" in result.stdout
    assert "Printer jam" in result.stdout and "OPEN INCIDENTS (1)" in result.stdout
    assert "Traceback" not in result.stderr


def test_thread_replies_in_a_dm_name_the_person() -> None:
    out = io.StringIO()
    messenger = ConsoleMessenger(out, "UTC")
    ref = messenger.dm("U_CAROL", Message(text="Approve PUR-1?"))
    messenger.post(ref.channel, Message(text="Reminder"), thread_ts=ref.ts)
    assert "↳ DM with @carol (in thread) @opsdesk:" in out.getvalue()
