"""Everything the purchases area contributes, in one place: /purchase, notices, sections."""

from __future__ import annotations

from bot.context import Ctx
from bot.purchases import notices, sections
from bot.purchases.commands import COMMANDS
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("purchase.ask", notices.ask, awaited=True)
    registry.add_notice_kind("purchase.remind", notices.remind)
    registry.add_notice_kind("purchase.expire", notices.expire)
    registry.add_notice_kind("purchase.close_step", notices.close_step)
    registry.add_notice_kind("purchase.final_messages", notices.final_messages)
    registry.add_notice_kind("purchase.tell_requester", notices.tell_requester)
    registry.add_notice_kind("purchase.announce", notices.announce)
    registry.add_digest_section("purchases", 20, sections.waiting)
    registry.add_digest_section("purchases-decided", 91, sections.decided_since)
    registry.add_home_section("purchases-waiting", 20, sections.approvals_waiting)
    registry.add_home_section("purchases-mine", 21, sections.your_requests)
