"""Everything the shifts area contributes, in one place: /shift, notices, sections, on-call."""

from __future__ import annotations

from bot.context import Ctx
from bot.registry import Registry
from bot.shifts import changes_notices, notices, sections, service
from bot.shifts import payloads as p
from bot.shifts.commands import COMMANDS


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("shift.handoff", notices.handoff, payload=p.Handoff)
    registry.add_notice_kind("shift.remind", notices.remind, payload=p.ShiftReminder)
    # The closing note edits the asking DM: it waits for it, so the ask is made again on failure.
    registry.add_notice_kind(
        "shift.swap_ask", changes_notices.swap_ask, payload=p.SwapAsk, awaited=True
    )
    registry.add_notice_kind("shift.swap_expire", changes_notices.swap_expire, payload=p.SwapExpire)
    registry.add_notice_kind("shift.swap_closed", changes_notices.swap_closed, payload=p.SwapClosed)
    registry.add_notice_kind("shift.swapped", changes_notices.swapped, payload=p.Swapped)
    registry.add_notice_kind(
        "shift.override_replaced", changes_notices.override_replaced, payload=p.OverrideReplaced
    )
    registry.add_notice_kind(
        "shift.away_planned", changes_notices.away_planned, payload=p.AwayPlanned
    )
    registry.add_notice_kind(
        "shift.away_cancelled", changes_notices.away_cancelled, payload=p.AwayCancelled
    )
    registry.add_planner("shifts", notices.plan)
    registry.add_digest_section("shifts", 30, sections.on_call)
    registry.add_home_section("shifts", 50, sections.my_next_shift)
    # Who incident escalations and channel invites page (bot/oncall.py).
    registry.provide_on_call(service.people_on_call)
