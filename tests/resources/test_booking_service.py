"""Service-level: concurrency on PostgreSQL, availability helpers, digest and Home sections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.errors import Conflict
from bot.resources import catalogue, service
from bot.resources import sections as resource_sections
from bot.resources.availability import peak
from storage.resources import Booking

NOW = "2026-12-01 08:00:00"
T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _race(unit, name: str, threads: int = 20) -> tuple[int, int]:
    barrier = threading.Barrier(threads)
    won: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            with unit(f"U_P{n}") as ctx:
                service.book(ctx, name, T, T + timedelta(hours=1))
            won.append(n)
        except Conflict as exc:
            refused.append(exc.message)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=attempt, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    return len(won), len(refused)


@pytest.mark.postgres_only
@pytest.mark.parametrize("capacity", [1, 3])
def test_twenty_simultaneous_bookings_respect_capacity(unit, sessions, capacity: int) -> None:
    with freeze_time(NOW):
        with unit("U_ALICE") as ctx:
            catalogue.ensure(ctx)
            catalogue.add_resource(ctx, "race", "room", capacity)
        won, refused = _race(unit, "race")
    assert (won, refused) == (capacity, 20 - capacity)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == capacity


def test_peak_counts_true_overlap_only() -> None:
    h = timedelta(hours=1)
    # Two bookings that touch but do not overlap each other never make a peak of two.
    assert peak([(T, T + h), (T + h, T + 2 * h)], T, T + 2 * h) == 1
    assert peak([(T, T + 2 * h), (T + h, T + 3 * h)], T, T + 3 * h) == 2
    assert peak([(T, T + h)], T + h, T + 2 * h) == 0


def test_digest_lists_todays_bookings_and_home_has_buttons(unit) -> None:
    from zoneinfo import ZoneInfo

    with freeze_time(NOW):
        with unit("U_BOB") as ctx:
            service.book(ctx, "room-a", T, T + timedelta(hours=1), "Retro")
            service.book(ctx, "room-b", T + timedelta(days=2), T + timedelta(days=2, hours=1))
        with unit("U_ALICE") as ctx:
            section = resource_sections.todays_bookings(ctx, T, ZoneInfo("Europe/Berlin"), 5)
            assert section is not None and section.total == 1
            assert "BKG-1" in section.lines[0] and "<@U_BOB>" in section.lines[0]
            home = resource_sections.my_bookings(ctx, "U_BOB")
            text = str(home)
            assert "BKG-1" in text and "BKG-2" in text
            assert "booking_extend" in text and "booking_release" in text
            assert "No bookings" in str(resource_sections.my_bookings(ctx, "U_CAROL"))
