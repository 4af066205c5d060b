"""Everything the purchases area contributes, in one place: /purchase, notices, sections."""

from __future__ import annotations

from bot.context import Ctx
from bot.purchases import notices, sections
from bot.purchases.commands import COMMANDS
from bot.purchases.payloads import ApproverAsk, ApproverReminder, PurchaseRef, PurchaseStep
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("purchase.ask", notices.ask, payload=ApproverAsk, awaited=True)
    registry.add_notice_kind("purchase.remind", notices.remind, payload=ApproverReminder)
    registry.add_notice_kind("purchase.expire", notices.expire, payload=PurchaseRef)
    registry.add_notice_kind("purchase.close_step", notices.close_step, payload=PurchaseStep)
    registry.add_notice_kind("purchase.final_messages", notices.final_messages, payload=PurchaseRef)
    registry.add_notice_kind("purchase.tell_requester", notices.tell_requester, payload=PurchaseRef)
    registry.add_notice_kind("purchase.announce", notices.announce, payload=PurchaseRef)
    registry.add_digest_section("purchases", 20, sections.waiting)
    registry.add_digest_section("purchases-decided", 91, sections.decided_since)
    registry.add_home_section("purchases-waiting", 20, sections.approvals_waiting)
    registry.add_home_section("purchases-mine", 21, sections.your_requests)
