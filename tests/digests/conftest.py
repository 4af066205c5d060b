"""Helpers for digest tests: the scheduler driven through frozen time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.runtime import Runtime
from bot.scheduler import Scheduler
from tests.recording import RecordingMessenger, Sent

BERLIN = ZoneInfo("Europe/Berlin")


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
