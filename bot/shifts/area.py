"""Everything the shifts area contributes, in one place: /shift, notices, sections, on-call."""

from __future__ import annotations

from bot.context import Ctx
from bot.registry import Registry
from bot.shifts import notices, sections, service
from bot.shifts.commands import COMMANDS
from bot.shifts.payloads import Handoff, ShiftReminder


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("shift.handoff", notices.handoff, payload=Handoff)
    registry.add_notice_kind("shift.remind", notices.remind, payload=ShiftReminder)
    registry.add_planner("shifts", notices.plan)
    registry.add_digest_section("shifts", 30, sections.on_call)
    registry.add_home_section("shifts", 50, sections.my_next_shift)
    # Who incident escalations and channel invites page (bot/oncall.py).
    registry.provide_on_call(service.people_on_call)
