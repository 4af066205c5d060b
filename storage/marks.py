"""Planner marks: the configuration each planner last planned with (storage/models.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import PlannerMark


def signature_of(session: Session, name: str) -> str | None:
    row = session.get(PlannerMark, name)
    return row.signature if row is not None else None


def set_signature(session: Session, name: str, signature: str, now: datetime) -> None:
    row = session.get(PlannerMark, name)
    if row is None:
        session.add(PlannerMark(name=name, signature=signature, updated_at=now))
    else:
        row.signature, row.updated_at = signature, now
    session.flush()
