"""Time off as services: the rotation skips whoever is away, hands their shifts to the next free
member (or tells the channel and the admins at once), and a cancel undoes what had not started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot import oncall
from bot.errors import Forbidden, NotFound, UserError
from bot.scheduler import Scheduler
from bot.shifts import away, service
from storage import shifts as shift_repo
from tests.shifts.changes_helpers import acting, audit_actions, dms, of
from tests.shifts.helpers import utc

NOW = "2026-12-02 11:00:00"  # week 1: U_ALICE; Mon 7th - Mon 14th: U_BOB; then U_CAROL
BERLIN = "Europe/Berlin"
TUE, THU = utc("2026-12-08 00:00", BERLIN), utc("2026-12-10 00:00", BERLIN)


def _on_call(runtime, when: str) -> list[str]:
    with freeze_time(when), acting(runtime, "U_ALICE") as ctx:
        return oncall.on_call(ctx)


def _away(runtime, actor: str, start, end, user: str | None = None) -> away.Planned:
    with acting(runtime, actor) as ctx:
        return away.record(ctx, user, start, end)


@freeze_time(NOW)
def test_an_away_hands_the_shift_to_the_next_member_and_says_so(runtime, messenger):
    planned = _away(runtime, "U_BOB", TUE, THU)
    (cover,) = planned.covered
    assert (cover.user_id, cover.kind, cover.replaces) == ("U_CAROL", "away", "U_BOB")
    assert (cover.starts_at, cover.ends_at) == (TUE, THU) and planned.uncovered == []
    assert _on_call(runtime, "2026-12-09 12:00:00") == ["U_CAROL"]
    assert _on_call(runtime, "2026-12-07 12:00:00") == ["U_BOB"]  # before the time off
    assert _on_call(runtime, "2026-12-11 12:00:00") == ["U_BOB"]  # and after it
    (post,) = of(messenger, "post", "C_ONCALL")
    assert "<@U_BOB> is away" in post.message.text and "→ <@U_CAROL>" in post.message.text
    assert any("You cover <@U_BOB>'s time off" in t for t in dms(messenger, "U_CAROL"))
    assert dms(messenger, "U_ALICE") == []  # covered: the admins need not hear of it
    assert audit_actions(runtime, "shift_away") == ["away.recorded", "away.planned"]
    assert audit_actions(runtime, "shift") == ["override.away"]
    with acting(runtime, "U_ALICE") as ctx:  # who is on call, the list and next all see it
        segs, _ = service.shifts_between(ctx, ctx.config.rotations[0], 14)
        assert any(s.user == "U_CAROL" and s.start == TUE for s in segs)


@freeze_time(NOW)
def test_the_next_member_who_is_away_too_is_skipped(runtime, messenger):
    _away(runtime, "U_CAROL", TUE - timedelta(days=1), THU + timedelta(days=1))
    planned = _away(runtime, "U_BOB", TUE, THU)
    assert [o.user_id for o in planned.covered] == ["U_ALICE"]


@freeze_time(NOW)
def test_with_nobody_free_the_channel_and_the_admins_are_told_at_once(runtime, messenger):
    _away(runtime, "U_CAROL", TUE, THU)
    _away(runtime, "U_ALICE", TUE, THU)
    messenger.sent.clear()
    planned = _away(runtime, "U_BOB", TUE, THU)
    assert planned.covered == [] and [(a, b) for _, a, b in planned.uncovered] == [(TUE, THU)]
    (post,) = of(messenger, "post", "C_ONCALL")
    assert "Nobody is free to cover" in post.message.text
    assert any("Nobody is free to cover" in t for t in dms(messenger, "U_ALICE"))  # the admin
    assert _on_call(runtime, "2026-12-09 12:00:00") == ["U_BOB"]  # nobody took it


@freeze_time(NOW)
def test_an_away_across_two_shifts_covers_each_part(runtime, messenger):
    start, end = utc("2026-12-12 00:00", BERLIN), utc("2026-12-16 00:00", BERLIN)
    planned = _away(runtime, "U_BOB", start, end)  # Bob's Sat-Mon; Carol's week is not his
    assert [(o.user_id, o.starts_at, o.ends_at) for o in planned.covered] == [
        ("U_CAROL", start, utc("2026-12-14 09:00", BERLIN))
    ]
    planned = _away(runtime, "U_CAROL", utc("2026-12-13 00:00", BERLIN), end)
    assert [(o.user_id, o.starts_at) for o in planned.covered] == [
        ("U_ALICE", utc("2026-12-13 00:00", BERLIN)),  # the part Carol took over from Bob
        ("U_ALICE", utc("2026-12-14 09:00", BERLIN)),  # her own shift
    ]


def test_cancel_undoes_the_overrides_not_started_and_keeps_the_one_under_way(runtime, messenger):
    with freeze_time(NOW):
        _away(runtime, "U_BOB", TUE, utc("2026-12-16 00:00", BERLIN))  # also Carol's week: none
        _away(runtime, "U_ALICE", utc("2026-12-20 00:00", BERLIN), utc("2026-12-22 00:00", BERLIN))
    with freeze_time("2026-12-09 12:00:00"):
        with acting(runtime, "U_BOB") as ctx:
            (planned_id,) = [a.id for a in away.listing(ctx)]
        messenger.sent.clear()
        with acting(runtime, "U_BOB") as ctx:
            done = away.cancel(ctx, planned_id)
        assert done.undone == [] and [o.user_id for o in done.kept] == ["U_CAROL"]
    with freeze_time("2026-12-19 12:00:00"):
        messenger.sent.clear()
        with acting(runtime, "U_ALICE") as ctx:
            listed = away.listing(ctx)
            done = away.cancel(ctx, listed[0].id)
        (undone,) = done.undone
        assert undone.user_id == "U_BOB"  # who was to cover Alice's Monday 21st
        with acting(runtime, "U_ALICE") as ctx:
            assert shift_repo.overrides_for_away(ctx.session, listed[0].id) == []
        assert "go back to them" in of(messenger, "post", "C_ONCALL")[0].message.text
        assert any("you no longer cover" in t for t in dms(messenger, "U_BOB"))
    assert _on_call(runtime, "2026-12-21 12:00:00") == ["U_ALICE"]
    assert audit_actions(runtime, "shift_away").count("away.cancelled") == 2


@freeze_time(NOW)
def test_the_list_is_yours_and_an_admin_sees_everyones(runtime, messenger):
    with acting(runtime, "U_BOB") as ctx:
        assert away.listing(ctx) == []
    _away(runtime, "U_BOB", TUE, THU)
    _away(runtime, "U_ALICE", TUE, THU, user="U_CAROL")  # an admin, for someone else
    with acting(runtime, "U_BOB") as ctx:
        assert [a.user_id for a in away.listing(ctx)] == ["U_BOB"]
    with acting(runtime, "U_ALICE") as ctx:
        assert sorted(a.user_id for a in away.listing(ctx)) == ["U_BOB", "U_CAROL"]
    with freeze_time("2026-12-11 00:00:00"), acting(runtime, "U_ALICE") as ctx:
        assert away.listing(ctx) == []  # over: neither current nor upcoming


H = timedelta(hours=1)


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("actor", "user", "start", "end", "error", "message"),
    [
        ("U_BOB", None, 30, 20, UserError, "must end after it starts"),
        ("U_BOB", None, -30, -20, UserError, "already over"),
        ("U_BOB", None, 1, 24 * 100, UserError, "at most 90 days"),
        ("U_BOB", "U_CAROL", 1, 20, Forbidden, "Only admins can record time off for someone"),
        ("U_DAVE", None, 1, 20, UserError, "<@U_DAVE> is in no rotation"),
    ],
)
def test_bad_time_off_is_refused_and_records_nothing(
    runtime, actor, user, start, end, error, message
):
    with pytest.raises(error, match=message), acting(runtime, actor) as ctx:
        away.record(ctx, user, ctx.now + start * H, ctx.now + end * H)
    assert audit_actions(runtime, "shift_away") == []


@freeze_time(NOW)
def test_overlapping_time_off_and_bad_cancels_are_refused(runtime):
    planned = _away(runtime, "U_BOB", TUE, THU)
    ref = f"AWY-{planned.away.id}"
    with (
        pytest.raises(UserError, match=f"already away then \\({ref}\\)"),
        acting(runtime, "U_BOB") as ctx,
    ):
        away.record(ctx, None, TUE + H, THU + H)
    with pytest.raises(NotFound, match="no time off AWY-99"), acting(runtime, "U_BOB") as ctx:
        away.cancel(ctx, 99)
    with (
        pytest.raises(Forbidden, match="Only <@U_BOB> or an admin"),
        acting(runtime, "U_CAROL") as ctx,
    ):
        away.cancel(ctx, planned.away.id)
    with acting(runtime, "U_BOB") as ctx:
        away.cancel(ctx, planned.away.id)
    with pytest.raises(UserError, match="already cancelled"), acting(runtime, "U_ALICE") as ctx:
        away.cancel(ctx, planned.away.id)
    done = _away(runtime, "U_BOB", TUE, THU)  # cancelled: the window is free again
    later = freeze_time("2026-12-12 00:00:00")
    with later, pytest.raises(UserError, match="already over"), acting(runtime, "U_BOB") as ctx:
        away.cancel(ctx, done.away.id)


def test_the_reminder_and_the_hand_off_go_to_the_substitute(runtime, messenger):
    scheduler = Scheduler(runtime)
    with freeze_time(NOW):
        scheduler.tick()  # the rotation's snapshot: Alice on call
        _away(runtime, "U_BOB", utc("2026-12-06 00:00", BERLIN), utc("2026-12-09 00:00", BERLIN))
    messenger.sent.clear()
    with freeze_time(utc("2026-12-07 08:05", BERLIN)):
        scheduler.tick()
    reminders = [s.target for s in messenger.of("dm") if "*primary*" in s.message.text]
    assert reminders == ["U_CAROL"]
    with freeze_time(utc("2026-12-07 09:00", BERLIN)):
        scheduler.tick()
    (handoff,) = [s.message.text for s in of(messenger, "post", "C_ONCALL")]
    assert "<@U_CAROL> is now on call (override)" in handoff and "<@U_ALICE>" in handoff
    with freeze_time(utc("2026-12-09 00:00", BERLIN)):
        scheduler.tick()
    assert "<@U_BOB> is now on call" in of(messenger, "post", "C_ONCALL")[-1].message.text
