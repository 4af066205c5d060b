"""The weekly report: once a week at its local time, across DST changes, late after a short
outage on its day and skipped after a long one; charts follow in the summary's thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.config import Config, ReportConfig
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from storage.db import transaction
from tests.recording import RecordingMessenger, Sent
from tests.reports.helpers import H, incident

BERLIN = ZoneInfo("Europe/Berlin")
# The areas a report reads (its sections: incidents, purchases, resources, on-call) and no
# other planner: the walks stop at each due notice, and digests and the failures list would
# add a stop and a send every day that says nothing about the report's schedule.
pytestmark = pytest.mark.areas("reports", "incidents", "purchases", "resources", "shifts")


def berlin(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN).astimezone(UTC)


def reports_in(messenger: RecordingMessenger, channel: str = "C_OPS") -> list[Sent]:
    return [
        s
        for s in messenger.of("post")
        if s.target == channel and s.message is not None and s.message.text.startswith("Report")
    ]


class Walk:
    """Moves frozen time like a running scheduler: to each due notice, ticking twice (a second
    scheduler, or a tick right after a restart, must not post again)."""

    def __init__(self, rt: Runtime, frozen, messenger: RecordingMessenger, channel: str = "C_OPS"):
        self.rt, self.frozen, self.messenger, self.channel = rt, frozen, messenger, channel
        self.scheduler = Scheduler(rt)
        self.posted_at: list[datetime] = []

    def tick(self) -> None:
        before = len(reports_in(self.messenger, self.channel))
        self.scheduler.tick()
        self.scheduler.tick()
        after = len(reports_in(self.messenger, self.channel))
        self.posted_at += [self.rt.clock.now()] * (after - before)

    def jump(self, to: datetime) -> None:
        self.frozen.move_to(to)
        self.tick()

    def run_until(self, end: datetime, step: timedelta = timedelta(hours=6)) -> None:
        self.tick()
        while self.rt.clock.now() < end:
            now = self.rt.clock.now()
            due = self.rt.dispatcher.next_due()
            self.frozen.move_to(min(end, now + step, due if due and due > now else end))
            self.tick()


def test_weekly_at_local_time_across_the_autumn_change(
    runtime: Runtime, messenger: RecordingMessenger
) -> None:
    with freeze_time(berlin("2026-10-14 12:00")) as frozen:
        with transaction(runtime.sessions) as s:
            incident(s, berlin("2026-10-20 10:00"), "sev2", ack=H)  # in the week before Oct 26
        walk = Walk(runtime, frozen, messenger)
        walk.run_until(berlin("2026-11-10 12:00"))
    assert walk.posted_at == [
        berlin("2026-10-19 09:00"),  # 07:00 UTC, summer time
        berlin("2026-10-26 09:00"),  # 08:00 UTC: the clocks went back on the 25th
        berlin("2026-11-02 09:00"),
        berlin("2026-11-09 09:00"),
    ]
    assert walk.posted_at[1] - walk.posted_at[0] == timedelta(days=7, hours=1)
    posts = reports_in(messenger)
    assert len(posts) == 4
    # The week before the 26th: Monday 19th to Sunday 25th, one incident, charted in the thread.
    second = posts[1]
    assert "1 incident raised (sev2 1)" in str(second.message.blocks)
    assert "Mon 2026-10-19 00:00 CEST" in str(second.message.blocks)
    charts = [u for u in messenger.of("upload") if u.thread_ts == second.ref.ts]
    assert [c.filename for c in charts] == ["opsdesk-incidents-2026-10-19_2026-10-25.png"]
    assert charts[0].target == "C_OPS" and charts[0].content[:4] == b"\x89PNG"
    assert "No incidents were raised" in str(posts[0].message.blocks)


@pytest.fixture
def config(config: Config) -> Config:
    """The example, plus a Sunday 02:30 report: a time that does not exist on 28 March 2027."""
    night = ReportConfig.model_validate(
        {
            "channel": "C_NIGHT",
            "day": "sun",
            "at": "02:30",
            "timezone": "Europe/Berlin",
            "sections": ["incidents"],
        }
    )
    return config.model_copy(update={"reports": [*config.reports, night]})


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap(
    runtime: Runtime, messenger: RecordingMessenger
) -> None:
    with freeze_time(berlin("2027-03-18 12:00")) as frozen:
        walk = Walk(runtime, frozen, messenger, "C_NIGHT")
        walk.run_until(berlin("2027-04-05 12:00"))
    assert walk.posted_at == [
        berlin("2027-03-21 02:30"),
        berlin("2027-03-28 03:30"),  # 02:30 does not exist that night: one gap later
        berlin("2027-04-04 02:30"),
    ]
    assert [p.astimezone(UTC).hour for p in walk.posted_at] == [1, 1, 0]


def test_late_on_its_day_after_an_outage_and_skipped_after_a_whole_day(
    runtime: Runtime, messenger: RecordingMessenger
) -> None:
    with freeze_time(berlin("2026-11-01 12:00")) as frozen:
        walk = Walk(runtime, frozen, messenger)
        walk.tick()  # planned: Monday 2 November 09:00
        walk.jump(berlin("2026-11-02 09:07"))  # down at 09:00, back at 09:07
        assert walk.posted_at == [berlin("2026-11-02 09:07")]
        walk.jump(berlin("2026-11-02 18:00"))
        walk.jump(berlin("2026-11-10 08:00"))  # down from before 9 Nov 09:00 to the next day
        walk.jump(berlin("2026-11-16 09:00"))
    assert walk.posted_at == [berlin("2026-11-02 09:07"), berlin("2026-11-16 09:00")]
