"""Compare-and-set state changes: the one way a status column moves.

``UPDATE ... WHERE id = :id AND status IN (:expected)`` lets exactly one of two racing clicks
(or two processes) win; the loser sees ``False`` and tells its user who was first.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session


def compare_and_set(
    session: Session,
    model: type[Any],
    row_id: int,
    *,
    expected: Collection[str],
    values: dict[str, Any],
    status_column: str = "status",
) -> bool:
    column = getattr(model, status_column)
    return update_if(session, model, row_id, column.in_(list(expected)), values=values)


def update_if(
    session: Session,
    model: type[Any],
    row_id: int,
    *conditions: ColumnElement[bool],
    values: dict[str, Any],
) -> bool:
    """Update row ``row_id`` only while ``conditions`` hold; True when this call changed it."""
    stmt = (
        update(model)
        .where(model.id == row_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    won = session.execute(stmt).rowcount == 1
    if won:
        # Objects already loaded in this session must not show the old values.
        obj = session.get(model, row_id)
        if obj is not None:
            session.refresh(obj)
    return won
