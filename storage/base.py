"""Declarative base and the column types every model shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Index,
    MetaData,
    Select,
    Table,
    TypeDecorator,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every backend.

    SQLite has no time zones; storing naive UTC there and re-attaching UTC on the way out keeps
    comparisons and ordering identical to PostgreSQL's ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    # Every model here names its table (__tablename__), so it maps a Table, not another FromClause.
    __table__: ClassVar[Table]
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType}


def inline(value: str) -> ColumnElement[Any]:
    """A constant written into the SQL text instead of being sent as a parameter.

    A partial index (``WHERE status = 'scheduled'``) serves only queries whose condition the
    planner can see implies its predicate. A parameter hides the value: SQLite then ignores the
    index, and PostgreSQL loses it as soon as a driver-prepared statement gets a generic plan.
    """
    # str(): a status StrEnum member is a str, but the literal renderer wants the plain value.
    return literal(str(value), literal_execute=True)


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index over the rows matching ``where`` (SQL text), on both databases alike."""
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


COUNT_CAP = 1000


@dataclass(frozen=True)
class Total:
    """How many rows match, counted no further than a cap: past it, ``exact`` is False and ``n``
    is the cap. A page that says "of 1000+" stays as fast at a million rows as at a thousand."""

    n: int
    exact: bool = True

    def __str__(self) -> str:
        return str(self.n) if self.exact else f"{self.n}+"

    def more_than(self, shown: int) -> bool:
        return not self.exact or self.n > shown


def count_upto(session: Session, query: Select[Any], cap: int = COUNT_CAP) -> Total:
    """Count the rows ``query`` returns, reading at most ``cap + 1``.

    Give it the page's own query (WHERE and ORDER BY): the count then walks the index the page
    reads, and stops.
    """
    capped: Select[Any] = query.with_only_columns(literal_column("1"), maintain_column_froms=True)
    capped = capped.limit(cap + 1)
    n = session.scalar(select(func.count()).select_from(capped.subquery())) or 0
    return Total(cap, False) if n > cap else Total(n)
