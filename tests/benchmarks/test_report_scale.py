"""Report figures and an export at ten times today's data: 100,000 incidents and 200,000
bookings over two years, with purchases, waiting-list entries and escalations.

Not part of the default run (timings vary with the machine); run it with
`.venv/bin/python -m pytest -m benchmark -s tests/benchmarks/test_report_scale.py`. It prints how
long `/report` takes to compute its figures (the part inside the request) for the last 4 weeks
and for a whole year, and a year's incident export, on SQLite and PostgreSQL. It asserts only
that the figures add up to what was inserted, never a time.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.reports import service
from bot.reports.period import Period
from storage.db import transaction
from storage.incidents import Incident
from storage.models import AuditEvent
from storage.purchases import PurchaseRequest
from storage.resources import Booking, Resource
from tests.conftest import UnitFactory

pytestmark = pytest.mark.benchmark

INCIDENTS, BOOKINGS, PURCHASES = 100_000, 200_000, 20_000
END = datetime(2026, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
BATCH = 5_000
SECTIONS = ("incidents", "purchases", "resources", "oncall")


def _at(rng: random.Random) -> datetime:
    return END - SPAN + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))


def _seed(sessions) -> None:
    rng = random.Random(16)
    with transaction(sessions) as s:
        s.execute(
            insert(Resource),
            [
                {"name": f"room-{i}", "kind": "room", "capacity": 1 + i % 3, "active": True,
                 "source": "chat", "created_at": END - SPAN - timedelta(days=1)}
                for i in range(50)
            ],
        )  # fmt: skip
    rows = []
    for i in range(INCIDENTS):
        at = _at(rng)
        rows.append(
            {"title": f"incident {i}", "severity": f"sev{1 + i % 4}", "status": "resolved",
             "reporter": f"U_{i % 40}", "resource": f"room-{i % 50}", "created_at": at,
             "acknowledged_at": at + timedelta(minutes=rng.randrange(1, 120)),
             "resolved_at": at + timedelta(minutes=rng.randrange(120, 4000)),
             "last_update_at": at, "reopened": 0}
        )  # fmt: skip
    _insert(sessions, Incident, rows)
    rows = []
    for i in range(BOOKINGS):
        start = _at(rng).replace(minute=0, second=0, microsecond=0)
        rows.append(
            {"resource_id": 1 + i % 50, "owner": f"U_{i % 40}", "start": start,
             "end": start + timedelta(hours=rng.randrange(1, 9)), "status": "ended",
             "version": 1, "created_at": start - timedelta(days=1)}
        )  # fmt: skip
    _insert(sessions, Booking, rows)
    rows = []
    for i in range(PURCHASES):
        at = _at(rng)
        rows.append(
            {"requester": f"U_{i % 40}", "amount_minor": 100 * rng.randrange(1, 5000),
             "currency": "EUR", "policy_minor": 100 * rng.randrange(1, 5000),
             "policy_currency": "EUR", "description": "bench", "steps": [["U_BOB"]], "step": 0,
             "status": "approved" if i % 5 else "rejected", "created_at": at,
             "step_started_at": at, "decided_at": at + timedelta(hours=rng.randrange(1, 100)),
             "decided_by": "U_BOB"}
        )  # fmt: skip
    _insert(sessions, PurchaseRequest, rows)
    rows = [
        {"at": _at(rng), "actor": "opsdesk", "entity": "incident", "entity_id": 1 + i,
         "action": "escalated", "data": {"to": [f"U_{i % 40}"]}}
        for i in range(5_000)
    ]  # fmt: skip
    _insert(sessions, AuditEvent, rows)


def _insert(sessions, model, rows) -> None:
    for first in range(0, len(rows), BATCH):
        with transaction(sessions) as s:
            s.execute(insert(model), rows[first : first + BATCH])


def _timed(label: str, fn) -> object:
    started = time.perf_counter()
    result = fn()
    print(f"  {label}: {1000 * (time.perf_counter() - started):,.0f} ms")
    return result


def test_report_figures_at_ten_times_the_data(sessions, unit: UnitFactory, engine) -> None:
    _timed("seeding", lambda: _seed(sessions))
    tz = ZoneInfo("Europe/Berlin")
    month = Period(END - timedelta(days=28), END, tz, "the last 4 weeks")
    year = Period(END - timedelta(days=365), END, tz, "a year")
    print(f"\n{engine.dialect.name}: {INCIDENTS:,} incidents, {BOOKINGS:,} bookings")
    with unit("U_ALICE") as ctx:
        four = _timed(
            "/report, 4 weeks (in the request)", lambda: service.build(ctx, SECTIONS, month)
        )
        request = service.plan_export(ctx, "incidents", year)
    whole = _timed(
        "/report, a year (after the reply)",
        lambda: service.build_in_parts(lambda: unit("U_ALICE"), SECTIONS, year),
    )
    made = _timed(
        "export incidents, a year (after the reply)",
        lambda: service.export_file(lambda: unit("U_ALICE"), request),
    )
    assert isinstance(four, service.Report) and isinstance(whole, service.Report)
    assert whole.incidents is not None and four.incidents is not None
    assert whole.incidents.total == request.rows == made.rows
    assert whole.resources is not None and whole.resources.bookings > 0
    assert 0 < four.incidents.total < whole.incidents.total
