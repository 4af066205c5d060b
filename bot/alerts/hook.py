"""`POST /hooks/alerts/<name>`: the HTTP edge of alerts in (SPEC "Alerts in").

Answers at once: the incident's messages are notices, sent after the response. A 401 says the
same whatever was wrong (no header, another scheme, a wrong token, no token configured), and
the token is compared in constant time.
"""

from __future__ import annotations

import logging
import os

from bot.alerts import payloads, service
from bot.context import Actor, Ctx
from bot.http import HttpRequest, HttpResponse
from bot.runtime import Runtime
from bot.tz import zone
from bot.unit import request_deadline

log = logging.getLogger(__name__)

PATTERN = r"/hooks/alerts/(?P<name>[^/]+)"


def receive(rt: Runtime, req: HttpRequest) -> HttpResponse:
    source = rt.config.alert_source(req.params["name"])
    if source is None:
        return HttpResponse.error(404, "unknown alert source")
    if not req.bearer_matches(os.environ.get(source.token_env)):
        return HttpResponse.error(401, "unauthorized")
    try:
        batch = payloads.parse(source, req.body)
    except payloads.BadPayload as exc:
        return HttpResponse.error(400, exc.reason[:500])
    now = rt.clock.now()
    actor = Actor(service.actor_id(source), zone(rt.config.timezone))
    with request_deadline(rt), rt.transaction() as session:
        ctx = Ctx(session, now, rt.config, actor, rt.registry)
        outcome = service.receive(ctx, source, batch)
    log.info("alerts from %s: %s %s", source.name, outcome.action, outcome.incident_id)
    rt.after_response(ctx.outbox)
    return HttpResponse.json(202, outcome.as_json())
