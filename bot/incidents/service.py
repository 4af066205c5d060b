"""Incident rules: a state machine with a timeline, an audit trail and notices. No Slack here.

open -> acknowledged -> mitigated -> resolved, and resolved -> open again (reopen); the one
table is ``Incident.states``. Every transition is a conditional update, so two people
acknowledging at once record one acknowledgement; the other is told who was first.

``last_update_at`` starts the quiet clock the "no update for ..." reminders measure: a posted
update moves it, and so do raising and reopening (each starts a round of reminders).
Acknowledging, a severity change or a new commander are not updates, so they leave it alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot import ids
from bot.context import Ctx
from bot.errors import Conflict, NotFound, UserError
from bot.incidents import channel, escalation, keys, paging
from bot.incidents.commands import TITLE_LIMIT
from bot.incidents.payloads import IncidentNote, IncidentRef, IncidentReminder
from bot.mrkdwn import echo, truncate
from storage import incidents as repo
from storage import notices as queue
from storage import resources as resources_repo
from storage.base import Total
from storage.incidents import (
    OPEN_STATES,
    SEVERITIES,
    Incident,
    IncidentEvent,
    IncidentStatus,
    Severity,
)
from storage.transitions import compare_and_set

ENTITY = "incident"
OPEN, RESOLVED = IncidentStatus.OPEN, IncidentStatus.RESOLVED
ACKNOWLEDGED, MITIGATED = IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED
TIMELINE_LIMIT = 40


@dataclass(frozen=True)
class Raised:
    incident: Incident
    trimmed: bool


def ref(incident_id: int) -> str:
    return ids.fmt("INC", incident_id)


def get(ctx: Ctx, incident_id: int) -> Incident:
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"There is no incident {ref(incident_id)}.", example="/incident list")
    return incident


def listing(ctx: Ctx, *, include_resolved: bool, limit: int) -> tuple[Sequence[Incident], Total]:
    """Open incidents worst first (resolved ones after them, if asked), and how many in all
    (counted along the list's index up to a cap: "1000+"). A page that is not full is the
    whole list, so it needs no count: the usual answer is one statement."""
    rows = repo.open_incidents(ctx.session, limit=limit, include_resolved=include_resolved)
    if len(rows) < limit:
        return rows, Total(len(rows))
    return rows, repo.count_listed(ctx.session, include_resolved=include_resolved)


def with_timeline(
    ctx: Ctx, incident_id: int, *, limit: int = TIMELINE_LIMIT
) -> tuple[Incident, Sequence[IncidentEvent], int]:
    """The incident, its latest ``limit`` timeline events (oldest first) and how many in all."""
    incident = get(ctx, incident_id)
    events = repo.timeline(ctx.session, incident_id, limit=limit)
    return incident, events, repo.count_events(ctx.session, incident_id)


@dataclass(frozen=True)
class Unannounced:
    """Why an incident's channel does not show its updates; ``retrying``: it will."""

    why: str
    retrying: bool


def unannounced(ctx: Ctx, incident: Incident) -> Unannounced | None:
    """None when the incident's channel shows its updates (announced, or about to be), so
    nobody is told "posted" for something that will not appear."""
    if incident.announce_ts:
        return None
    latest = queue.latest_in_line(ctx.session, keys.announce(incident.id))
    if latest is not None and latest.status in queue.LIVE_NOTICE:
        if not latest.last_error:
            return None  # on its way
        return Unannounced(
            f"its announcement has not reached the channel yet: {latest.last_error}", True
        )
    if latest is not None and latest.status == queue.NoticeStatus.FAILED:
        return Unannounced(f"its announcement could not be posted: {latest.last_error}", False)
    return Unannounced("it has no announcement in a channel", False)


def _event(ctx: Ctx, incident: Incident, kind: str, text: str | None = None) -> IncidentEvent:
    event = IncidentEvent(
        incident_id=incident.id, at=ctx.now, actor=ctx.actor.user_id, kind=kind, text=text
    )
    ctx.session.add(event)
    ctx.session.flush()
    ctx.audit(ENTITY, incident.id, kind, {"text": text} if text else None)
    return event


def _refresh(ctx: Ctx, incident: Incident, event: IncidentEvent, *, thread: bool) -> None:
    """Edit the living announcement; post the change in its thread too when it is news."""
    channel.changed(ctx, incident, event)  # invites and archiving of the incident channel
    ctx.notify(
        "incident.refresh",
        IncidentRef(id=incident.id),
        dedupe_key=keys.refresh(incident.id, event.id),
    )
    if thread:
        ctx.notify(
            "incident.thread",
            IncidentNote(id=incident.id, event=event.id),
            dedupe_key=keys.thread(incident.id, event.id),
        )


def _schedule_followups(ctx: Ctx, incident: Incident, event: IncidentEvent) -> None:
    """A round's first reminder and its escalation (bot/incidents/escalation.py), planned by
    ``event`` (raised or reopened)."""
    interval = ctx.config.incidents.remind_every[incident.severity]
    round_ = incident.reopened
    ctx.notify(
        "incident.remind",
        IncidentReminder(id=incident.id, n=1),
        dedupe_key=keys.remind(incident.id, round_, 1),
        due_at=incident.last_update_at + interval,
    )
    escalation.plan(ctx, incident, event.id)


def is_resource(ctx: Ctx, name: str) -> bool:
    """A resource of the catalogue: one an admin added in chat, or one in the config that
    nobody removed in chat."""
    row = resources_repo.by_name(ctx.session, name.lower())
    if row is not None:
        return row.active
    return name.lower() in {r.name for r in ctx.config.resources}


def check_resource(ctx: Ctx, resource: str | None) -> None:
    if resource is not None and not is_resource(ctx, resource):
        raise UserError(
            f"There is no resource called {echo(resource)}.",
            example="/incident raise DB down on db-1 sev1",
            field="resource",
        )


def raise_incident(
    ctx: Ctx,
    title: str,
    severity: str = "sev3",
    *,
    description: str | None = None,
    resource: str | None = None,
    channel_id: str | None = None,
    source: tuple[str, str] | None = None,
) -> Raised:
    title = " ".join(title.split())
    if not title:
        raise UserError(
            "An incident needs a title.", example="/incident raise Checkout is down sev1"
        )
    if severity not in SEVERITIES:
        raise UserError(
            "Unknown severity; use sev1 (worst) to sev4.", example="/incident raise API slow sev2"
        )
    check_resource(ctx, resource)
    trimmed = len(title) > TITLE_LIMIT
    incident = Incident(
        title=truncate(title, TITLE_LIMIT),
        description=(description or "").strip()[:3000] or None,
        severity=severity,
        status=OPEN,
        reporter=ctx.actor.user_id,
        resource=resource.lower() if resource else None,
        raised_in=channel_id,
        source_channel=source[0] if source else None,
        source_ts=source[1] if source else None,
        announce_channel=ctx.config.incidents.channel or channel_id,
        commander=paging.default_commander(ctx),
        created_at=ctx.now,
        last_update_at=ctx.now,
        reopened=0,
    )
    ctx.session.add(incident)
    ctx.session.flush()
    raised = _event(ctx, incident, "raised", f"{severity}: {incident.title}")
    ctx.notify(
        "incident.announce", IncidentRef(id=incident.id), dedupe_key=keys.announce(incident.id)
    )
    _schedule_followups(ctx, incident, raised)
    return Raised(incident, trimmed)


def acknowledge(ctx: Ctx, incident_id: int) -> Incident:
    incident = get(ctx, incident_id)
    if incident.status == RESOLVED:
        raise Conflict(f"{ref(incident_id)} is already resolved.")
    won = compare_and_set(
        ctx.session,
        Incident,
        incident_id,
        expected={OPEN},
        values={
            "status": IncidentStatus.ACKNOWLEDGED,
            "acknowledged_at": repo.first_acknowledged_at(ctx.now),
            "acknowledged_by": ctx.actor.user_id,
            "commander": incident.commander or ctx.actor.user_id,
        },
    )
    if not won:
        ctx.session.refresh(incident)
        who = incident.acknowledged_by
        raise Conflict(
            f"{ref(incident_id)} was already acknowledged by <@{who}>."
            if who
            else f"{ref(incident_id)} is {incident.status}."
        )
    event = _event(ctx, incident, "acknowledged")
    escalation.cancel(ctx, incident)
    _refresh(ctx, incident, event, thread=True)
    return incident


def mitigate(ctx: Ctx, incident_id: int, note: str | None = None) -> Incident:
    """The impact is over (the cause may not be fixed yet): escalation stops, and the first
    mitigation is kept for "time to mitigate". Mitigating an open incident acknowledges it."""
    incident = get(ctx, incident_id)
    if incident.status == RESOLVED:
        raise Conflict(f"{ref(incident_id)} is already resolved.")
    note = (note or "").strip()[:3000] or None
    won = compare_and_set(
        ctx.session,
        Incident,
        incident_id,
        expected={OPEN, ACKNOWLEDGED},
        values={
            "status": MITIGATED,
            "mitigated_at": repo.first_mitigated_at(ctx.now),
            "acknowledged_at": repo.first_acknowledged_at(ctx.now),
            "acknowledged_by": repo.first_acknowledged_by(ctx.actor.user_id),
            "commander": incident.commander or ctx.actor.user_id,
        },
    )
    if not won:
        ctx.session.refresh(incident)
        raise Conflict(f"{ref(incident_id)} is already {incident.status}.")
    event = _event(ctx, incident, "mitigated", note)
    escalation.cancel(ctx, incident)
    _refresh(ctx, incident, event, thread=True)
    return incident


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise Conflict(
            f"{ref(incident.id)} is resolved; reopen it first.",
            example=f"/incident reopen {incident.id}",
        )


def add_update(ctx: Ctx, incident_id: int, text: str) -> Incident:
    text = text.strip()
    if not text:
        raise UserError("Say what changed.", example="/incident update 7 Rolled back the deploy")
    incident = get(ctx, incident_id)
    _require_open(incident)
    incident.last_update_at = ctx.now
    event = _event(ctx, incident, "update", text[:3000])
    _refresh(ctx, incident, event, thread=True)
    return incident


def set_severity(ctx: Ctx, incident_id: int, severity: Severity) -> Incident:
    incident = get(ctx, incident_id)
    _require_open(incident)
    if incident.severity == severity:
        raise UserError(f"{ref(incident_id)} is already {severity}.")
    old, incident.severity = incident.severity, severity
    event = _event(ctx, incident, "severity", f"{old} → {severity}")
    _refresh(ctx, incident, event, thread=True)
    if incident.status == OPEN:
        # Another policy starts its clock now; the same one goes on as planned.
        escalation.replan(ctx, incident, old, event.id)
    return incident


def assign(ctx: Ctx, incident_id: int, user_id: str) -> Incident:
    incident = get(ctx, incident_id)
    _require_open(incident)
    if incident.commander == user_id:
        if user_id == ctx.actor.user_id:
            raise UserError(f"You already command {ref(incident_id)}.")
        raise UserError(f"<@{user_id}> already commands {ref(incident_id)}.")
    incident.commander = user_id
    event = _event(ctx, incident, "assigned", user_id)
    _refresh(ctx, incident, event, thread=True)
    return incident


def resolve(ctx: Ctx, incident_id: int, summary: str | None = None) -> Incident:
    incident = get(ctx, incident_id)
    won = compare_and_set(
        ctx.session,
        Incident,
        incident_id,
        expected=set(OPEN_STATES),
        values={
            "status": RESOLVED,
            "resolved_at": ctx.now,
            "summary": (summary or "").strip()[:3000] or None,
            "commander": incident.commander or ctx.actor.user_id,
        },
    )
    if not won:
        raise Conflict(f"{ref(incident_id)} is already resolved.")
    event = _event(ctx, incident, "resolved", incident.summary)
    queue.cancel(ctx.session, prefix=keys.followups(incident_id, incident.reopened))
    _refresh(ctx, incident, event, thread=True)
    return incident


def reopen(ctx: Ctx, incident_id: int) -> Incident:
    incident = get(ctx, incident_id)
    won = compare_and_set(
        ctx.session,
        Incident,
        incident_id,
        expected={RESOLVED},
        values={
            "status": OPEN,
            "resolved_at": None,
            "last_update_at": ctx.now,
            "reopened": incident.reopened + 1,
        },
    )
    if not won:
        raise Conflict(f"{ref(incident_id)} is not resolved, so there is nothing to reopen.")
    event = _event(ctx, incident, "reopened")
    _refresh(ctx, incident, event, thread=True)
    _schedule_followups(ctx, incident, event)
    return incident


# What the area's other modules (roles.py) record changes with.
record_event = _event
refresh = _refresh
require_open = _require_open
