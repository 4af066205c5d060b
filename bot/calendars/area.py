"""Everything the calendars area contributes: its feed endpoints. (`/shift calendar` is a
subcommand of /shift, answered through bot/calendars/service.py.)"""

from __future__ import annotations

from bot.calendars import routes
from bot.context import Ctx
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_http_route("GET", routes.PERSONAL, routes.personal)
    registry.add_http_route("GET", routes.TEAM.format(feed="oncall"), routes.team_oncall)
    registry.add_http_route("GET", routes.TEAM.format(feed="maintenance"), routes.team_maintenance)
