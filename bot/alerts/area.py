"""Everything alerts in contributes: its one HTTP endpoint. Incidents it raises are the
incidents area's, with that area's notices."""

from __future__ import annotations

from bot.alerts import hook
from bot.context import Ctx
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_http_route("POST", hook.PATTERN, hook.receive)
