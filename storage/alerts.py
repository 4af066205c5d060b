"""Alert groups: one row per (source, group key), pointing at the group's latest incident.

The row is the lock that keeps concurrent deliveries of one group from raising two incidents:
each delivery inserts the row if it is missing (a no-op when it exists, or waits for the
transaction that is inserting it) and then locks it, so deliveries of a group take turns while
other groups go on in parallel. The unique constraint makes "one row per group" hold whatever
the isolation level. SQLite serialises writers anyway (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, JSONType
from storage.incidents import Incident
from storage.models import BigId


class AlertGroup(Base):
    __tablename__ = "alert_groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    # The group key can be long (Alertmanager's is the route's label matchers): its SHA-256 is
    # what is unique and looked up; the key itself is kept to read.
    key_hash: Mapped[str] = mapped_column(String(64))
    group_key: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    # The fingerprints of the alerts firing at the last delivery, sorted: a repeat with the same
    # set changes nothing.
    firing: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]  # when the firing set last changed

    __table_args__ = (
        UniqueConstraint("source", "key_hash", name="uq_alert_groups_source_key"),
        Index("ix_alert_groups_incident", "incident_id"),
    )


def key_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


def peek_group(session: Session, source: str, group_key: str) -> AlertGroup | None:
    """The group's row as last committed, without a lock (the repeat's fast path)."""
    return session.scalar(
        select(AlertGroup).where(
            AlertGroup.source == source, AlertGroup.key_hash == key_hash(group_key)
        )
    )


def lock_group(session: Session, source: str, group_key: str, now: datetime) -> AlertGroup:
    """The group's row, created if missing, locked until the transaction ends."""
    digest = key_hash(group_key)
    values: dict[str, Any] = {
        "source": source,
        "key_hash": digest,
        "group_key": group_key,
        "firing": [],
        "created_at": now,
        "updated_at": now,
    }
    table = AlertGroup.__table__
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        builder(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source", "key_hash"])
    )
    session.execute(stmt)
    found = session.scalars(
        select(AlertGroup)
        .where(AlertGroup.source == source, AlertGroup.key_hash == digest)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return found


def lock_incident(session: Session, incident_id: int) -> Incident | None:
    """The incident row, locked: a person resolving it meanwhile waits for this delivery."""
    return session.scalars(
        select(Incident)
        .where(Incident.id == incident_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def groups_of(session: Session, incident_id: int) -> list[AlertGroup]:
    return list(session.scalars(select(AlertGroup).where(AlertGroup.incident_id == incident_id)))
