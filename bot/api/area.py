"""Everything the read API contributes: three GET endpoints under /api/v1."""

from __future__ import annotations

from bot.api import routes
from bot.context import Ctx
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_http_route("GET", r"/api/v1/oncall", routes.oncall)
    registry.add_http_route("GET", r"/api/v1/incidents", routes.incidents)
    registry.add_http_route("GET", r"/api/v1/resources", routes.resources)
