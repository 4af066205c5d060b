"""Everything the incidents area contributes, in one place: /incident, notices, sections."""

from __future__ import annotations

from bot.context import Ctx
from bot.incidents import notices, sections
from bot.incidents.commands import COMMANDS
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("incident.announce", notices.announce, awaited=True)
    registry.add_notice_kind("incident.refresh", notices.refresh)
    registry.add_notice_kind("incident.thread", notices.thread)
    registry.add_notice_kind("incident.remind", notices.remind)
    registry.add_notice_kind("incident.escalate", notices.escalate)
    registry.add_digest_section("incidents", 10, sections.open_incidents)
    registry.add_digest_section("incidents-closed", 90, sections.resolved_since)
    registry.add_home_section("incidents", 10, sections.my_incidents)
    registry.add_resource_notes("incidents", sections.on_resources)
