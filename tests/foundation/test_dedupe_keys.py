"""Dedupe keys: every prefix an area cancels by is a real prefix of keys that area writes.

A cancel by a prefix that no longer matches (a key part renamed on one side only) cancels
nothing and says nothing: reminders keep coming for a resolved incident. So the flows that
cancel run here against the database, and each cancel must have withdrawn something.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.digests import keys as digest_keys
from bot.digests import notices as digest_notices
from bot.digests import service as digests
from bot.incidents import keys as incident_keys
from bot.incidents import service as incidents
from bot.maintenance import keys as maintenance_keys
from bot.maintenance import service as maintenance
from bot.purchases import keys as purchase_keys
from bot.purchases import service as purchases
from bot.resources import catalogue
from bot.resources import keys as booking_keys
from bot.resources import service as bookings
from bot.shifts import keys as shift_keys
from storage import notices as queue
from storage.models import Notice

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("prefix", "key"),
    [
        (incident_keys.incident(7), incident_keys.announce(7)),
        (incident_keys.incident(7), incident_keys.refresh(7, 3)),
        (incident_keys.followups(7, 1), incident_keys.remind(7, 1, 4)),
        (incident_keys.followups(7, 1), incident_keys.escalate(7, 1)),
        (incident_keys.escalate(7, 1), incident_keys.page(7, 1, 3, 2, 0)),
        (purchase_keys.waiting(5), purchase_keys.expire(5)),
        (purchase_keys.waiting(5), purchase_keys.ask(5, 1, "U_BOB")),
        (purchase_keys.step_waiting(5, 1), purchase_keys.ask(5, 1, "U_BOB")),
        (purchase_keys.step_waiting(5, 1), purchase_keys.remind(5, 1, "U_BOB", 2)),
        (booking_keys.booking(3), booking_keys.remind_end(3, 2)),
        (booking_keys.booking(3), booking_keys.promoted(3)),
        (booking_keys.version(3, 2), booking_keys.end(3, 2)),
        (maintenance_keys.window(4), maintenance_keys.finish(4, START)),
        (maintenance_keys.window(4), maintenance_keys.overlap(4, 9)),
        (maintenance_keys.occurrence(4, START), maintenance_keys.remind_owner(4, START, 60, "U")),
        (digest_keys.channel("C_OPS"), digest_keys.digest("C_OPS", "2026-12-02")),
        (shift_keys.rotation("ops"), shift_keys.handoff("ops", 2, "U_BOB")),
    ],
)
def test_a_prefix_covers_the_keys_it_is_meant_to(prefix: str, key: str) -> None:
    assert key.startswith(prefix)


@pytest.mark.parametrize(
    ("prefix", "key"),
    [
        (incident_keys.incident(7), incident_keys.announce(70)),
        (incident_keys.followups(7, 1), incident_keys.remind(7, 10, 1)),
        (incident_keys.followups(7, 1), incident_keys.refresh(7, 1)),
        (incident_keys.escalate(7, 1), incident_keys.escalate(7, 10)),
        (incident_keys.escalate(7, 1), incident_keys.page(7, 10, 1, 0, 0)),
        (purchase_keys.waiting(5), purchase_keys.step_closed(5, 0)),
        (purchase_keys.waiting(5), purchase_keys.final(5, "messages")),
        (purchase_keys.step_waiting(5, 1), purchase_keys.ask(5, 10, "U_BOB")),
        (booking_keys.booking(3), booking_keys.end(30, 1)),
        (booking_keys.version(3, 1), booking_keys.end(3, 10)),
        (booking_keys.booking(3), booking_keys.wait_cancelled(3)),
        (maintenance_keys.window(4), maintenance_keys.cancelled(40)),
        (digest_keys.channel("C_OPS"), digest_keys.digest("C_OPS2", "2026-12-02")),
    ],
)
def test_a_prefix_stops_at_its_neighbours(prefix: str, key: str) -> None:
    assert not key.startswith(prefix)


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    )


def test_the_in_flight_pattern_matches_asks_only() -> None:
    one_step = _like(purchase_keys.asking_like(5, 1))
    any_step = _like(purchase_keys.asking_like(5, None))
    assert one_step.fullmatch(purchase_keys.ask(5, 1, "U_BOB"))
    assert not one_step.fullmatch(purchase_keys.ask(5, 2, "U_BOB"))
    assert not one_step.fullmatch(purchase_keys.remind(5, 1, "U_BOB", 1))
    assert any_step.fullmatch(purchase_keys.ask(5, 2, "U_BOB"))
    assert not any_step.fullmatch(purchase_keys.ask(50, 2, "U_BOB"))


@pytest.fixture
def withdrawals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """Every cancel and drop of the queue: (which, prefix, how many rows it withdrew)."""
    calls: list[tuple[str, str, int]] = []
    for name in ("cancel", "drop_pending"):
        real = getattr(queue, name)

        def spy(session, *, prefix: str, _real=real, _name=name) -> int:  # type: ignore[no-untyped-def]
            n = _real(session, prefix=prefix)
            calls.append((_name, prefix, n))
            return n

        monkeypatch.setattr(queue, name, spy)
    real_all = queue.cancel_all

    def spy_all(session, *, prefixes: list[str]) -> int:  # type: ignore[no-untyped-def]
        each = [_pending_under(session, prefix) for prefix in prefixes]
        n = real_all(session, prefixes=prefixes)
        assert n == sum(each), "cancel_all withdrew what a cancel of each prefix would"
        calls.extend(("cancel_all", prefix, k) for prefix, k in zip(prefixes, each, strict=True))
        return n

    monkeypatch.setattr(queue, "cancel_all", spy_all)
    return calls


def _pending_under(session, prefix: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(func.count())
        .select_from(Notice)
        .where(Notice.status == "pending", Notice.dedupe_key.startswith(prefix, autoescape=True))
    )


def test_every_cancel_in_every_area_withdraws_what_its_area_wrote(unit, withdrawals) -> None:
    tomorrow = START
    with freeze_time("2026-12-01 08:00:00"):
        # Incidents: acknowledging stops the escalation, resolving the round's reminders.
        with unit() as ctx:
            incident_id = incidents.raise_incident(ctx, "Checkout down", "sev1").incident.id
        for step in (incidents.acknowledge, incidents.resolve, incidents.reopen, incidents.resolve):
            with unit() as ctx:
                step(ctx, incident_id)
        # Purchases: a decided step stops its asks and reminders; the end stops the rest.
        with unit() as ctx:
            two_steps = purchases.submit(ctx, Decimal(1000), "EUR", "Monitors").id
            cancelled = purchases.submit(ctx, Decimal(10), "EUR", "Pens").id
        with unit("U_BOB") as ctx:
            purchases.approve(ctx, two_steps)
        with unit("U_CAROL") as ctx:
            purchases.approve(ctx, two_steps)
        with unit() as ctx:
            purchases.cancel(ctx, cancelled)
        # Bookings: extending replaces a version's reminders; releasing and removing stop all.
        with unit("U_BOB") as ctx:
            booking = bookings.book(ctx, "room-a", tomorrow, tomorrow + timedelta(hours=1))
            doomed = bookings.book(ctx, "room-b", tomorrow, tomorrow + timedelta(hours=1))
        with unit("U_BOB") as ctx:
            bookings.extend(ctx, booking.id, timedelta(minutes=30))
        with unit("U_BOB") as ctx:
            bookings.release(ctx, booking.id)
        with unit() as ctx:
            catalogue.remove_resource(ctx, "room-b")
        # Maintenance: cancelling a window stops its reminders, start and finish.
        with unit() as ctx:
            later = tomorrow + timedelta(hours=5)
            window, _ = maintenance.schedule(
                ctx, "room-a", later, later + timedelta(hours=1), None, "Paint"
            )
        with unit() as ctx:
            maintenance.cancel(ctx, window.id)
        # Digests: switching a channel's digest off drops what was planned for it.
        with unit() as ctx:
            digest_notices.plan(ctx)
        first_plan = withdrawals.pop()  # a channel's first plan starts afresh: nothing to drop
        assert first_plan == ("drop_pending", digest_keys.channel("C_OPS"), 0)
        with unit() as ctx:
            digests.unsubscribe(ctx, "C_OPS")
    assert doomed.id != booking.id
    withdrew_nothing = [(which, prefix) for which, prefix, n in withdrawals if n == 0]
    assert withdrew_nothing == []
    roots = [prefix.split(":", 1)[0] for _, prefix, _ in withdrawals]
    assert roots == ["incident"] * 3 + ["purchase"] * 3 + ["booking"] * 3 + [
        "maintenance",
        "digest",
    ]
