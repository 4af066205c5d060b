"""Everything the digests area contributes, in one place: /digest, delivery, the Home tab."""

from __future__ import annotations

from bot.context import Ctx
from bot.digests import home, notices
from bot.digests.commands import COMMANDS
from bot.digests.payloads import DigestRun
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("digest.post", notices.post, payload=DigestRun)
    registry.add_planner("digests", notices.plan)
    # The Home tab assembles every area's Home sections; a click on it refreshes it from here.
    registry.provide_home(home.home_view)
