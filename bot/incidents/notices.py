"""What incidents say in Slack, sent from the notice queue from current data."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot import oncall
from bot.context import Ctx
from bot.incidents import keys, render
from bot.messenger import MessageRef, Messenger
from bot.notices import NotYet, Skip
from bot.timeparse import format_duration
from bot.tz import zone
from storage import incidents as repo
from storage.incidents import Incident, IncidentEvent, IncidentStatus


def _incident(ctx: Ctx, payload: dict[str, Any]) -> Incident:
    incident = ctx.session.get(Incident, payload["id"])
    if incident is None:
        raise Skip("incident no longer exists")
    return incident


def _last_update(ctx: Ctx, incident: Incident) -> IncidentEvent | None:
    return repo.last_update(ctx.session, incident.id)


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:40].rstrip("-") or "incident"


def announce(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    incident = _incident(ctx, payload)
    tz = zone(ctx.config.timezone)
    message = render.announcement(incident, tz, _last_update(ctx, incident))
    if ctx.config.incidents.create_channel and not incident.incident_channel:
        channel = messenger.create_channel(f"inc-{incident.id}-{_slug(incident.title)}")
        incident.incident_channel = channel
        people = {incident.reporter, *oncall.on_call(ctx)}
        messenger.invite(channel, sorted(people))
        if not incident.announce_channel:
            incident.announce_channel = channel
        if channel != incident.announce_channel:
            messenger.post(channel, message)
    if not incident.announce_channel:
        raise Skip("nowhere to announce")
    ref = messenger.post(incident.announce_channel, message)
    incident.announce_channel, incident.announce_ts = ref.channel, ref.ts


def _announcement(incident: Incident) -> MessageRef:
    if not incident.announce_channel or not incident.announce_ts:
        # The announcement has not gone out yet (it is on another thread or being retried).
        raise NotYet(f"INC-{incident.id} is not announced yet")
    return MessageRef(incident.announce_channel, incident.announce_ts)


def refresh(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    incident = _incident(ctx, payload)
    tz = zone(ctx.config.timezone)
    messenger.update(
        _announcement(incident), render.announcement(incident, tz, _last_update(ctx, incident))
    )


def thread(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    incident = _incident(ctx, payload)
    event = ctx.session.get(IncidentEvent, payload["event"])
    if event is None:
        raise Skip("event gone")
    ref = _announcement(incident)
    messenger.post(ref.channel, render.thread_note(incident, event), thread_ts=ref.ts)


def remind(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    """Nudge the commander when an open incident has gone quiet for its severity's interval.

    The next reminder is queued from here, keyed by its sequence number, so a restart or a second
    scheduler finds the same row instead of making another.
    """
    incident = _incident(ctx, payload)
    if not incident.is_open:
        raise Skip("resolved")
    interval: timedelta = ctx.config.incidents.remind_every[incident.severity]
    n = int(payload["n"])
    quiet_since = incident.last_update_at
    due = quiet_since + interval
    key = keys.remind(incident.id, incident.reopened, n + 1)
    if due > ctx.now:
        # Someone posted an update since this was queued: wait a full interval from it.
        ctx.notify("incident.remind", {"id": incident.id, "n": n + 1}, dedupe_key=key, due_at=due)
        raise Skip("updated meanwhile")
    ref = _announcement(incident)
    messenger.post(
        ref.channel,
        render.reminder(incident, format_duration(ctx.now - quiet_since)),
        thread_ts=ref.ts,
    )
    ctx.notify(
        "incident.remind",
        {"id": incident.id, "n": n + 1},
        dedupe_key=key,
        due_at=ctx.now + interval,
    )


def escalate(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    incident = _incident(ctx, payload)
    if incident.status != IncidentStatus.OPEN or incident.severity not in {"sev1", "sev2"}:
        raise Skip("acknowledged, resolved or no longer urgent")
    people = oncall.on_call(ctx)
    if not people:
        raise Skip("nobody on call and no admins configured")
    tz = zone(ctx.config.timezone)
    after = format_duration(ctx.now - incident.created_at)
    for person in people:
        messenger.dm(person, render.escalation(incident, tz, after))
    ctx.session.add(
        IncidentEvent(
            incident_id=incident.id,
            at=ctx.now,
            actor="opsdesk",
            kind="escalated",
            text=", ".join(f"<@{p}>" for p in people),
        )
    )
    ctx.audit("incident", incident.id, "escalated", {"to": people})
