"""Helpers for digest tests: the scheduler driven through frozen time, fake sections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import sections
from bot.digests import notices as _notices  # noqa: F401 - registers the planner and notice kind
from bot.incidents import sections as _incident_sections  # noqa: F401 - registers incidents
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from handlers import load_areas
from tests.recording import RecordingMessenger, Sent

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def own_sections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Sections a test registers vanish after it; the areas' own registrations stay."""
    load_areas()  # first imports register into the real registry, not into this test's copy
    monkeypatch.setattr(sections, "_DIGEST", list(sections._DIGEST))
    monkeypatch.setattr(sections, "_HOME", list(sections._HOME))
    yield


@pytest.fixture
def incidents_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the incidents sections (plus what the test adds), so "all clear" means something.

    Other areas register sections too; tests that assert on a quiet or all-clear digest must not
    depend on which areas are merged (test_digest_on_call.py covers every area together).
    """
    load_areas()  # first imports register into the real registry, not into this test's copy
    keep = [e for e in sections._DIGEST if e[1].startswith("incidents")]
    monkeypatch.setattr(sections, "_DIGEST", keep)
    monkeypatch.setattr(sections, "_HOME", [e for e in sections._HOME if e[1] == "incidents"])
    yield


def digests_in(messenger: RecordingMessenger, channel: str) -> list[Sent]:
    return [
        s
        for s in messenger.of("post")
        if s.target == channel and s.message is not None and "digest" in s.message.text.lower()
    ]


def berlin(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN).astimezone(UTC)


class Walker:
    """Moves frozen time forward like a running scheduler, stopping whenever a notice is due."""

    def __init__(self, runtime: Runtime, frozen, messenger: RecordingMessenger, channel: str):
        self.rt, self.frozen, self.messenger, self.channel = runtime, frozen, messenger, channel
        self.scheduler = Scheduler(runtime)
        self.posted_at: list[datetime] = []

    def tick(self) -> None:
        before = len(digests_in(self.messenger, self.channel))
        self.scheduler.tick()
        after = len(digests_in(self.messenger, self.channel))
        now = self.rt.clock.now()
        self.posted_at += [now] * (after - before)

    def jump(self, to: datetime) -> None:
        """Down until ``to``: nothing runs in between (a stopped process)."""
        self.frozen.move_to(to)
        self.tick()

    def run_until(self, end: datetime, *, max_step: timedelta = timedelta(hours=6)) -> None:
        self.tick()
        while self.rt.clock.now() < end:
            now = self.rt.clock.now()
            due = self.rt.dispatcher.next_due()
            step = min(end, now + max_step, due if due and due > now else end)
            self.frozen.move_to(step)
            self.tick()
