"""State machines and compare-and-set state changes: the one way a status column moves.

Each table with a status declares its machine (``states``: the statuses and which may follow
which). ``UPDATE ... WHERE id = :id AND status IN (:expected)`` lets exactly one of two racing
clicks (or two processes) win; the loser sees ``False`` and tells its user who was first. A move
the machine does not allow is refused before any SQL runs: that is a bug, not a lost race.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, Row, update
from sqlalchemy.orm import QueryableAttribute, Session

S = TypeVar("S", bound=StrEnum)


class IllegalTransition(ValueError):
    """A status change the machine's table does not allow (or a status it does not know)."""


class StateMachine(Generic[S]):
    """Statuses of one kind of row and, for each, the statuses it may move to."""

    def __init__(self, name: str, moves: Mapping[S, Iterable[S]]) -> None:
        self.name = name
        self.moves: dict[S, frozenset[S]] = {s: frozenset(t) for s, t in moves.items()}
        stray = {t for targets in self.moves.values() for t in targets} - set(self.moves)
        if stray:
            raise ValueError(f"{name}: {sorted(stray)} are targets but not states")
        # Looked up by the plain strings the database returns.
        self._next: dict[str, frozenset[str]] = {
            s.value: frozenset(t.value for t in targets) for s, targets in self.moves.items()
        }

    @property
    def states(self) -> frozenset[S]:
        return frozenset(self.moves)

    def allows(self, source: str, target: str) -> bool:
        return target in self._next.get(source, frozenset())

    def sources(self, target: str) -> frozenset[S]:
        """The statuses from which ``target`` may be reached."""
        return frozenset(s for s, targets in self.moves.items() if target in targets)

    def known(self, statuses: Iterable[str]) -> None:
        unknown = sorted(set(statuses) - set(self._next))
        if unknown:
            raise IllegalTransition(f"{self.name}: unknown status {', '.join(unknown)}")

    def check(self, sources: Collection[str], target: str) -> None:
        """Raise unless every status in ``sources`` may move to ``target``."""
        self.known([*sources, target])
        refused = sorted(s for s in sources if not self.allows(s, target))
        if refused:
            raise IllegalTransition(
                f"{self.name}: {', '.join(refused)} -> {target} is not an allowed transition"
            )


def machine_of(model: type[Any]) -> StateMachine[Any]:
    machine = getattr(model, "states", None)
    if not isinstance(machine, StateMachine):
        raise TypeError(f"{model.__name__} declares no state machine (a `states` class attribute)")
    return machine


def compare_and_set(
    session: Session,
    model: type[Any],
    row_id: int,
    *,
    expected: Collection[str],
    values: dict[str, Any],
    unchanged: Mapping[str, Any] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
    status_column: str = "status",
    refresh_on_loss: bool = False,
) -> bool:
    """Move row ``row_id`` from one of the ``expected`` statuses, if it is still in one.

    ``values`` may leave the status as it is (a change allowed only in those statuses); when it
    sets one, the model's machine must allow it from every expected status. ``unchanged``
    ({column: value}) and ``where`` add conditions; ``refresh_on_loss`` as in ``update_if``.
    """
    conditions = _checked(model, expected, values, unchanged, where, status_column)
    return update_if(
        session, model, row_id, *conditions, values=values, refresh_on_loss=refresh_on_loss
    )


def compare_and_return(
    session: Session,
    model: type[Any],
    row_id: int,
    *,
    expected: Collection[str],
    values: dict[str, Any],
    returning: Sequence[QueryableAttribute[Any]],
    unchanged: Mapping[str, Any] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
    status_column: str = "status",
) -> Row[Any] | None:
    """``compare_and_set`` that also reads, in the same statement (``UPDATE ... RETURNING``):
    the ``returning`` columns as the update left them, or None when it lost. One round trip
    where a won move followed by a read of the row took two."""
    conditions = _checked(model, expected, values, unchanged, where, status_column)
    stmt = (
        update(model)
        .where(model.id == row_id, *conditions)
        .values(**values)
        .returning(*returning)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(stmt).first()
    if row is not None:
        _refresh_loaded(session, model, row_id)
    return row


def _checked(
    model: type[Any],
    expected: Collection[str],
    values: dict[str, Any],
    unchanged: Mapping[str, Any] | None,
    where: Iterable[ColumnElement[bool]],
    status_column: str,
) -> list[ColumnElement[bool]]:
    """The conditions of a compare-and-set, once the machine allows the move."""
    machine = machine_of(model)
    target = values.get(status_column)
    if target is None:
        machine.known(expected)
    else:
        machine.check(expected, target)
    column = getattr(model, status_column)
    same = [getattr(model, name) == value for name, value in (unchanged or {}).items()]
    return [column.in_(list(expected)), *same, *where]


def update_if(
    session: Session,
    model: type[Any],
    row_id: int,
    *conditions: ColumnElement[bool],
    values: dict[str, Any],
    refresh_on_loss: bool = False,
) -> bool:
    """Update row ``row_id`` only while ``conditions`` hold; True when this call changed it.

    A row already loaded in this session is refreshed when the update won, so it does not show
    the old values; with ``refresh_on_loss`` also when it lost, for callers that then tell their
    user what the winner did.
    """
    stmt = (
        update(model)
        .where(model.id == row_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    won = affected(session, stmt) == 1
    if won or refresh_on_loss:
        _refresh_loaded(session, model, row_id)
    return won


def _refresh_loaded(session: Session, model: type[Any], row_id: int) -> None:
    """Read the row again if this session holds it (a lookup in memory, no SQL otherwise)."""
    loaded = session.identity_map.get(session.identity_key(model, row_id))
    if loaded is not None:
        session.refresh(loaded)


def move(row: Any, target: str, *, status_column: str = "status") -> None:
    """Set a loaded row's status in memory (flushed with its unit of work), checked against its
    machine; for rows the caller already holds exclusively (under the resource's lock)."""
    machine_of(type(row)).check([getattr(row, status_column)], target)
    setattr(row, status_column, target)


def affected(session: Session, stmt: Executable) -> int:
    """How many rows an UPDATE or DELETE changed."""
    # Session.execute is typed as returning a Result; for DML it is a CursorResult, which counts.
    return cast("CursorResult[Any]", session.execute(stmt)).rowcount
