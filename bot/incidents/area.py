"""Everything the incidents area contributes, in one place: /incident, notices, sections."""

from __future__ import annotations

from bot.context import Ctx
from bot.incidents import escalation, notices, sections
from bot.incidents.commands import COMMANDS
from bot.incidents.payloads import (
    IncidentEscalation,
    IncidentNote,
    IncidentPage,
    IncidentRef,
    IncidentReminder,
)
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind(
        "incident.announce", notices.announce, payload=IncidentRef, awaited=True
    )
    registry.add_notice_kind("incident.refresh", notices.refresh, payload=IncidentRef)
    registry.add_notice_kind("incident.thread", notices.thread, payload=IncidentNote)
    registry.add_notice_kind("incident.remind", notices.remind, payload=IncidentReminder)
    registry.add_notice_kind("incident.escalate", escalation.escalate, payload=IncidentEscalation)
    registry.add_notice_kind("incident.page_now", escalation.page, payload=IncidentPage)
    registry.add_digest_section("incidents", 10, sections.open_incidents)
    registry.add_digest_section("incidents-closed", 90, sections.resolved_since)
    registry.add_home_section("incidents", 10, sections.my_incidents)
    registry.add_resource_notes("incidents", sections.on_resources)
