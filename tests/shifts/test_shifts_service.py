"""Overrides, swaps, the on-call provider, and the digest and Home sections, as services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot import oncall
from bot.console.plain import mrkdwn_to_text
from bot.errors import Forbidden, NotFound, UserError
from bot.shifts import sections, service
from bot.tz import zone
from storage import shifts as repo
from storage.models import AuditEvent
from storage.shifts import ShiftOverride
from tests.shifts.helpers import utc

NOW = "2026-12-02 11:00:00"  # Wed, week 1 of the example rotation: U_ALICE is on call
BERLIN = zone("Europe/Berlin")
HOUR = timedelta(hours=1)


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@freeze_time(NOW)
def test_add_override_wins_and_is_audited(unit, sessions):
    with unit("U_BOB") as ctx:
        override = service.add_override(ctx, "U_BOB", ctx.now, ctx.now + timedelta(hours=2), None)
    with unit() as ctx:
        assert oncall.on_call(ctx) == ["U_BOB"]
        assert oncall.on_call(ctx, "primary") == ["U_BOB"]
    with sessions() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.entity == "shift")).one()
    assert (audit.entity_id, audit.action, audit.actor) == (override.id, "override.add", "U_BOB")
    assert audit.data["user"] == "U_BOB" and audit.data["rotation"] == "primary"


@freeze_time(NOW)
def test_of_overlapping_overrides_the_newest_wins(unit):
    for who in ("U_CAROL", "U_BOB", "U_CAROL", "U_CAROL", "U_BOB"):  # the newest: U_BOB
        with unit() as ctx:
            service.add_override(ctx, who, ctx.now, ctx.now + timedelta(hours=2), None)
    with unit() as ctx:
        assert service.people_on_call(ctx) == ["U_BOB"]
        oc = service.on_call(ctx, ctx.config.rotations[0])
        assert oc.now.user == "U_BOB" and oc.now.first.cover is not None
        assert len(repo.overrides_between(ctx.session, "primary", ctx.now, ctx.now + HOUR)) == 5


@freeze_time(NOW)
def test_provider_answers_from_the_rotation_and_falls_back_to_admins(unit, config):
    with unit() as ctx:
        assert oncall.on_call(ctx) == ["U_ALICE"]
        assert oncall.on_call(ctx, "nosuch") == config.admins  # unknown rotation: the admins
    with freeze_time("2026-11-29 12:00:00"), unit() as ctx:  # before the first hand-off
        assert service.people_on_call(ctx) == []
        assert oncall.on_call(ctx) == config.admins


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("actor", "user", "start", "end", "rotation", "error", "message"),
    [
        ("U_ALICE", "U_BOB", 2, 1, None, UserError, "must end after it starts"),
        ("U_ALICE", "U_BOB", -3, -1, None, UserError, "already over"),
        ("U_ALICE", "U_BOB", 1, 24 * 100, None, UserError, "at most 90 days"),
        ("U_ALICE", "U_ZED", 1, 2, None, UserError, "<@U_ZED> is not in the primary rotation"),
        ("U_DAVE", "U_BOB", 1, 2, None, Forbidden, "Only members of the primary rotation"),
        ("U_ALICE", "U_BOB", 1, 2, "nosuch", NotFound, "no rotation called `nosuch`"),
    ],
)
def test_bad_overrides_are_refused_and_change_nothing(
    unit, sessions, actor, user, start, end, rotation, error, message
):
    with pytest.raises(error) as exc, unit(actor) as ctx:
        hours = timedelta(hours=1)
        service.add_override(ctx, user, ctx.now + start * hours, ctx.now + end * hours, rotation)
    assert message in exc.value.message
    assert _count(sessions, ShiftOverride) == 0 and _count(sessions, AuditEvent) == 0


@freeze_time(NOW)
def test_swap_hands_the_rest_of_a_shift_over(unit, sessions):
    with unit() as ctx:
        slots = repo.slot_ids(ctx.session, "primary", [0, 1])
    with unit("U_BOB") as ctx:  # a member swaps the current shift (U_ALICE's) to U_CAROL
        override, holder = service.swap(ctx, slots[0], "U_CAROL")
    assert holder == "U_ALICE" and override.kind == "swap"
    assert override.starts_at == utc("2026-12-02 12:00", "Europe/Berlin")  # from now on
    assert override.ends_at == utc("2026-12-07 09:00", "Europe/Berlin")
    with unit() as ctx:
        assert oncall.on_call(ctx) == ["U_CAROL"]
        with pytest.raises(UserError, match="already has"):
            service.swap(ctx, slots[0], "U_CAROL")
        with pytest.raises(NotFound, match="no shift SHF-99"):
            service.swap(ctx, 99, "U_CAROL")
    later = freeze_time("2026-12-08 10:00:00")
    with later, unit() as ctx, pytest.raises(UserError, match="is already over"):
        service.swap(ctx, slots[0], "U_BOB")
    assert _count(sessions, ShiftOverride) == 1


@freeze_time(NOW)
def test_slot_ids_are_stable(unit):
    with unit() as ctx:
        first = repo.slot_ids(ctx.session, "primary", [3, 1, 2])
    with unit() as ctx:
        again = repo.slot_ids(ctx.session, "primary", [2, 3, 4])
    assert again[2] == first[2] and again[3] == first[3] and again[4] not in first.values()


@freeze_time(NOW)
def test_digest_section_names_now_and_next(unit):
    with unit() as ctx:
        section = sections.on_call(ctx, ctx.now - timedelta(days=1), BERLIN, 5)
    assert section is not None and section.title == "On call" and section.total == 1
    line = mrkdwn_to_text(section.lines[0])
    assert "primary" in line and "U_ALICE" in section.lines[0] and "U_BOB" in section.lines[0]
    assert "until Mon 2026-12-07 09:00" in line


@freeze_time(NOW)
def test_home_section_shows_the_viewers_next_shift(unit):
    with unit("U_CAROL") as ctx:
        carol = str(sections.my_next_shift(ctx, "U_CAROL"))
        alice = str(sections.my_next_shift(ctx, "U_ALICE"))
        dave = str(sections.my_next_shift(ctx, "U_DAVE"))
    assert "from <!date^" in carol and "Mon 2026-12-14 08:00 UTC" in carol
    assert "you are on call now" in alice
    assert "No on-call shifts for you" in dave


@freeze_time("2026-12-02 11:00:42.5")
def test_a_swap_of_the_shift_under_way_starts_on_a_whole_minute(unit):
    with unit() as ctx:
        slots = repo.slot_ids(ctx.session, "primary", [0])
    with unit("U_BOB") as ctx:
        override, _ = service.swap(ctx, slots[0], "U_CAROL")
    assert override.starts_at == utc("2026-12-02 12:00", "Europe/Berlin")


@freeze_time(NOW)
def test_shift_ids_follow_the_order_of_the_shifts(unit):
    with unit() as ctx:
        early = repo.slot_ids(ctx.session, "primary", [0, 3])
    with unit() as ctx:
        later = repo.slot_ids(ctx.session, "primary", [1, 5])
    with unit() as ctx:
        every = repo.slot_ids(ctx.session, "primary", range(7))
    assert early == {0: every[0], 3: every[3]} and later == {1: every[1], 5: every[5]}
    first = every[0]
    assert [every[i] for i in range(7)] == list(range(first, first + 7))
