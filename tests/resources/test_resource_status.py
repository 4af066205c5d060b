"""`/resource status` counts a busy week with one COUNT, never by loading the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import event

from bot.resources import catalogue, views
from storage.resources import Booking

NOW = "2026-12-01 08:00:00"
T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_status_counts_without_loading_every_booking(unit) -> None:
    with freeze_time(NOW):
        with unit("U_ALICE") as ctx:
            catalogue.ensure(ctx)
            catalogue.add_resource(ctx, "busy", "room", 1)
            resource = catalogue.find(ctx, "busy")
            for i in range(views.STATUS_LIMIT + 15):
                start = T + timedelta(hours=i)
                ctx.session.add(
                    Booking(
                        resource_id=resource.id,
                        owner="U_BOB",
                        start=start,
                        end=start + timedelta(minutes=30),
                        status="active",
                        version=1,
                        created_at=ctx.now,
                    )
                )
        loaded: list[object] = []

        def on_load(target: object, _context: object) -> None:
            loaded.append(target)

        event.listen(Booking, "load", on_load)
        try:
            with unit("U_ALICE") as ctx:
                message = views.status(ctx, "busy")
        finally:
            event.remove(Booking, "load", on_load)
    shown = f"Showing {views.STATUS_LIMIT} of {views.STATUS_LIMIT + 15} bookings."
    assert shown in str(message.blocks)
    assert len(loaded) <= views.STATUS_LIMIT, len(loaded)
