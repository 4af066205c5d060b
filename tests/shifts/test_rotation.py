"""Computed shifts: hand-offs at local wall time across DST, overrides winning their window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.shifts.rotation import Cover, Schedule
from tests.shifts.helpers import MINUTE, local, rotation, utc


@pytest.mark.parametrize(
    ("tz", "start", "days"),
    [
        # EU: clocks go back on 2026-10-25 and forward on 2027-03-28 (last Sundays).
        (
            "Europe/Berlin",
            "2026-10-19 09:00",
            ["2026-10-19", "2026-10-26", "2027-03-22", "2027-03-29"],
        ),
        # US: back on 2026-11-01, forward on 2027-03-14.
        (
            "America/New_York",
            "2026-10-26 09:00",
            ["2026-10-26", "2026-11-02", "2027-03-08", "2027-03-15"],
        ),
    ],
)
def test_weekly_handoff_stays_at_nine_local_across_dst(tz, start, days):
    sched = Schedule(rotation(start=start, tz=tz))
    for day in days:
        at = utc(f"{day} 09:00", tz)
        k = sched.index_at(at)
        assert k is not None and local(sched.handoff(k), tz) == f"{day} 09:00"
        assert sched.index_at(at - MINUTE) == k - 1 if k else sched.index_at(at - MINUTE) is None
    # The shift that spans the autumn change lasts 7 days and 1 hour of elapsed time.
    k = sched.index_at(utc(f"{days[0]} 09:00", tz))
    assert sched.handoff(k + 1) - sched.handoff(k) == timedelta(days=7, hours=1)
    k = sched.index_at(utc(f"{days[2]} 09:00", tz))
    assert sched.handoff(k + 1) - sched.handoff(k) == timedelta(days=6, hours=23)


def test_members_take_turns_and_nobody_is_on_call_before_the_start():
    sched = Schedule(rotation())  # the example: weekly from Mon 2026-11-30 09:00 Berlin
    first = utc("2026-11-30 09:00", "Europe/Berlin")
    assert sched.who(first - MINUTE) is None
    assert [sched.who(first + timedelta(weeks=w)) for w in range(4)] == [
        "U_ALICE",
        "U_BOB",
        "U_CAROL",
        "U_ALICE",
    ]


def test_twelve_hour_shifts_keep_local_times_across_the_autumn_change():
    sched = Schedule(rotation(start="2026-10-24 09:00", length="12h"))
    starts = [local(sched.handoff(k), "Europe/Berlin") for k in range(6)]
    assert starts == [
        "2026-10-24 09:00",
        "2026-10-24 21:00",
        "2026-10-25 09:00",  # 13 hours after the previous one: clocks went back at 03:00
        "2026-10-25 21:00",
        "2026-10-26 09:00",
        "2026-10-26 21:00",
    ]
    assert sched.handoff(2) - sched.handoff(1) == timedelta(hours=13)


def test_handoff_in_the_skipped_hour_moves_forward_by_the_gap():
    # Hourly from 00:00: the 02:00 hand-off of 2027-03-28 does not exist in Berlin.
    sched = Schedule(rotation(start="2027-03-28 00:00", length="1h"))
    assert local(sched.handoff(2), "Europe/Berlin") == "2027-03-28 03:00"
    assert sched.handoff(2) == sched.handoff(3)  # the 02:00 shift is empty
    segs = sched.segments(
        utc("2027-03-28 00:00", "Europe/Berlin"), utc("2027-03-28 05:00", "Europe/Berlin")
    )
    assert all(s.end > s.start for s in segs)
    assert [s.slot for s in segs] == [0, 1, 3, 4]  # shift 2 lasted no time at all


def test_handoff_in_the_repeated_hour_happens_once_at_its_first_occurrence():
    sched = Schedule(rotation(start="2026-10-25 00:00", length="1h"))
    # 02:00 happens twice; the hand-off is at the first (summer time, 00:00 UTC).
    assert sched.handoff(2).isoformat() == "2026-10-25T00:00:00+00:00"
    assert sched.handoff(3) - sched.handoff(2) == timedelta(hours=2)


def test_newest_override_wins_its_window_only():
    sched0 = Schedule(rotation())
    t = utc("2026-12-02 12:00", "Europe/Berlin")
    covers = [
        Cover(1, "U_BOB", t, t + timedelta(hours=4)),
        Cover(2, "U_CAROL", t + timedelta(hours=1), t + timedelta(hours=2)),
    ]
    sched = Schedule(sched0.rot, covers)
    assert sched.who(t - MINUTE) == "U_ALICE"
    assert sched.who(t) == "U_BOB"
    assert sched.who(t + timedelta(hours=1)) == "U_CAROL"
    assert sched.who(t + timedelta(hours=2)) == "U_BOB"
    assert sched.who(t + timedelta(hours=4)) == "U_ALICE"
    segs = sched.segments(t - timedelta(hours=1), t + timedelta(hours=5))
    assert [s.user for s in segs] == ["U_ALICE", "U_BOB", "U_CAROL", "U_BOB", "U_ALICE"]
    assert sched.run_end(t, t + timedelta(days=30)) == t + timedelta(hours=1)


def test_changes_are_the_shift_starts_in_a_window():
    sched = Schedule(rotation())
    start = utc("2026-12-07 07:00", "Europe/Berlin")
    changes = sched.changes(start, start + timedelta(hours=3))
    assert [(s.user, local(s.start, "Europe/Berlin")) for s in changes] == [
        ("U_BOB", "2026-12-07 09:00")
    ]
    assert sched.changes(start, start + timedelta(hours=1)) == []
