"""Shared by the escalation tests: configs with policies, and what was paged."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.config import Config, parse_config
from bot.context import Actor, Ctx
from bot.incidents import service
from bot.runtime import Runtime
from bot.tz import zone
from storage.db import transaction
from storage.incidents import IncidentEvent
from storage.models import Notice
from tests.conftest import EXAMPLE
from tests.recording import RecordingMessenger


def config_with(**extra: Any) -> Config:
    """The shipped example plus ``extra`` top-level sections (lists are appended to)."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for key, value in extra.items():
        if isinstance(value, list) and isinstance(data.get(key), list):
            data[key] = [*data[key], *value]
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_config(data)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def raise_(unit: Any, runtime: Runtime, severity: str = "sev1", user: str = "U_CAROL") -> int:
    with unit(user) as ctx:
        incident = service.raise_incident(ctx, "Checkout down", severity, channel_id="C_GEN")
    runtime.dispatcher.run_due()  # the announcement
    return incident.incident.id


def pages(messenger: RecordingMessenger) -> list[str]:
    """Who got a page DM, in order."""
    return [s.target for s in messenger.of("dm") if "You are paged" in str(s.message.blocks)]


def paged_events(sessions: Any, incident_id: int) -> list[tuple[datetime, str, str]]:
    """(when, by whom, text) of the incident's page timeline entries."""
    with sessions() as session:
        rows = session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id, IncidentEvent.kind == "paged")
            .order_by(IncidentEvent.id)
        ).all()
        return [(r.at, r.actor, r.text or "") for r in rows]


def escalation_rows(sessions: Any, status: str | None = None) -> list[Notice]:
    with sessions() as session:
        stmt = select(Notice).where(Notice.kind == "incident.escalate").order_by(Notice.id)
        if status:
            stmt = stmt.where(Notice.status == status)
        rows = session.scalars(stmt).all()
        session.expunge_all()
        return list(rows)


@contextmanager
def unit_with(sessions: Any, registry: Any, config: Config, user: str = "U_ALICE") -> Iterator[Ctx]:
    """A committed unit of work under another config than the test's fixture."""
    with transaction(sessions) as session:
        actor = Actor(user, zone("UTC"), is_admin=config.is_admin(user))
        yield Ctx(session, datetime.now(UTC), config, actor, registry)
