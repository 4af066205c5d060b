"""The planner queues what it plans in a statement per thousand notices, not one a notice: on
the first tick after an import of thousands of windows that was thousands of round trips in one
transaction."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, func, select

from bot.maintenance import notices as maintenance_notices
from storage import maintenance_rows as stored
from storage import resources as resource_repo
from storage.models import Notice
from tests.scale import counting

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PAGE = 1000  # rows a statement carries: SQLAlchemy's insertmanyvalues page


def _import(unit, count: int) -> None:
    """``count`` daily windows starting in the next ten hours: each has seven notices to plan
    (two occurrences inside the horizon, one reminder of the first already too late)."""
    with unit() as ctx:
        rig = resource_repo.named(ctx.session, ["rig"]).get("rig")
        if rig is None:
            row = {"name": "rig", "kind": "rig", "capacity": 1, "active": True}
            resource_repo.insert_resources(
                ctx.session, [row | {"source": "chat", "created_at": NOW}]
            )
            rig = resource_repo.named(ctx.session, ["rig"])["rig"]
        start = NOW + timedelta(hours=2)
        stored.insert_many(
            ctx.session,
            [
                {
                    "resource_id": rig.id,
                    "start": start + timedelta(minutes=i % 480),
                    "end": start + timedelta(minutes=i % 480 + 30),
                    "every": "day",
                    "tz": "UTC",
                    "description": f"imported {i}",
                    "status": "scheduled",
                    "created_by": "U_ALICE",
                    "created_at": NOW,
                }
                for i in range(count)
            ],
        )


def _plan(unit, engine: Engine) -> tuple[list[int], int]:
    """The rows each INSERT of notices carried on one planner run, and how many were new."""
    with unit() as ctx:
        before = ctx.session.scalar(select(func.count()).select_from(Notice))
    with unit() as ctx, counting(engine) as seen:
        maintenance_notices.plan_due(ctx)
    with unit() as ctx:
        after = ctx.session.scalar(select(func.count()).select_from(Notice))
    return seen.inserts("notices"), after - before


@pytest.mark.areas("resources", "maintenance")
def test_planning_an_import_sends_a_statement_per_thousand_notices(unit, engine: Engine) -> None:
    with freeze_time(NOW):
        _import(unit, 10)
        small, small_new = _plan(unit, engine)
        _import(unit, 400)
        large, large_new = _plan(unit, engine)
        again, none_new = _plan(unit, engine)

    assert small_new == 70 and small == [70], "ten windows: one statement"
    assert large_new == 2800, "the 400 new windows only: the ten were planned already"
    assert sum(large) == large_new and all(rows <= PAGE for rows in large)
    assert len(large) == math.ceil(large_new / PAGE) == 3
    assert again == [] and none_new == 0, "planned is remembered: nothing is sent again"
