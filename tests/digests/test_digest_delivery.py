"""Digests go out through the scheduler core: local time across DST, once, late only same day."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.digests import service
from bot.incidents import service as incidents
from bot.runtime import Runtime
from storage.models import Notice
from tests.digests.conftest import BERLIN, Walker, berlin, digests_in
from tests.scale import counting

# Only incidents (plus digests), so "all clear" means something: tests that assert on a quiet or
# all-clear digest must not depend on which areas there are (test_digest_on_call.py has them all).
pytestmark = pytest.mark.areas("incidents", "digests")

# The example config: C_OPS gets a digest on weekdays at 09:00 Europe/Berlin.
OPS = "C_OPS"


def _local(instants: list[datetime]) -> list[str]:
    return [f"{t.astimezone(BERLIN):%a %Y-%m-%d %H:%M}" for t in instants]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (  # spring forward: Sunday 28 March 2027, 02:00 -> 03:00
            "2027-03-24 00:00",
            "2027-04-01 00:00",
            ["Wed 2027-03-24", "Thu 2027-03-25", "Fri 2027-03-26", "Mon 2027-03-29",
             "Tue 2027-03-30", "Wed 2027-03-31"],
        ),
        (  # fall back: Sunday 25 October 2026, 03:00 -> 02:00
            "2026-10-21 00:00",
            "2026-10-29 00:00",
            ["Wed 2026-10-21", "Thu 2026-10-22", "Fri 2026-10-23", "Mon 2026-10-26",
             "Tue 2026-10-27", "Wed 2026-10-28"],
        ),
    ],
)  # fmt: skip
def test_weekday_digest_posts_at_nine_local_around_dst(
    runtime: Runtime, messenger, start: str, end: str, expected: list[str]
) -> None:
    with freeze_time(berlin(start)) as frozen:
        walker = Walker(runtime, frozen, messenger, OPS)
        walker.run_until(berlin(end))
    assert _local(walker.posted_at) == [f"{day} 09:00" for day in expected]
    # 09:00 local is 08:00 UTC in winter and 07:00 UTC in summer: the UTC hour did change.
    assert len({t.astimezone(UTC).hour for t in walker.posted_at}) == 2


def test_digest_missed_by_a_restart_goes_out_late_the_same_morning(
    runtime: Runtime, messenger
) -> None:
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:  # a Monday
        walker = Walker(runtime, frozen, messenger, OPS)
        walker.tick()  # planned while running
        walker.jump(berlin("2026-12-07 09:07"))  # down from 08:00 to 09:07
        walker.jump(berlin("2026-12-07 09:08"))
        walker.jump(berlin("2026-12-07 18:00"))
    assert _local(walker.posted_at) == ["Mon 2026-12-07 09:07"]


def test_digest_missed_for_the_whole_day_is_skipped(runtime: Runtime, messenger, sessions) -> None:
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, OPS)
        walker.tick()
        walker.jump(berlin("2026-12-08 08:30"))  # down all Monday
        assert walker.posted_at == []
        walker.run_until(berlin("2026-12-08 12:00"))
    assert _local(walker.posted_at) == ["Tue 2026-12-08 09:00"]
    with sessions() as session:
        monday = session.scalar(
            select(Notice).where(Notice.dedupe_key == "digest:C_OPS:2026-12-07")
        )
    assert monday is not None and monday.status == "skipped"


def test_after_days_down_only_todays_digest_goes_out_late(runtime: Runtime, messenger) -> None:
    with freeze_time(berlin("2026-12-04 12:00")) as frozen:  # a Friday, after its digest
        walker = Walker(runtime, frozen, messenger, OPS)
        walker.tick()
        walker.jump(berlin("2026-12-08 10:30"))  # back on Tuesday morning
        walker.jump(berlin("2026-12-08 10:31"))
    assert _local(walker.posted_at) == ["Tue 2026-12-08 10:30"]


def test_subscribing_after_todays_time_starts_tomorrow_and_changes_replan(
    runtime: Runtime, messenger, unit
) -> None:
    with freeze_time(berlin("2026-12-07 10:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, "C_TEAM")
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.subscribe(ctx, "C_TEAM", at=datetime.strptime("09:30", "%H:%M").time())
        walker.run_until(berlin("2026-12-08 12:00"))
        assert _local(walker.posted_at) == ["Tue 2026-12-08 09:30"]
        # Moved to 15:00 the same day after it went out: once a day, so not again today.
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.subscribe(ctx, "C_TEAM", at=datetime.strptime("15:00", "%H:%M").time())
        walker.run_until(berlin("2026-12-09 16:00"))
        assert _local(walker.posted_at) == ["Tue 2026-12-08 09:30", "Wed 2026-12-09 15:00"]
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.unsubscribe(ctx, "C_TEAM")
        walker.run_until(berlin("2026-12-12 00:00"))
    assert len(walker.posted_at) == 2, "nothing after /digest off"


def test_weekly_digest_posts_once_a_week(runtime: Runtime, messenger, unit) -> None:
    with freeze_time(berlin("2026-12-01 00:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, "C_TEAM")
        with unit("U_BOB") as ctx:
            service.subscribe(
                ctx, "C_TEAM", at=datetime.strptime("16:00", "%H:%M").time(), weekday=4,
                tz="America/New_York",
            )  # fmt: skip
        walker.run_until(berlin("2026-12-20 00:00"))
    new_york = ZoneInfo("America/New_York")
    assert [f"{t.astimezone(new_york):%a %d %H:%M}" for t in walker.posted_at] == [
        "Fri 04 16:00",
        "Fri 11 16:00",
        "Fri 18 16:00",
    ]


def test_quiet_channel_gets_nothing_when_all_is_clear_but_now_always_answers(
    runtime: Runtime, messenger, unit
) -> None:
    at = datetime.strptime("09:00", "%H:%M").time()
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, "C_QUIET")
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.subscribe(ctx, "C_QUIET", at=at, quiet=True)
        walker.run_until(berlin("2026-12-07 10:00"))
        assert walker.posted_at == []
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.post_now(ctx, "C_QUIET")
        runtime.dispatcher.run_due()
        posts = digests_in(messenger, "C_QUIET")
        assert len(posts) == 1 and "all clear" in posts[0].message.text
        with unit("U_CAROL") as ctx:
            incidents.raise_incident(ctx, "Printer on fire", "sev2", channel_id="C_GENERAL")
        walker.run_until(berlin("2026-12-08 09:30"))
    posts = digests_in(messenger, "C_QUIET")
    assert len(posts) == 2 and "Printer on fire" in str(posts[1].message.blocks)


def test_closed_since_counts_from_the_previous_digest(runtime: Runtime, messenger, unit) -> None:
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, OPS)
        with unit("U_CAROL") as ctx:
            old = incidents.raise_incident(ctx, "Old outage", "sev3", channel_id="C_GENERAL")
        walker.run_until(berlin("2026-12-07 12:00"))
        with unit("U_CAROL") as ctx:
            incidents.resolve(ctx, old.incident.id)
        walker.run_until(berlin("2026-12-09 12:00"))
    monday, tuesday, wednesday = (p.message for p in digests_in(messenger, OPS))
    assert "Open incidents" in str(monday.blocks) and "Incidents resolved" not in str(monday.blocks)
    assert "Incidents resolved" in str(tuesday.blocks) and "Old outage" in str(tuesday.blocks)
    assert "all clear" in wednesday.text, "resolved before Tuesday's digest: not news on Wednesday"


def test_digest_now_does_not_shrink_the_next_scheduled_digests_window(
    runtime: Runtime, messenger, unit
) -> None:
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, OPS)
        with unit("U_CAROL") as ctx:
            old = incidents.raise_incident(ctx, "Old outage", "sev3", channel_id="C_GENERAL")
        walker.run_until(berlin("2026-12-07 12:00"))
        with unit("U_CAROL") as ctx:
            incidents.resolve(ctx, old.incident.id)
        walker.run_until(berlin("2026-12-07 15:00"))
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.post_now(ctx, OPS)
        runtime.dispatcher.run_due()
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            assert service.status(ctx, OPS).last_sent_at == berlin("2026-12-07 09:00")
        walker.run_until(berlin("2026-12-08 12:00"))
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            assert service.status(ctx, OPS).last_sent_at == berlin("2026-12-08 09:00")
    _monday, now, tuesday = (p.message for p in digests_in(messenger, OPS))
    assert "Old outage" in str(now.blocks)
    assert "Incidents resolved" in str(tuesday.blocks) and "Old outage" in str(tuesday.blocks), (
        "resolved since Monday's scheduled digest: still news on Tuesday after a /digest now"
    )


def test_digest_turned_off_after_planning_is_not_sent(runtime: Runtime, messenger, unit) -> None:
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, OPS)
        walker.tick()
        with unit("U_ALICE") as ctx:  # an admin: the OPS digest comes from the config file
            service.unsubscribe(ctx, OPS)
        walker.run_until(berlin("2026-12-09 12:00"))
    assert walker.posted_at == []


def test_a_config_change_across_a_restart_replans(
    runtime: Runtime, messenger, sessions, config, settings, engine, clock
) -> None:
    from bot.runtime import build_runtime

    with freeze_time(berlin("2026-12-07 07:00")) as frozen:
        walker = Walker(runtime, frozen, messenger, OPS)
        walker.tick()  # planned for 09:00 under the old file
        walker.scheduler.shutdown()  # the process stops
        moved = config.model_copy(
            update={"digests": [config.digests[0].model_copy(update={"at": time(8, 30)})]}
        )
        restarted = build_runtime(
            settings,
            moved,
            messenger,
            runtime.registry,
            clock=clock,
            engine=engine,
            synchronous=True,
        )
        walker = Walker(restarted, frozen, messenger, OPS)
        walker.run_until(berlin("2026-12-07 12:00"))
    assert _local(walker.posted_at) == ["Mon 2026-12-07 08:30"]
    with sessions() as session:
        rows = session.scalars(select(Notice).where(Notice.kind == "digest.post")).all()
    assert sorted(r.dedupe_key for r in rows) == [
        "digest:C_OPS:2026-12-07",
        "digest:C_OPS:2026-12-08",
    ]


def test_planning_twice_or_in_two_processes_writes_one_row(
    runtime: Runtime, messenger, sessions, config
) -> None:
    from bot.dispatcher import Dispatcher

    other = Dispatcher(
        sessions=sessions,
        messenger=messenger,
        config=config,
        now=runtime.clock.now,
        registry=runtime.registry,
    )
    with freeze_time(berlin("2026-12-07 07:00")):
        runtime.dispatcher.plan()
        other.plan()
        runtime.dispatcher.plan()
    with sessions() as session:
        keys = session.scalars(select(Notice.dedupe_key).where(Notice.kind == "digest.post")).all()
    assert keys == ["digest:C_OPS:2026-12-07"]


def test_channels_due_on_one_tick_are_planned_in_one_statement(runtime: Runtime, unit) -> None:
    teams = [f"C_TEAM{i:02d}" for i in range(30)]
    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            for channel in teams:
                service.subscribe(ctx, channel, at=time(9, 30))
        with counting(runtime.engine) as first:
            runtime.dispatcher.plan()
        frozen.move_to(berlin("2026-12-07 09:31"))  # every channel's digest has come: plan on
        with counting(runtime.engine) as second:
            runtime.dispatcher.plan()
    with runtime.sessions() as s:
        days = s.scalars(select(Notice.dedupe_key).where(Notice.kind == "digest.post")).all()
    # The teams' 09:30 and C_OPS's 09:00 (the config's), then each one's next.
    assert len(days) == 2 * (len(teams) + 1)
    assert first.inserts("notices") == [len(teams) + 1]
    assert second.inserts("notices") == [len(teams) + 1]


@pytest.mark.postgres_only
def test_schedulers_racing_at_nine_post_the_digest_once(runtime: Runtime, messenger) -> None:
    import threading

    with freeze_time(berlin("2026-12-07 08:00")) as frozen:
        runtime.dispatcher.plan()
        frozen.move_to(berlin("2026-12-07 09:00"))
        barrier = threading.Barrier(4)

        def sweep() -> None:
            barrier.wait()
            runtime.dispatcher.plan()
            runtime.dispatcher.run_due()

        threads = [threading.Thread(target=sweep) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(digests_in(messenger, OPS)) == 1
