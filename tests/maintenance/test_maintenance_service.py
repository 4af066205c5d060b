"""Service level: the planner is idempotent, the digest section, done on a recurring window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.errors import Conflict
from bot.maintenance import notices as maintenance_notices
from bot.maintenance import sections, service
from bot.resources import service as bookings
from storage.models import Notice

NOW = "2026-12-01 08:00:00"
T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _notices(sessions) -> int:
    with sessions() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(Notice)
                .where(Notice.kind.startswith("maintenance."))
            )
            or 0
        )


def test_planner_writes_each_notice_once(unit, sessions) -> None:
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            maintenance_notices.plan_upcoming(ctx)
        assert _notices(sessions) == 0, "nothing planned without windows"
        with unit() as ctx:
            service.schedule(ctx, "room-a", T, T + timedelta(hours=1), "day", "Sweep")
        first = _notices(sessions)
        # Today's: 1h reminder, start, finish; tomorrow's: 24h, 1h, start, finish.
        assert first == 7
        for _ in range(3):
            with unit() as ctx:
                maintenance_notices.plan_upcoming(ctx)
        assert _notices(sessions) == first
        frozen.tick(timedelta(days=1))
        with unit() as ctx:
            maintenance_notices.plan_upcoming(ctx)
        assert _notices(sessions) == first + 4, "one more day comes into the horizon"


def test_digest_shows_the_next_24_hours(unit) -> None:
    with freeze_time(NOW):
        with unit() as ctx:
            service.schedule(ctx, "van", T, T + timedelta(hours=1), "day", "Fuel")
            service.schedule(
                ctx, "room-b", T + timedelta(days=3), T + timedelta(days=3, hours=1), None, "Later"
            )
        with unit() as ctx:
            section = sections.next_day(ctx, T, ZoneInfo("UTC"), 10)
    assert section is not None and section.total == 1
    assert "MNT-1" in section.lines[0] and "Fuel" in section.lines[0]


def test_done_on_a_recurring_window_ends_only_todays_occurrence(unit) -> None:
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            window, _ = service.schedule(ctx, "van", T, T + timedelta(hours=2), "day", "Wash")
        frozen.move_to("2026-12-01 10:30:00")
        with unit() as ctx:
            service.done(ctx, window.id)
        with unit("U_BOB") as ctx:
            booked = bookings.book(
                ctx, "van", ctx.now, ctx.now + timedelta(hours=1), starts_now=True
            )
            assert booked.id == 1
        with unit("U_BOB") as ctx:
            tomorrow = T + timedelta(days=1)
            with pytest.raises(Conflict, match="MNT-1"):
                bookings.book(ctx, "van", tomorrow, tomorrow + timedelta(minutes=30))


def test_digest_flags_bookings_that_clash_with_maintenance(unit) -> None:
    from bot.resources import sections as resource_sections

    with freeze_time(NOW):
        with unit("U_BOB") as ctx:
            bookings.book(ctx, "room-a", T, T + timedelta(hours=1))
            bookings.book(ctx, "room-b", T, T + timedelta(hours=1))
        with unit() as ctx:
            _, clashes = service.schedule(
                ctx, "room-a", T + timedelta(minutes=30), T + timedelta(hours=2), None, "Paint"
            )
            assert [b.id for b in clashes] == [1]
        with unit() as ctx:
            section = resource_sections.todays_bookings(ctx, T, ZoneInfo("UTC"), 10)
    assert section is not None and section.total == 2
    flagged = [line for line in section.lines if "clashes with MNT-1" in line]
    assert len(flagged) == 1 and "BKG-1" in flagged[0]


def test_extend_is_refused_into_maintenance_and_everything_is_audited(unit, sessions) -> None:
    from storage.audit import history

    with freeze_time(NOW):
        with unit("U_BOB") as ctx:
            booking = bookings.book(ctx, "van", T, T + timedelta(hours=1))
        with unit() as ctx:
            window, _ = service.schedule(
                ctx, "van", T + timedelta(hours=1, minutes=30), T + timedelta(hours=3), None, "Oil"
            )
        with unit("U_BOB") as ctx, pytest.raises(Conflict, match="MNT-1"):
            bookings.extend(ctx, booking.id, timedelta(hours=1))
        with unit("U_BOB") as ctx:
            bookings.extend(ctx, booking.id, timedelta(minutes=30))
        with unit() as ctx:
            service.cancel(ctx, window.id)
        with sessions() as s:
            assert [e.action for e in history(s, "booking", booking.id)] == ["booked", "extended"]
            assert [e.action for e in history(s, "maintenance", window.id)] == [
                "scheduled",
                "cancelled",
            ]


@pytest.mark.parametrize("every", [None, "day"])
def test_done_that_loses_to_a_cancel_is_refused_and_not_audited(
    unit, sessions, config, registry, every
) -> None:
    """The window was read as scheduled, then cancelled by someone else before `done` wrote."""
    from bot.context import Actor, Ctx
    from bot.tz import zone
    from storage.audit import history
    from storage.maintenance import MaintenanceWindow

    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            window, _ = service.schedule(ctx, "van", T, T + timedelta(hours=2), every, "Wash")
        frozen.move_to("2026-12-01 10:30:00")
        slow = sessions()  # a request that read the window a moment before the cancel
        try:
            ctx = Ctx(
                slow, datetime.now(UTC), config, Actor("U_ALICE", zone("UTC"), True), registry
            )
            read = service.get(ctx, window.id)  # held, as done() holds it between its steps
            assert read.is_scheduled
            slow.commit()
            with unit() as other:
                service.cancel(other, window.id)
            with pytest.raises(Conflict, match="MNT-1 is already cancelled"):
                service.done(ctx, window.id)
        finally:
            slow.rollback()
            slow.close()
    with sessions() as s:
        assert s.get(MaintenanceWindow, window.id).status == "cancelled"
        assert s.get(MaintenanceWindow, window.id).done_at is None
        assert [e.action for e in history(s, "maintenance", window.id)] == [
            "scheduled",
            "cancelled",
        ]


def test_two_dones_on_a_recurring_window_end_its_occurrence_once(
    unit, sessions, config, registry
) -> None:
    from bot.context import Actor, Ctx
    from bot.tz import zone
    from storage.audit import history

    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            window, _ = service.schedule(ctx, "van", T, T + timedelta(hours=2), "day", "Wash")
        frozen.move_to("2026-12-01 10:30:00")
        slow = sessions()
        try:
            ctx = Ctx(
                slow, datetime.now(UTC), config, Actor("U_ALICE", zone("UTC"), True), registry
            )
            read = service.get(ctx, window.id)  # held, as done() holds it
            assert read.done_occurrence is None
            slow.commit()
            with unit() as other:
                service.done(other, window.id)
            with pytest.raises(Conflict, match="MNT-1 was just marked done by someone else"):
                service.done(ctx, window.id)
        finally:
            slow.rollback()
            slow.close()
    with sessions() as s:
        assert [e.action for e in history(s, "maintenance", window.id)] == ["scheduled", "done"]
