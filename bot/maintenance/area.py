"""Everything the maintenance area contributes, in one place: /maintenance, notices, blockers."""

from __future__ import annotations

from bot.context import Ctx
from bot.maintenance import notices, occurrences, sections
from bot.maintenance.commands import COMMANDS
from bot.maintenance.payloads import (
    OccurrenceRef,
    OccurrenceReminder,
    Overlap,
    OwnerReminder,
    WindowRef,
)
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("maintenance.remind", notices.remind, payload=OccurrenceReminder)
    registry.add_notice_kind(
        "maintenance.remind_owner", notices.remind_owner, payload=OwnerReminder
    )
    registry.add_notice_kind("maintenance.start", notices.start, payload=OccurrenceRef)
    registry.add_notice_kind("maintenance.finish", notices.finish, payload=OccurrenceRef)
    registry.add_notice_kind("maintenance.cancelled", notices.cancelled, payload=WindowRef)
    registry.add_notice_kind("maintenance.overlap", notices.overlap, payload=Overlap)
    registry.add_planner("maintenance", notices.Planner())
    registry.add_digest_section("maintenance", 50, sections.next_day)
    # A window makes its resource unavailable (bot/resources/availability.py).
    registry.add_blocker_source("maintenance", occurrences.maintenance_blockers)
