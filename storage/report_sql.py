"""The building blocks of report queries: exact durations, local-time buckets, nearest-rank
percentiles, on SQLite and PostgreSQL alike.

Percentiles are nearest-rank, as ``/incident stats`` defines them: the value at rank
ceil(p/100 * n), counting from 1 (the median of 1, 2, 3, 4 s is 2 s), always a value that
occurred. The database ranks the values (``row_number()`` over each group) and returns only the
rows at the wanted ranks. Durations are exact integer microseconds on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Percentiles:
    """Nearest-rank median and p90 of a duration in seconds over ``count`` values (None when
    there are none)."""

    count: int
    p50: float | None = None
    p90: float | None = None


def rank(pct: int, n: int) -> int:
    """ceil(pct/100 * n), at least 1: integer arithmetic, the same in SQL and here."""
    return max(1, (pct * n + 99) // 100)


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def micros(column: Any, dialect_name: str) -> ColumnElement[int]:
    """A timestamp as integer microseconds since the epoch."""
    if dialect_name == "postgresql":
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger)
    # SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, then the digits.
    seconds = cast(func.strftime("%s", column), Integer)
    return seconds * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def in_range(column: Any, bounds: Sequence[datetime]) -> ColumnElement[bool]:
    return and_(column >= bounds[0], column < bounds[-1])


@dataclass(frozen=True)
class Buckets:
    """Time buckets: ``bounds`` are their UTC boundaries; a row's bucket is its local wall time
    since ``local_start`` (the first bucket's local start, counted as if it were UTC) in whole
    ``step`` seconds, the zone's offset taken from ``offsets`` ((from, seconds) in order). The
    arithmetic keeps a week across a DST change a local week, without a CASE per boundary."""

    bounds: list[datetime]
    local_start: int
    step: int
    offsets: list[tuple[datetime, int]]

    @property
    def count(self) -> int:
        return len(self.bounds) - 1


def seconds_of(column: Any, dialect_name: str) -> ColumnElement[int]:
    """A timestamp as whole seconds since the epoch."""
    if dialect_name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def offset_of(column: Any, offsets: Sequence[tuple[datetime, int]]) -> Any:
    """The UTC offset in seconds in force at ``column`` (one entry per DST stretch)."""
    if len(offsets) == 1:
        return literal(offsets[0][1], Integer)
    whens = [(column < nxt, off) for (_, off), (nxt, _) in pairwise(offsets)]
    return case(*whens, else_=offsets[-1][1])


def bucket_of(column: Any, buckets: Buckets, dialect_name: str) -> Any:
    """Which bucket holds ``column`` (rows already filtered to the buckets' range)."""
    if buckets.count == 1:
        return literal(0, Integer)
    local = seconds_of(column, dialect_name) + offset_of(column, buckets.offsets)
    return (local - buckets.local_start) // buckets.step


def larger(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def smaller(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def percentiles_by(
    session: Session, value: Any, group: Any | None, where: Sequence[Any]
) -> dict[Any, Percentiles]:
    """Nearest-rank median and p90 of ``value`` (microseconds) per ``group`` (None: one group,
    keyed None). The database ranks; only the rows at the two ranks come back."""
    columns = [value.label("v")]
    if group is not None:
        columns.append(group.label("g"))
    inner = select(*columns).where(*where).subquery()
    part = [inner.c.g] if group is not None else None
    ranked = select(
        inner.c.g if group is not None else cast(0, Integer).label("g"),
        inner.c.v,
        func.row_number().over(partition_by=part, order_by=inner.c.v).label("rn"),
        func.count().over(partition_by=part).label("n"),
    ).subquery()
    n, rn = ranked.c.n, ranked.c.rn
    stmt = select(ranked.c.g, n, rn, ranked.c.v).where(
        or_(rn == (50 * n + 99) // 100, rn == (90 * n + 99) // 100)
    )
    found: dict[Any, tuple[int, dict[int, int]]] = {}
    for g, count, position, v in session.execute(stmt):
        key = g if group is not None else None
        found.setdefault(key, (count, {}))[1][position] = v
    out: dict[Any, Percentiles] = {}
    for key, (count, at) in found.items():
        out[key] = Percentiles(
            count, at[rank(50, count)] / 1_000_000, at[rank(90, count)] / 1_000_000
        )
    return out


def percentiles_grouped(
    session: Session, value: Any, group: Any, where: Sequence[Any]
) -> tuple[dict[int, Percentiles], Percentiles]:
    """Nearest-rank median and p90 per group and over all groups, in one pass: the values are
    ranked twice (within their group and overall) and only rows at a wanted rank come back."""
    inner = select(value.label("v"), group.label("g")).where(*where).subquery()
    ranked = select(
        inner.c.g,
        inner.c.v,
        func.row_number().over(partition_by=inner.c.g, order_by=inner.c.v).label("rg"),
        func.count().over(partition_by=inner.c.g).label("ng"),
        func.row_number().over(order_by=inner.c.v).label("ra"),
        func.count().over().label("na"),
    ).subquery()
    c = ranked.c
    wanted = or_(
        c.rg == (50 * c.ng + 99) // 100,
        c.rg == (90 * c.ng + 99) // 100,
        c.ra == (50 * c.na + 99) // 100,
        c.ra == (90 * c.na + 99) // 100,
    )
    groups: dict[int, tuple[int, dict[int, int]]] = {}
    overall: tuple[int, dict[int, int]] = (0, {})
    for g, v, rg, ng, ra, na in session.execute(
        select(c.g, c.v, c.rg, c.ng, c.ra, c.na).where(wanted)
    ):
        groups.setdefault(g, (ng, {}))[1][rg] = v
        overall = (na, overall[1])
        overall[1][ra] = v

    def summary(count: int, at: dict[int, int]) -> Percentiles:
        if not count:
            return Percentiles(0)
        return Percentiles(count, at[rank(50, count)] / 1_000_000, at[rank(90, count)] / 1_000_000)

    return {g: summary(n, at) for g, (n, at) in groups.items()}, summary(*overall)
