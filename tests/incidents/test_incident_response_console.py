"""Incident channels, follow-ups and postmortems in the local console."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import Config
from bot.console.shell import Console, build_console
from bot.settings import Settings


@pytest.fixture
def config(config: Config) -> Config:
    incidents = config.incidents.model_copy(update={"create_channel": True})
    return config.model_copy(update={"incidents": incidents, "rotations": []})


@pytest.fixture
def console(settings: Settings, config: Config, engine, tmp_path: Path, monkeypatch) -> Console:
    monkeypatch.chdir(tmp_path)
    return build_console(settings, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_the_incident_channel_is_edited_mirrored_and_archived(console: Console) -> None:
    out = _run(console, "/incident raise Checkout down sev3")
    assert "(created channel #inc-1-checkout-down)" in out
    assert "#inc-1-checkout-down  @opsdesk:" in out, "its status message"
    out = _run(console, "as @bob", "/incident ack 1")
    assert out.count("(edited its message)") == 2, "the announcement and the channel's message"
    out = _run(console, "/incident update 1 Rolled back the deploy")
    assert "#inc-1-checkout-down  @opsdesk:\n  📝 @bob: Rolled back the deploy" in out
    assert out.count("📝 @bob: Rolled back the deploy") == 2, "in the thread and the channel"
    out = _run(console, "/incident resolve 1 Fixed", "clock +23h")
    assert "(archived" not in out
    out = _run(console, "clock +1h")
    assert "(archived" in out and "inc-1-checkout-down" in out.split("(archived")[1]


def test_followups_and_a_postmortem_written_to_a_file(console: Console, tmp_path: Path) -> None:
    _run(console, "/incident raise Checkout down sev3")
    out = _run(console, "/incident followup 1 Alert on the error rate @bob")
    assert "Recorded *FUP-1*" in out
    out = _run(console, "as @bob", "home")
    assert "YOUR FOLLOW-UPS" in out and "Alert on the error rate" in out
    out = _run(console, "/incident followups mine")
    assert "FUP-1" in out
    out = _run(console, "/incident followup done 1")
    assert "FUP-1* is done" in out
    out = _run(console, "/incident postmortem 1")
    assert "Writing the postmortem of *INC-1*" in out
    written = list((tmp_path / "opsdesk-files").iterdir())
    assert [p.name for p in written] == ["postmortem-INC-1.md"]
    assert f"file: {Path('opsdesk-files') / 'postmortem-INC-1.md'}" in out
    doc = written[0].read_text("utf-8")
    assert "# Postmortem: INC-1 · Checkout down" in doc and "FUP-1 Alert on the error rate" in doc


def test_help_lists_the_new_subcommands(console: Console) -> None:
    out = _run(console, "/incident help")
    for usage in ("followup", "followups [mine]", "postmortem"):
        assert f"/incident {usage}" in out
