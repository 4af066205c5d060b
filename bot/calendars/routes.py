"""The feed endpoints: ``GET /calendar/<token>.ics`` and ``GET /calendar/team/<token>/...``.

Calendar apps fetch feeds without headers, so the token in the path is the credential. An
unknown, reset or missing token answers 404 (not 401: the URL simply does not exist), and the
team token is compared in constant time. Each fetch is one short read-only transaction.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot import unit
from bot.calendars import feeds, ical, service
from bot.context import SYSTEM_USER, Actor, Ctx
from bot.http import HttpRequest, HttpResponse
from bot.runtime import Runtime

UTC_ZONE = ZoneInfo("UTC")
PERSONAL = r"/calendar/(?P<token>[A-Za-z0-9_-]{1,128})\.ics"
TEAM = r"/calendar/team/(?P<token>[^/]{{1,256}})/{feed}\.ics"
NOT_FOUND = HttpResponse.error(404, "not found")


def _read(rt: Runtime, work: Callable[[Ctx], HttpResponse]) -> HttpResponse:
    now = rt.clock.now().replace(microsecond=0)
    with unit.request_deadline(rt), rt.transaction() as session:
        ctx = Ctx(session, now, rt.config, Actor(SYSTEM_USER, UTC_ZONE), rt.registry)
        return work(ctx)


def _ics(body: bytes) -> HttpResponse:
    # Calendar apps poll; a few minutes of caching spares the database nothing is lost by.
    return HttpResponse(200, body, ical.CONTENT_TYPE, (("Cache-Control", "private, max-age=300"),))


def personal(rt: Runtime, req: HttpRequest) -> HttpResponse:
    def work(ctx: Ctx) -> HttpResponse:
        user_id = service.owner(ctx, req.params["token"])
        if user_id is None:
            return NOT_FOUND
        events = feeds.personal(ctx, user_id)
        return _ics(ical.document("Opsdesk: my shifts and bookings", feeds_span(), events, ctx.now))

    return _read(rt, work)


def feeds_span() -> str:
    return f"On-call shifts and bookings, {feeds.BACK.days} days back to {feeds.AHEAD.days} ahead."


def team_allowed(rt: Runtime, given: str) -> bool:
    """The team token matches, in constant time; never when none is configured."""
    expected = rt.settings.OPSDESK_CALENDAR_TOKEN
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def team_oncall(rt: Runtime, req: HttpRequest) -> HttpResponse:
    if not team_allowed(rt, req.params["token"]):
        return NOT_FOUND

    def work(ctx: Ctx) -> HttpResponse:
        events = feeds.team_oncall(ctx)
        about = "Who is on call in every rotation."
        return _ics(ical.document("Opsdesk: on call", about, events, ctx.now))

    return _read(rt, work)


def team_maintenance(rt: Runtime, req: HttpRequest) -> HttpResponse:
    if not team_allowed(rt, req.params["token"]):
        return NOT_FOUND

    def work(ctx: Ctx) -> HttpResponse:
        events = feeds.team_maintenance(ctx)
        about = "Every maintenance window, each time it happens."
        return _ics(ical.document("Opsdesk: maintenance", about, events, ctx.now))

    return _read(rt, work)
