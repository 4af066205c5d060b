"""Maintenance reminders at each offset, "starting now" and "finished", exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot.dispatcher import Dispatcher
from tests.e2e import SlackApp
from tests.resources.helpers import NOW, posts_to, tick

# The areas maintenance needs (resources, and maintenance itself) and no other planner.
pytestmark = pytest.mark.areas("resources", "maintenance")

# NOW is 2026-12-01 08:00 UTC; the window below starts two days later at 10:00 UTC.
WINDOW = "schedule staging-1 2026-12-03 10:00 for 2h Database upgrade"


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _ops(slack: SlackApp) -> list[str]:
    return [c.params["text"] for c in posts_to(slack, "C_OPS") if "MNT-1" in c.params["text"]]


def test_reminders_start_and_finish_each_once(slack: SlackApp, frozen) -> None:
    slack.slash("/resource", "book staging-1 2026-12-03 11:00 for 3h", user="U_BOB")
    slack.slash("/resource", "book staging-1 2026-12-03 13:00 for 1h", user="U_CAROL")
    slack.slash("/maintenance", WINDOW)
    posts_to(slack, "U_BOB")  # drain the overlap DM
    steps = [
        (timedelta(hours=25, minutes=59), 0),  # 2026-12-02 09:59: nothing yet
        (timedelta(minutes=1), 1),  # 24h before
        (timedelta(hours=22, minutes=59), 1),
        (timedelta(minutes=1), 2),  # 1h before
        (timedelta(hours=1), 3),  # starting now
        (timedelta(hours=1, minutes=59), 3),
        (timedelta(minutes=1), 4),  # finished
        (timedelta(days=3), 4),
    ]
    for delta, expected in steps:
        frozen.tick(delta)
        tick(slack)
        tick(slack)
        assert len(_ops(slack)) == expected, (delta, _ops(slack))
    texts = _ops(slack)
    assert "starts in 1d" in texts[0] and "starts in 1h" in texts[1]
    assert "starting now" in texts[2] and "has finished" in texts[3]
    bob = [c.params["text"] for c in posts_to(slack, "U_BOB") if "starts in" in c.params["text"]]
    assert len(bob) == 2 and "overlaps your booking *BKG-1*" in bob[0]
    carol = [c for c in posts_to(slack, "U_CAROL") if "starts in" in c.params["text"]]
    assert carol == [], "Carol's booking starts after the window ends"


def test_cancel_removes_pending_reminders(slack: SlackApp, frozen) -> None:
    slack.slash("/maintenance", WINDOW)
    frozen.tick(timedelta(hours=26))  # the 24h reminder has gone out
    tick(slack)
    assert len(_ops(slack)) == 1
    slack.slash("/maintenance", "cancel 1")
    for _ in range(4):
        frozen.tick(timedelta(hours=12))
        tick(slack)
    texts = _ops(slack)
    assert len(texts) == 2 and "was cancelled" in texts[1]


def test_done_posts_finished_at_once_and_never_again(slack: SlackApp, frozen) -> None:
    slack.slash("/maintenance", "schedule room-a now for 2h Carpet")
    tick(slack)
    assert ["starting now" in t for t in _ops(slack)] == [True]
    frozen.tick(timedelta(minutes=30))
    slack.slash("/maintenance", "done 1")
    assert "has finished" in _ops(slack)[-1]
    frozen.tick(timedelta(hours=3))
    tick(slack)
    assert len(_ops(slack)) == 2


def test_daily_window_is_announced_every_day_once(slack: SlackApp, frozen) -> None:
    slack.slash("/maintenance", "schedule van today 12:00 for 30m every day Fuel")
    for _ in range(3 * 24):
        frozen.tick(timedelta(hours=1))
        tick(slack)
    starts = [t for t in _ops(slack) if "starting now" in t]
    finishes = [t for t in _ops(slack) if "has finished" in t]
    assert len(starts) == 3 and len(finishes) == 3
    # 1h reminders for each of the three days; 24h ones for the next three (the first day's
    # was due before the window was scheduled, so it is not sent late).
    assert len([t for t in _ops(slack) if "starts in 1h" in t]) == 3
    day_before = [t for t in _ops(slack) if "starts in 1d" in t]
    assert len(day_before) == 3 and "2026-12-04 13:00 CET" in day_before[-1]


@pytest.mark.postgres_only
def test_two_schedulers_send_each_notice_once(slack: SlackApp, frozen, sessions) -> None:
    slack.slash("/resource", "book staging-1 2026-12-03 10:00 for 1h", user="U_BOB")
    slack.slash("/maintenance", WINDOW)
    rt = slack.runtime
    others = [
        Dispatcher(
            sessions=sessions,
            messenger=rt.messenger,
            config=rt.config,
            now=rt.clock.now,
            registry=rt.registry,
        )
        for _ in range(3)
    ]
    for _ in range(60):
        frozen.tick(timedelta(hours=1))
        barrier = threading.Barrier(len(others))

        def sweep(d: Dispatcher, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            d.plan()
            d.run_due()

        threads = [threading.Thread(target=sweep, args=(d,)) for d in others]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    texts = _ops(slack)
    assert len(texts) == 4, texts  # 24h, 1h, starting, finished
    assert len([c for c in posts_to(slack, "U_BOB") if "starts in" in c.params["text"]]) == 2


def test_failed_owner_dm_retries_alone_and_channel_post_goes_once(
    slack: SlackApp, frozen, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.slash("/resource", "book staging-1 2026-12-03 10:00 for 1h", user="U_BOB")
    slack.slash("/resource", "book staging-1 2026-12-03 11:00 for 1h", user="U_CAROL")
    slack.slash("/maintenance", WINDOW)
    posts_to(slack, "U_BOB")
    messenger = slack.runtime.dispatcher.messenger
    real_dm = messenger.dm
    failures = {"U_BOB": 2}

    def flaky_dm(user_id: str, message, **how):  # type: ignore[no-untyped-def]
        if failures.get(user_id, 0) > 0:
            failures[user_id] -= 1
            raise RuntimeError("slack is down for Bob")
        return real_dm(user_id, message, **how)

    monkeypatch.setattr(messenger, "dm", flaky_dm)
    frozen.tick(timedelta(hours=26))  # the 24h reminder is due
    for _ in range(10):
        tick(slack)
        frozen.tick(timedelta(minutes=1))
    day_before = [t for t in _ops(slack) if "starts in 1d" in t]
    assert len(day_before) == 1, day_before
    bob = [c for c in posts_to(slack, "U_BOB") if "starts in 1d" in c.params["text"]]
    carol = [c for c in posts_to(slack, "U_CAROL") if "starts in 1d" in c.params["text"]]
    assert (len(bob), len(carol)) == (1, 1)
    assert failures["U_BOB"] == 0
