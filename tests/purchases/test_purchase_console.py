"""The console runs the same purchase flow: request, approve from the DM, reject with a form."""

from __future__ import annotations

import io

import pytest

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


def test_request_approve_and_reject_in_the_console(console: Console) -> None:
    out = _run(console, "/purchase request 1,250.00 EUR 3 monitors for the NOC")
    assert "Requested *PUR-1*" in out and "DM to @bob" in out and "[1: Approve]" in out
    out = _run(console, "as @bob", "click Approve")
    assert "Step 1 approved by @bob" in out and "DM to @carol" in out and "DM to @dave" in out
    out = _run(console, "as @dave", "click Reject", 'submit reason="over budget"')
    assert "[form: Reject PUR-1]" in out
    assert "DM to @alice" in out and "*Rejected* by @dave" in out and "over budget" in out
    assert "#purchasing" in out
