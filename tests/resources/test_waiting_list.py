"""The waiting list: one wait per person and window, and a give-back never comes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.errors import UserError
from bot.resources import service
from storage.resources import Booking, WaitEntry

NOW = "2026-12-01 08:00:00"
T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen(unit) -> Iterator[object]:  # after the config is built: pydantic and freezegun
    with freeze_time(NOW) as f:
        yield f


def test_second_overlapping_wait_by_the_same_person_is_refused(unit, sessions) -> None:
    with unit("U_ALICE") as ctx:
        service.book(ctx, "room-a", T, T + 2 * H)
    with unit("U_BOB") as ctx:
        service.wait(ctx, "room-a", T, T + H)
    with pytest.raises(UserError, match="already on the waiting list"), unit("U_BOB") as ctx:
        service.wait(ctx, "room-a", T + H / 2, T + 3 * H / 2)
    with unit("U_CAROL") as ctx:  # someone else may still wait for it
        service.wait(ctx, "room-a", T, T + H)
    with unit("U_BOB") as ctx:  # and Bob for a window that does not overlap his first
        service.wait(ctx, "room-a", T + H, T + 2 * H)
    with sessions() as s:
        waits = s.scalars(select(WaitEntry.user_id).order_by(WaitEntry.id)).all()
    assert waits == ["U_BOB", "U_CAROL", "U_BOB"]


def test_wait_refused_when_you_already_hold_the_resource_then(unit) -> None:
    with unit("U_ALICE") as ctx:
        booking = service.book(ctx, "room-a", T, T + H)
    refused = f"already have {service.ref(booking.id)}"
    with pytest.raises(UserError, match=refused), unit("U_ALICE") as ctx:
        service.wait(ctx, "room-a", T + H / 2, T + H)


def test_give_back_does_not_rebook_the_giver(unit, sessions) -> None:
    with unit("U_ALICE") as ctx:
        first = service.book(ctx, "room-a", T, T + H)
    # Duplicate waits by one person, as the waiting list allowed before it refused them.
    with unit("U_BOB") as ctx:
        for _ in range(2):
            ctx.session.add(
                WaitEntry(
                    resource_id=first.resource_id,
                    user_id="U_BOB",
                    start=T,
                    end=T + H,
                    status="waiting",
                    created_at=ctx.now,
                )
            )
    with unit("U_CAROL") as ctx:
        service.wait(ctx, "room-a", T, T + H)
    with unit("U_ALICE") as ctx:
        service.release(ctx, first.id)
    with unit("U_BOB") as ctx:
        promoted = ctx.session.scalars(select(Booking).where(Booking.owner == "U_BOB")).one()
        service.release(ctx, promoted.id)  # "Give it back"
    with sessions() as s:
        live = s.scalars(select(Booking).where(Booking.status == "active")).all()
    assert [b.owner for b in live] == ["U_CAROL"]
