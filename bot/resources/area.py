"""Everything the resources area contributes, in one place: /resource, notices, sections."""

from __future__ import annotations

from bot.context import Ctx
from bot.registry import Registry
from bot.resources import notices, sections
from bot.resources.commands import COMMANDS
from bot.resources.payloads import BookingCancelled, BookingRef, BookingVersion


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("booking.remind_end", notices.remind_end, payload=BookingVersion)
    registry.add_notice_kind("booking.end", notices.end, payload=BookingVersion)
    registry.add_notice_kind("booking.promoted", notices.promoted, payload=BookingRef)
    registry.add_notice_kind("booking.cancelled", notices.cancelled, payload=BookingCancelled)
    registry.add_notice_kind("booking.wait_cancelled", notices.wait_cancelled, payload=BookingRef)
    registry.add_digest_section("bookings", 40, sections.todays_bookings)
    registry.add_home_section("bookings", 30, sections.my_bookings)
