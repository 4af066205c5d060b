"""Every state change the scheduler or a removal makes leaves an audit record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from bot.maintenance import service as maintenance
from bot.resources import catalogue, service
from storage.audit import history
from storage.maintenance import MaintenanceWindow
from storage.models import Notice
from storage.resources import WaitEntry
from tests.scale import counting

NOW = "2026-12-01 08:00:00"
T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_scheduler_finishing_a_one_off_window_audits_done(runtime, unit, sessions) -> None:
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            window, _ = maintenance.schedule(ctx, "van", T + H, T + 2 * H, None, "Tyres")
        frozen.tick(2 * H + timedelta(minutes=1))
        runtime.dispatcher.plan()
        runtime.dispatcher.run_due()
    with sessions() as s:
        assert s.get(MaintenanceWindow, window.id).status == "done"
        done = [e for e in history(s, "maintenance", window.id) if e.action == "done"]
        assert len(done) == 1 and done[0].actor == "opsdesk"


def test_waiting_entry_that_can_no_longer_be_met_is_audited_expired(unit, sessions) -> None:
    with freeze_time(NOW) as frozen:
        with unit("U_ALICE") as ctx:
            held = service.book(ctx, "room-a", T + H, T + 3 * H)
        with unit("U_BOB") as ctx:
            entry = service.wait(ctx, "room-a", T + H, T + 2 * H)
        frozen.tick(2 * H)  # Bob's window is over
        with unit("U_ALICE") as ctx:
            service.release(ctx, held.id)
    with sessions() as s:
        assert s.get(WaitEntry, entry.id).status == "expired"
        actions = [e.action for e in history(s, "booking_wait", entry.id)]
        assert actions == ["waiting", "expired"]


def test_removing_a_resource_audits_and_tells_each_cancelled_waiter(
    runtime, messenger, unit, sessions
) -> None:
    with freeze_time(NOW):
        with unit("U_ALICE") as ctx:
            catalogue.ensure(ctx)
            catalogue.add_resource(ctx, "spare", "room", 1)
            service.book(ctx, "spare", T + H, T + 2 * H)
        for who in ("U_BOB", "U_CAROL"):
            with unit(who) as ctx:
                service.wait(ctx, "spare", T + H, T + 2 * H)
        with unit("U_ALICE") as ctx:
            catalogue.remove_resource(ctx, "spare")
        runtime.dispatcher.run_due()
    with sessions() as s:
        entries = s.scalars(select(WaitEntry).order_by(WaitEntry.id)).all()
        assert [e.status for e in entries] == ["cancelled", "cancelled"]
        for entry in entries:
            assert [e.action for e in history(s, "booking_wait", entry.id)] == [
                "waiting",
                "cancelled",
            ]
    told = {x.target: x.message.text for x in messenger.sent if x.method == "dm"}
    assert "spare" in told["U_BOB"] and "removed" in told["U_BOB"]
    assert "spare" in told["U_CAROL"]


def test_removing_a_resource_cancels_every_booking_and_wait_not_just_a_thousand(
    unit, sessions
) -> None:
    from sqlalchemy import func, insert

    from storage.resources import Booking

    many = 1001
    with freeze_time(NOW):
        with unit("U_ALICE") as ctx:
            catalogue.ensure(ctx)
            resource = catalogue.add_resource(ctx, "crowded", "desk", 1000)
            start = T + H
            common = {"resource_id": resource.id, "start": start, "created_at": ctx.now}
            ctx.session.execute(
                insert(Booking),
                [
                    {**common, "owner": f"U{i}", "end": start + H, "status": "active", "version": 1}
                    for i in range(many)
                ],
            )
            ctx.session.execute(
                insert(WaitEntry),
                [
                    {**common, "user_id": f"W{i}", "end": start + H, "status": "waiting"}
                    for i in range(many)
                ],
            )
        with unit("U_ALICE") as ctx, counting(sessions.kw["bind"]) as seen:
            _, cancelled = catalogue.remove_resource(ctx, "crowded")
    assert cancelled == many
    with sessions() as s:
        live = s.scalar(select(func.count()).select_from(Booking).where(Booking.status == "active"))
        waiting = s.scalar(
            select(func.count()).select_from(WaitEntry).where(WaitEntry.status == "waiting")
        )
        told = dict(
            s.execute(
                select(Notice.kind, func.count())
                .group_by(Notice.kind)
                .where(Notice.kind.in_(["booking.cancelled", "booking.wait_cancelled"]))
            ).all()
        )
    assert (live, waiting) == (0, 0)
    assert told == {"booking.cancelled": many, "booking.wait_cancelled": many}
    # Each owner told and each booking's reminders cancelled in a few statements (3,003 before).
    on_notices = [
        x for x in seen.statements if x.startswith(("INSERT INTO notices", "UPDATE notices"))
    ]
    assert len(on_notices) <= 15, len(
        on_notices
    )  # 13: 3 cancels and an INSERT a 500 bookings, an INSERT a 500 waits
