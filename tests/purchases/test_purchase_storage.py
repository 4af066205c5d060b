"""Storage: one decision per step, bounded section queries, the reusable "waiting on" query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError

from bot.purchases import delegation, sections, service
from bot.tz import zone
from storage import purchases as repo
from storage.purchases import PurchaseDecision


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_second_decision_row_for_a_step_is_refused(unit) -> None:
    with unit() as ctx:
        request_id = service.submit(ctx, Decimal(10), None, "pens").id
    with unit() as ctx:
        now = ctx.now
        ctx.session.add(
            PurchaseDecision(
                request_id=request_id, step=0, decision="approved", actor="U_X", at=now
            )
        )
    with pytest.raises(IntegrityError), unit() as ctx:
        ctx.session.add(
            PurchaseDecision(
                request_id=request_id, step=0, decision="rejected", actor="U_Y", at=now
            )
        )
        ctx.session.flush()


def _many(unit, n: int) -> None:
    for i in range(n):
        with unit("U_CAROL") as ctx:
            service.submit(ctx, Decimal(100 + i), None, f"item {i}")


@pytest.mark.parametrize("n", [2, 25])
def test_sections_use_a_fixed_number_of_queries(unit, engine: Engine, n: int) -> None:
    _many(unit, n)
    with unit("U_BOB") as ctx:
        delegation.delegate(ctx, "U_ERIN", ctx.now + timedelta(days=2))
    with unit("U_ERIN") as ctx, _statements(engine) as seen:
        since = ctx.now - timedelta(days=1)
        assert sections.waiting(ctx, since, zone("UTC"), 5) is not None
        assert sections.decided_since(ctx, since, zone("UTC"), 5) is None
        home = sections.approvals_waiting(ctx, "U_ERIN")
        mine = sections.your_requests(ctx, "U_ERIN")
    assert len(seen) == 2 + 2 + 3 + 2, seen
    buttons = [b for b in home if b["type"] == "actions"]
    assert len(buttons) == min(n, sections.HOME_LIMIT), "Erin stands in for Bob"
    if n > sections.HOME_LIMIT:
        assert f"{n - sections.HOME_LIMIT} more" in str(home[-1])
    assert "No requests yet" in str(mine)


def test_waiting_on_covers_delegation_and_ends_with_it(unit) -> None:
    with unit("U_CAROL") as ctx:
        request_id = service.submit(ctx, Decimal(700), None, "chairs").id  # Bob, then Carol|Dave
        delegation.delegate(ctx, "U_FRED", ctx.now + timedelta(days=1))
    with unit("U_BOB") as ctx:
        delegation.delegate(ctx, "U_ERIN", ctx.now + timedelta(hours=1))
        rows, total = repo.waiting_on(ctx.session, "U_ERIN", ctx.now, limit=5)
        assert [r.id for r in rows] == [request_id] and total == 1
        assert repo.waiting_on(ctx.session, "U_BOB", ctx.now, limit=5)[1] == 1
        assert repo.waiting_on(ctx.session, "U_DAVE", ctx.now, limit=5)[1] == 0, "not yet"
        later = ctx.now + timedelta(hours=2)
        assert repo.waiting_on(ctx.session, "U_ERIN", later, limit=5)[1] == 0
    with unit("U_BOB") as ctx:
        service.approve(ctx, request_id)
    with unit("U_DAVE") as ctx:
        assert repo.waiting_on(ctx.session, "U_DAVE", ctx.now, limit=5)[1] == 1
        assert repo.waiting_on(ctx.session, "U_BOB", ctx.now, limit=5)[1] == 0
        # Carol requested it, so neither she nor her delegate may decide step 2.
        assert repo.waiting_on(ctx.session, "U_CAROL", ctx.now, limit=5)[1] == 0
        assert repo.waiting_on(ctx.session, "U_FRED", ctx.now, limit=5)[1] == 0


def test_the_purchases_migration_downgrades_and_upgrades(tmp_path) -> None:
    from sqlalchemy import inspect

    from storage.db import make_engine
    from storage.migrate import downgrade, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert "purchase_requests" in inspect(engine).get_table_names()
    downgrade(engine, "purchases@-1")
    names = inspect(engine).get_table_names()
    assert not [n for n in names if n.startswith("purchase")]
    assert {"notices", "incidents"} <= set(names), "only the purchases branch went down"
    upgrade(engine)
    assert "purchase_delegations" in inspect(engine).get_table_names()
    engine.dispose()
