"""The incident's own channel (``[incidents] create_channel``), kept live.

- Its **status message** carries the same content as the announcement and is edited in place on
  every change (``edits``), with the buttons the state allows; the announcement channel keeps its
  one message, edited too, with a link to the incident channel (``linked``).
- Every note posted in the announcement's thread is **mirrored** in the channel (``mirror``).
- People who join the response (acknowledging, made commander, given a role, paged) are
  **invited** (``invite``), one notice per reason so a retry never invites twice for nothing.
- It is **archived** ``archive_after`` after resolution (a notice with a due time, keyed by the
  incident's round); reopening cancels it. Once archived, it is left alone: edits and mirrored
  notes go to the announcement only.

Edits are ``Update`` plans rendered from the incident as it is when the notice is sent, so an edit
sent late or twice shows the latest state. Two edits on two threads can still land in the wrong
order (the older rendered before a change, delivered after the newer): each edit's record checks
whether the incident changed since it rendered and, if so, queues one more edit (``converge``).
"""

from __future__ import annotations

import re

from bot import blocks as b
from bot.context import Ctx
from bot.incidents import keys
from bot.incidents.payloads import IncidentArchive, IncidentInvite, IncidentRef
from bot.messenger import Message, MessageRef
from bot.notices import Archive, Invite, NotYet, Plan, Post, Record, Sent, Skip, Update, say
from storage import incidents as repo
from storage import notices as queue
from storage.incidents import Incident, IncidentEvent, IncidentStatus

_MENTION = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>")
_USER_ID = re.compile(r"^[UW][A-Z0-9_]+$")
# Timeline entries whose text names the people they bring in (a page, a role, an escalation).
PEOPLE_KINDS = frozenset({"assigned", "role", "page", "paged", "escalated"})


def live(incident: Incident) -> str | None:
    """The incident's own channel while it takes posts: created, apart from the announcement's,
    and not archived."""
    channel = incident.incident_channel
    if not channel or incident.channel_archived_at is not None:
        return None
    return channel if channel != incident.announce_channel else None


def linked(message: Message, incident: Incident) -> Message:
    """The announcement with a line pointing at the incident channel (before its buttons)."""
    if not incident.incident_channel or incident.incident_channel == incident.announce_channel:
        return message
    blocks = list(message.blocks or [])
    where = len(blocks) - 1 if blocks and blocks[-1].get("type") == "actions" else len(blocks)
    note = "archived" if incident.channel_archived_at else "where the response happens"
    link = f":speech_balloon: Incident channel: <#{incident.incident_channel}> ({note})"
    blocks.insert(where, b.context(link))
    return Message(message.text, blocks)


def edits(incident: Incident, message: Message, announcement: MessageRef) -> list[Update]:
    """Edit the announcement and, while the channel is live, its status message."""
    calls = [Update(announcement, linked(message, incident))]
    channel = live(incident)
    if channel and incident.channel_ts:
        calls.append(Update(MessageRef(channel, incident.channel_ts), message))
    return calls


def version(ctx: Ctx, incident_id: int) -> int:
    """The incident's latest timeline entry: every change adds one."""
    latest = repo.timeline(ctx.session, incident_id, limit=1)
    return latest[-1].id if latest else 0


def converge(incident_id: int, seen: int) -> Record[Ctx]:
    """After an edit rendered at version ``seen`` went out: if the incident changed meanwhile,
    the newer state's own edit may have landed first and been overwritten by this older one, so
    edit once more (keyed by the newest version: however many stale edits, one more edit)."""

    def record(ctx: Ctx, sent: Sent) -> None:
        latest = version(ctx, incident_id)
        if latest != seen:
            key = keys.reedit(incident_id, latest)
            ctx.notify("incident.refresh", IncidentRef(id=incident_id), dedupe_key=key)

    return record


def mirror(incident: Incident, note: Message) -> list[Post]:
    """A thread note, posted in the live incident channel too."""
    channel = live(incident)
    return [Post(channel, note)] if channel else []


# --- changes: invites and archiving ------------------------------------------------------------


def people_in(event: IncidentEvent) -> list[str]:
    """Who a timeline entry brings in: mentions in its text, or its text when it is an id."""
    text = (event.text or "").strip()
    if _USER_ID.match(text):
        return [text]
    return sorted(set(_MENTION.findall(text)))


def invite(ctx: Ctx, incident: Incident, people: list[str], why: str) -> None:
    """Invite people to the incident channel (after commit, through the notice queue)."""
    people = sorted({p for p in people if p and _USER_ID.match(p)})
    if not ctx.config.incidents.create_channel or not people:
        return
    ctx.notify(
        "incident.invite",
        IncidentInvite(id=incident.id, users=people),
        dedupe_key=keys.invite(incident.id, why),
    )


def changed(ctx: Ctx, incident: Incident, event: IncidentEvent) -> None:
    """What the incident channel needs after a change on the timeline (called by the service)."""
    if not ctx.config.incidents.create_channel:
        return
    people = people_in(event) if event.kind in PEOPLE_KINDS else []
    if event.kind == "acknowledged" and incident.commander:
        people.append(incident.commander)
    invite(ctx, incident, people, str(event.id))
    if event.kind == "resolved":
        ctx.notify(
            "incident.archive",
            IncidentArchive(id=incident.id, round=incident.reopened),
            dedupe_key=keys.archive(incident.id, incident.reopened),
            due_at=ctx.now + ctx.config.incidents.archive_after,
        )
    elif event.kind == "reopened":
        queue.cancel(ctx.session, prefix=keys.archives(incident.id))


# --- notice handlers ---------------------------------------------------------------------------


def _incident(ctx: Ctx, incident_id: int) -> Incident:
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise Skip("incident no longer exists")
    return incident


def _channel(incident: Incident) -> str:
    if incident.channel_archived_at is not None:
        raise Skip("the incident channel is archived")
    if not incident.incident_channel:
        raise NotYet(
            f"INC-{incident.id} has no channel yet", behind=keys.announce(incident.id) + "%"
        )
    return incident.incident_channel


def on_invite(ctx: Ctx, payload: IncidentInvite) -> Plan[Ctx]:
    incident = _incident(ctx, payload.id)
    return say(Invite(_channel(incident), tuple(payload.users)))


def on_archive(ctx: Ctx, payload: IncidentArchive) -> Plan[Ctx]:
    incident = _incident(ctx, payload.id)
    if incident.status != IncidentStatus.RESOLVED or incident.reopened != payload.round:
        raise Skip("reopened since")
    if not incident.incident_channel:
        raise Skip("the incident has no channel")
    channel = _channel(incident)
    incident_id = incident.id

    def archived(ctx: Ctx, sent: Sent) -> None:
        row = ctx.session.get(Incident, incident_id)
        if row is None:
            return
        row.channel_archived_at = ctx.now
        event = IncidentEvent(
            incident_id=incident_id, at=ctx.now, actor="opsdesk", kind="archived", text=channel
        )
        ctx.session.add(event)
        ctx.session.flush()
        ctx.audit("incident", incident_id, "channel_archived", {"channel": channel})
        # The announcement says so: its link now reads "archived".
        ctx.notify(
            "incident.refresh",
            IncidentRef(id=incident_id),
            dedupe_key=keys.refresh(incident_id, event.id),
        )

    return say(Archive(channel), record=archived)
