"""Shifts: overrides, shift ids and the per-rotation on-call snapshot. No Slack here.

Shifts themselves are computed from the config (bot/shifts/rotation.py), not stored one by one.
What is stored: overrides (``add``, ``swap``, ``away``), which win for their window; a small row per
computed shift that someone was shown, so it has a stable id (``SHF-9``) to ``swap``; and the
snapshot of who was last announced on call per rotation, which the hand-off planner moves with
a conditional update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.models import BigId
from storage.transitions import affected

FILL_LIMIT = 1000  # shifts numbered in one go to keep ids in order; past that, ids may skip


class ShiftSlot(Base):
    """The id of the ``idx``-th computed shift of a rotation (made when first shown)."""

    __tablename__ = "shift_slots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rotation: Mapped[str] = mapped_column(String(64))
    idx: Mapped[int]

    __table_args__ = (UniqueConstraint("rotation", "idx", name="uq_shift_slots_rotation_idx"),)


class ShiftOverride(Base):
    """Someone on call instead of the rotation for a window; the newest override wins."""

    __tablename__ = "shift_overrides"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rotation: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # "add", "swap" or "away" (covering time off)
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    slot_id: Mapped[int | None] = mapped_column(BigId)  # swap: the shift taken over
    replaces: Mapped[str | None] = mapped_column(String(32))  # swap: who was scheduled
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    away_id: Mapped[int | None] = mapped_column(BigId)  # "away": the time off it covers

    __table_args__ = (Index("ix_shift_overrides_rotation_ends", "rotation", "ends_at"),)


class ShiftSnapshot(Base):
    """Who was last announced on call for a rotation; ``version`` counts the hand-offs."""

    __tablename__ = "shift_snapshots"

    rotation: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int]
    since: Mapped[datetime]


def _insert(session: Session) -> Callable[[type[Base]], postgresql.Insert | sqlite.Insert]:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def overrides_between(
    session: Session, rotation: str, start: datetime, end: datetime
) -> Sequence[ShiftOverride]:
    """Every override of ``rotation`` that overlaps [start, end), oldest first (newer ones
    win). No cap: an old override still in force decides who is on call as much as a new one."""
    stmt = (
        select(ShiftOverride)
        .where(
            ShiftOverride.rotation == rotation,
            ShiftOverride.ends_at > start,
            ShiftOverride.starts_at < end,
        )
        .order_by(ShiftOverride.id)
    )
    return list(session.scalars(stmt))


def add_override(session: Session, override: ShiftOverride) -> ShiftOverride:
    session.add(override)
    session.flush()
    return override


def slot_ids(session: Session, rotation: str, indexes: Iterable[int]) -> dict[int, int]:
    """Stable ids for computed shifts: looked up, and made on first sight (race-safe).

    Ids are made in the shifts' order and without holes: besides the shifts asked for, every
    shift between them and after the rotation's last numbered one gets its id too, so a list
    reads SHF-1, SHF-2, SHF-3 rather than SHF-1, SHF-4, SHF-5 when "who is on call" numbered
    the later shifts first. (Rotations share one sequence, so two rotations still interleave.)
    """
    wanted = sorted(set(indexes))
    if not wanted:
        return {}
    query = select(ShiftSlot.idx, ShiftSlot.id).where(
        ShiftSlot.rotation == rotation, ShiftSlot.idx.in_(wanted)
    )
    found = {idx: slot_id for idx, slot_id in session.execute(query).all()}
    missing = [i for i in wanted if i not in found]
    if missing:
        lo, hi = missing[0], missing[-1]
        top = session.scalar(select(func.max(ShiftSlot.idx)).where(ShiftSlot.rotation == rotation))
        if top is not None and top < lo and lo - top <= FILL_LIMIT:
            lo = top + 1
        made = select(ShiftSlot.idx).where(
            ShiftSlot.rotation == rotation, ShiftSlot.idx.between(lo, hi)
        )
        have = set(session.scalars(made))
        fill = [i for i in range(lo, hi + 1) if i not in have] if hi - lo <= FILL_LIMIT else []
        session.execute(
            _insert(session)(ShiftSlot)
            .values([{"rotation": rotation, "idx": i} for i in fill or missing])
            .on_conflict_do_nothing(index_elements=["rotation", "idx"])
        )
        found = {idx: slot_id for idx, slot_id in session.execute(query).all()}
    return found


def get_slot(session: Session, slot_id: int) -> ShiftSlot | None:
    return session.get(ShiftSlot, slot_id)


def snapshot(session: Session, rotation: str) -> ShiftSnapshot | None:
    return session.get(ShiftSnapshot, rotation)


def init_snapshot(session: Session, rotation: str, user_id: str | None, now: datetime) -> None:
    """The first observation of a rotation; a second scheduler doing the same is a no-op."""
    stmt = (
        _insert(session)(ShiftSnapshot)
        .values(rotation=rotation, user_id=user_id, version=0, since=now)
        .on_conflict_do_nothing(index_elements=["rotation"])
    )
    session.execute(stmt)


def advance_snapshot(
    session: Session, rotation: str, *, expected_version: int, user_id: str | None, now: datetime
) -> bool:
    """Compare-and-set: only one of two racing schedulers moves the snapshot to ``user_id``."""
    stmt = (
        update(ShiftSnapshot)
        .where(ShiftSnapshot.rotation == rotation, ShiftSnapshot.version == expected_version)
        .values(user_id=user_id, version=expected_version + 1, since=now)
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt) == 1


def overrides_for_away(session: Session, away_id: int) -> Sequence[ShiftOverride]:
    """The overrides made to cover one time off, in the order of their windows."""
    stmt = (
        select(ShiftOverride)
        .where(ShiftOverride.away_id == away_id)
        .order_by(ShiftOverride.starts_at, ShiftOverride.id)
    )
    return list(session.scalars(stmt))


def delete_overrides(session: Session, override_ids: Sequence[int]) -> int:
    """Remove overrides (undoing what a cancelled time off set up); how many went."""
    if not override_ids:
        return 0
    stmt = (
        delete(ShiftOverride)
        .where(ShiftOverride.id.in_(list(override_ids)))
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt)
