"""``GET /api/v1/oncall``, ``/api/v1/incidents``, ``/api/v1/resources``: JSON behind a bearer
token (``OPSDESK_API_TOKEN``, compared in constant time). Without the variable set the API is
closed: every call is 401, as is a call without the token or with a wrong one. A bad query
parameter is 400 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot import unit
from bot.api import service
from bot.context import SYSTEM_USER, Actor, Ctx
from bot.errors import UserError
from bot.http import HttpRequest, HttpResponse
from bot.runtime import Runtime

UTC_ZONE = ZoneInfo("UTC")
UNAUTHORIZED = HttpResponse.json(
    401,
    {"error": "unauthorized: send Authorization: Bearer <OPSDESK_API_TOKEN>"},
    ("WWW-Authenticate", 'Bearer realm="opsdesk"'),
)


def _answer(rt: Runtime, req: HttpRequest, work: Callable[[Ctx], dict[str, Any]]) -> HttpResponse:
    if not req.bearer_matches(rt.settings.OPSDESK_API_TOKEN):
        return UNAUTHORIZED
    now = rt.clock.now().replace(microsecond=0)
    try:
        with unit.request_deadline(rt), rt.transaction() as session:
            ctx = Ctx(session, now, rt.config, Actor(SYSTEM_USER, UTC_ZONE), rt.registry)
            return HttpResponse.json(200, work(ctx), ("Cache-Control", "no-store"))
    except UserError as exc:
        return HttpResponse.error(400, exc.message)


def oncall(rt: Runtime, req: HttpRequest) -> HttpResponse:
    return _answer(rt, req, service.oncall)


def incidents(rt: Runtime, req: HttpRequest) -> HttpResponse:
    def work(ctx: Ctx) -> dict[str, Any]:
        query = service.parse_incident_query(req.arg("status"), req.arg("limit"), req.arg("cursor"))
        return service.incidents(ctx, query)

    return _answer(rt, req, work)


def resources(rt: Runtime, req: HttpRequest) -> HttpResponse:
    return _answer(rt, req, service.resources)
