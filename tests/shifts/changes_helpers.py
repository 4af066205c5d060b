"""Shared bits of the swap and time off service tests: acting as someone, delivering notices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from bot.context import Ctx
from bot.runtime import Runtime
from bot.unit import unit_of_work
from storage.models import AuditEvent
from tests.recording import RecordingMessenger, Sent


@contextmanager
def acting(rt: Runtime, user_id: str) -> Iterator[Ctx]:
    """One committed unit of work as ``user_id``; what it queued is sent right after."""
    with unit_of_work(rt, user_id) as ctx:
        yield ctx
    rt.dispatcher.run_due()


def dms(messenger: RecordingMessenger, user_id: str) -> list[str]:
    return [s.message.text for s in messenger.of("dm") if s.target == user_id and s.message]


def of(messenger: RecordingMessenger, method: str, target: str) -> list[Sent]:
    return [s for s in messenger.of(method) if s.target == target]


def audit_actions(rt: Runtime, entity: str) -> list[str]:
    with rt.sessions() as s:
        rows = s.scalars(
            select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
        )
        return [r.action for r in rows]
