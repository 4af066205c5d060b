"""The console shows a digest as readable text when its clock passes the digest's time."""

from __future__ import annotations

import io

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.console.shell import Console, build_console
from bot.settings import Settings

# Only the incidents sections (see test_digest_delivery.py).
pytestmark = pytest.mark.areas("incidents", "digests")


@pytest.fixture
def console(settings: Settings, config: Config, engine, registry) -> Console:
    return build_console(settings, config, engine, io.StringIO(), registry=registry)


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_the_weekday_digest_fires_in_the_console_and_reads_as_text(console: Console) -> None:
    with freeze_time("2026-12-07 06:00:00", tick=True):  # Monday, 07:00 in Berlin
        _run(console, "/incident raise Payments are slow & flaky sev2", "clock +1m")
        out = _run(console, "clock 2026-12-07 09:30")
    digest = out.split("#ops  @opsdesk:")[1]
    assert "DAILY DIGEST · MON 7 DEC" in digest
    assert "Monday 7 December in Europe/Berlin" in digest
    assert "*Open incidents* (1)" in digest and "Payments are slow & flaky" in digest
    assert "<!date" not in digest and "&amp;" not in digest
    assert digest.count("DAILY DIGEST") == 1
