"""What incidents say in Slack, planned from current data and said by the notice queue.

The announcement is awaited: edits and thread notes wait while it is on its way, and it is made
again when it fails (bot/dispatcher.py), so they never wait for nothing. Replies and edits skip
once it has ended without going out (nowhere to announce).
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot import oncall
from bot.context import Ctx
from bot.incidents import channel, keys, render
from bot.incidents.payloads import IncidentNote, IncidentRef, IncidentReminder
from bot.messenger import MessageRef
from bot.notices import CreateChannel, Invite, NotYet, Plan, Post, Sent, Skip, say
from bot.timeparse import format_duration
from bot.tz import zone
from storage import incidents as repo
from storage.incidents import Incident, IncidentEvent


def _incident(ctx: Ctx, incident_id: int) -> Incident:
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise Skip("incident no longer exists")
    return incident


def _last_update(ctx: Ctx, incident: Incident) -> IncidentEvent | None:
    return repo.last_update(ctx.session, incident.id)


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:40].rstrip("-") or "incident"


def announce(ctx: Ctx, payload: IncidentRef) -> Plan[Ctx]:
    """Post the living announcement; with ``create_channel``, first make the incident's channel
    (a round of its own: the posts need its id), invite the people and post there too."""
    incident = _incident(ctx, payload.id)
    incident_id = incident.id
    if ctx.config.incidents.create_channel and not incident.incident_channel:
        create = CreateChannel(f"inc-{incident.id}-{_slug(incident.title)}")

        def created(ctx: Ctx, sent: Sent) -> None:
            row = _reload(ctx, incident_id)
            row.incident_channel = sent.channel(create)
            row.announce_channel = row.announce_channel or row.incident_channel

        return Plan((create,), created, again=True)
    if not incident.announce_channel:
        raise Skip("nowhere to announce")
    message = render.announcement(incident, zone(ctx.config.timezone), _last_update(ctx, incident))
    calls: list[Invite | Post] = []
    status: Post | None = None  # the incident channel's own status message
    if ctx.config.incidents.create_channel and incident.incident_channel:
        people = tuple(sorted({incident.reporter, *oncall.on_call(ctx)}))
        calls.append(Invite(incident.incident_channel, people))
        if incident.incident_channel != incident.announce_channel:
            status = Post(incident.incident_channel, message)
            calls.append(status)
    post = Post(incident.announce_channel, channel.linked(message, incident))

    def announced(ctx: Ctx, sent: Sent) -> None:
        row = _reload(ctx, incident_id)
        row.announce_channel, row.announce_ts = sent[post].channel, sent[post].ts
        if status is not None and status in sent:
            row.channel_ts = sent[status].ts

    return say(*calls, post, record=announced)


def _reload(ctx: Ctx, incident_id: int) -> Incident:
    row = ctx.session.get(Incident, incident_id)
    if row is None:
        raise Skip("incident no longer exists")
    return row


def _announcement(incident: Incident) -> MessageRef:
    if not incident.announce_channel or not incident.announce_ts:
        # Not out yet (on another thread, being retried, or made again after a failure).
        raise NotYet(
            f"INC-{incident.id} is not announced yet", behind=keys.announce(incident.id) + "%"
        )
    return MessageRef(incident.announce_channel, incident.announce_ts)


def refresh(ctx: Ctx, payload: IncidentRef) -> Plan[Ctx]:
    incident = _incident(ctx, payload.id)
    tz = zone(ctx.config.timezone)
    message = render.announcement(incident, tz, _last_update(ctx, incident))
    seen = channel.version(ctx, incident.id)
    edits = channel.edits(incident, message, _announcement(incident))
    return say(*edits, record=channel.converge(incident.id, seen))


def thread(ctx: Ctx, payload: IncidentNote) -> Plan[Ctx]:
    incident = _incident(ctx, payload.id)
    event = ctx.session.get(IncidentEvent, payload.event)
    if event is None:
        raise Skip("event gone")
    ref = _announcement(incident)
    note = render.thread_note(incident, event)
    return say(Post(ref.channel, note, thread_ts=ref.ts), *channel.mirror(incident, note))


def remind(ctx: Ctx, payload: IncidentReminder) -> Plan[Ctx]:
    """Nudge the commander when an open incident has gone quiet for its severity's interval.

    The next reminder is queued when this one is recorded, keyed by its sequence number, so a
    restart or a second scheduler finds the same row instead of making another.
    """
    incident = _incident(ctx, payload.id)
    if not incident.is_open:
        raise Skip("resolved")
    interval: timedelta = ctx.config.incidents.remind_every[incident.severity]
    n = payload.n
    quiet_since = incident.last_update_at
    due = quiet_since + interval
    following = IncidentReminder(id=incident.id, n=n + 1)
    key = keys.remind(incident.id, incident.reopened, n + 1)
    if due > ctx.now:
        # Someone posted an update since this was queued: wait a full interval from it.
        def later(ctx: Ctx, sent: Sent) -> None:
            ctx.notify("incident.remind", following, dedupe_key=key, due_at=due)

        return Plan(record=later, skip="updated meanwhile")
    ref = _announcement(incident)
    post = Post(
        ref.channel,
        render.reminder(incident, format_duration(ctx.now - quiet_since)),
        thread_ts=ref.ts,
    )

    def next_one(ctx: Ctx, sent: Sent) -> None:
        ctx.notify("incident.remind", following, dedupe_key=key, due_at=ctx.now + interval)

    return say(post, record=next_one)
