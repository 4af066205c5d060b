"""Everything the incidents area contributes, in one place: /incident, notices, sections."""

from __future__ import annotations

from bot.context import Ctx
from bot.incidents import channel, escalation, followups, notices, postmortem, sections
from bot.incidents.commands import COMMANDS
from bot.incidents.payloads import (
    IncidentArchive,
    IncidentEscalation,
    IncidentInvite,
    IncidentNote,
    IncidentPage,
    IncidentRef,
    IncidentReminder,
    PostmortemRequest,
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
    registry.add_notice_kind("incident.invite", channel.on_invite, payload=IncidentInvite)
    registry.add_notice_kind("incident.archive", channel.on_archive, payload=IncidentArchive)
    registry.add_notice_kind("incident.postmortem", postmortem.share, payload=PostmortemRequest)
    registry.add_digest_section("incidents", 10, sections.open_incidents)
    registry.add_digest_section("incidents-closed", 90, sections.resolved_since)
    registry.add_home_section("incidents", 10, sections.my_incidents)
    registry.add_digest_section("incident-followups", 12, followups.digest_section)
    registry.add_home_section("incident-followups", 12, followups.home_section)
    registry.add_resource_notes("incidents", sections.on_resources)
