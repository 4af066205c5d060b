"""Alerts in: one incident per alert group while it is not resolved, through the incidents
service, so announcements, reminders, escalation and the audit trail work as for any incident.

A delivery locks its group's row (``storage/alerts.py``) before it reads anything, so two
deliveries of one group (Alertmanager retrying, several workers) take turns and the second
sees what the first did: one incident, never two.

What a delivery does, by what is firing and the state of the group's incident:

- nothing firing: an open incident is resolved (``auto_resolve``) or gets one note; else nothing;
- no incident yet: one is raised;
- an open incident: nothing when the firing set is the one of the last delivery (Alertmanager
  re-sends a group every ``repeat_interval``), else one thread note saying what changed;
- a resolved incident: reopened when it was resolved less than ``reopen_within`` ago, else a new
  incident is raised. A re-sent group whose firing set has not changed since a person resolved
  its incident leaves it resolved: the person decided, and nothing new happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.alerts import render
from bot.alerts.payloads import Batch
from bot.config import AlertSourceConfig
from bot.context import Ctx
from bot.errors import UserError
from bot.incidents import service as incidents
from storage import alerts as store
from storage.alerts import AlertGroup
from storage.incidents import Incident, IncidentEvent

Action = Literal["created", "updated", "unchanged", "resolved", "reopened"]
ACTOR_PREFIX = "alerts:"


@dataclass(frozen=True)
class Outcome:
    incident_id: int | None
    action: Action

    def as_json(self) -> dict[str, str | None]:
        ref = incidents.ref(self.incident_id) if self.incident_id is not None else None
        return {"incident": ref, "action": self.action}


def actor_id(source: AlertSourceConfig) -> str:
    """Who acts on the timeline and in the audit trail: the source, not a person."""
    return f"{ACTOR_PREFIX}{source.name}"


def receive(ctx: Ctx, source: AlertSourceConfig, batch: Batch) -> Outcome:
    firing = sorted({a.fingerprint for a in batch.firing})
    # A repeat (most deliveries in a storm) changes nothing whatever the state of the incident:
    # answered from a plain read, no lock and no write. Racing a change, it is the delivery
    # that came first; a stale read sees another set and takes the locked path below.
    seen = store.peek_group(ctx.session, source.name, batch.group_key)
    if seen is not None and list(seen.firing or []) == firing and (seen.incident_id or not firing):
        return Outcome(seen.incident_id, "unchanged")

    group = store.lock_group(ctx.session, source.name, batch.group_key, ctx.now)
    before = list(group.firing or [])
    incident = store.lock_incident(ctx.session, group.incident_id) if group.incident_id else None
    if firing != before:
        group.firing, group.updated_at = firing, ctx.now

    if not firing:
        if incident is None or not incident.is_open or not before:
            return Outcome(incident.id if incident else None, "unchanged")
        if source.auto_resolve:
            incidents.resolve(ctx, incident.id, render.all_resolved(source.name, closing=True))
            return Outcome(incident.id, "resolved")
        incidents.add_update(ctx, incident.id, render.all_resolved(source.name, closing=False))
        return Outcome(incident.id, "updated")

    if incident is None:
        return _create(ctx, source, batch, group)
    if incident.is_open:
        if firing == before:
            return Outcome(incident.id, "unchanged")
        incidents.add_update(ctx, incident.id, render.changed(batch, before))
        return Outcome(incident.id, "updated")
    if firing == before:
        return Outcome(incident.id, "unchanged")  # resolved by a person; nothing new fired
    resolved_at = incident.resolved_at
    if resolved_at is not None and ctx.now - resolved_at < source.reopen_within:
        incidents.reopen(ctx, incident.id)
        _timeline(ctx, incident, render.fired(batch))
        return Outcome(incident.id, "reopened")
    return _create(ctx, source, batch, group)


def _create(ctx: Ctx, source: AlertSourceConfig, batch: Batch, group: AlertGroup) -> Outcome:
    raised = incidents.raise_incident(
        ctx,
        batch.title,
        batch.severity or "sev3",
        description=render.description(batch),
        resource=_known_resource(ctx, batch.resource),
        channel_id=source.channel,
    )
    incident = raised.incident
    if source.channel:
        incident.announce_channel = source.channel  # the source's channel wins over the default
    _timeline(ctx, incident, render.fired(batch))
    group.incident_id = incident.id
    ctx.audit("alert_group", group.id, "raised", {"incident": incident.id, "source": source.name})
    return Outcome(incident.id, "created")


def _known_resource(ctx: Ctx, name: str | None) -> str | None:
    """Link the incident to the resource the label names, when the catalogue has it; an
    unknown name is not the sender's error, so the incident is raised without the link."""
    if not name:
        return None
    try:
        incidents.check_resource(ctx, name)
    except UserError:
        return None
    return name


def _timeline(ctx: Ctx, incident: Incident, text: str) -> None:
    """An entry on the timeline only (`/incident show`): the links, no message of its own."""
    ctx.session.add(
        IncidentEvent(
            incident_id=incident.id, at=ctx.now, actor=ctx.actor.user_id, kind="alert", text=text
        )
    )
    ctx.audit("incident", incident.id, "alert", {"text": text[:500]})
