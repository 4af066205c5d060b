"""Escalation policies at work: an unacknowledged incident pages people, step by step.

Planning: when an incident is raised (or reopened, or its severity moves it to another policy)
every step of its severity's policy is queued at once as a notice due at ``start + after``, in
UTC, so a DST change moves nothing and a restart finds the rows where they were. Each page has
its own dedupe key (keys.page: incident, round, plan, step, repeat), so it is written once
however often planning runs. The last step's repeats are queued one at a time, the next when
one is recorded, aligned on the step's own timetable (``due + k * repeat``), so an outage
that delays the queue does not make a burst of pages when it ends.

Stopping: acknowledging, mitigating and resolving cancel the round's pending pages by prefix
(service.py), and every page checks again, when it is about to go out, that the incident is
still open and still on the same policy.

`/incident page` sends the same DM on demand (``incident.page_now``), to the people named when it
was asked for. Every page is on the timeline ("paged @x (step 2)") and audited as
``escalated`` (the weekly report counts pages from those records).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config
from bot.context import Ctx
from bot.errors import Conflict, UserError
from bot.escalation_config import ADMINS, ROTATION_PREFIX, EscalationPolicy, EscalationStep
from bot.incidents import channel, keys, paging, render
from bot.incidents.payloads import IncidentEscalation, IncidentPage
from bot.mrkdwn import echo
from bot.notices import Dm, Plan, Sent, Skip, say
from bot.tz import zone
from storage import notices as queue
from storage.incidents import Incident, IncidentEvent, IncidentStatus

DEFAULT_SEVERITIES = ["sev1", "sev2"]
DEFAULT_REPEAT = timedelta(minutes=15)
PAGED = "paged"  # the timeline event kind of a page


def policies(config: Config) -> list[EscalationPolicy]:
    """The configured policies, or the default one: sev1 and sev2 page whoever is on call
    (every rotation; the admins when there is none) ``escalate_after`` after being raised,
    again every 15 minutes until acknowledged."""
    if config.escalation:
        return list(config.escalation)
    notify = [f"{ROTATION_PREFIX}{r.name}" for r in config.rotations] or [ADMINS]
    step = EscalationStep(
        after=config.incidents.escalate_after, notify=notify, repeat=DEFAULT_REPEAT
    )
    return [EscalationPolicy(severities=DEFAULT_SEVERITIES, steps=[step])]  # type: ignore[arg-type]


def policy_for(config: Config, severity: str) -> tuple[int, EscalationPolicy] | None:
    for i, policy in enumerate(policies(config)):
        if severity in policy.severities:
            return i, policy
    return None


def plan(ctx: Ctx, incident: Incident, plan_id: int) -> None:
    """Queue every step of the incident's policy, timed from now (raised or reopened now).

    ``plan_id`` is the timeline event that starts this escalation: part of each key.
    """
    found = policy_for(ctx.config, incident.severity)
    if found is None or incident.status != IncidentStatus.OPEN:
        return
    index, policy = found
    for step_no, step in enumerate(policy.steps):
        _queue(ctx, incident, plan_id, index, step_no, 0, ctx.now + step.after)


def replan(ctx: Ctx, incident: Incident, old_severity: str, plan_id: int) -> None:
    """After a severity change: a different policy starts over from now; the same one goes on."""
    before = policy_for(ctx.config, old_severity)
    after = policy_for(ctx.config, incident.severity)
    if before is not None and after is not None and before[0] == after[0]:
        return
    cancel(ctx, incident)
    plan(ctx, incident, plan_id)


def cancel(ctx: Ctx, incident: Incident) -> int:
    """Withdraw the round's pages that have not gone out."""
    return queue.cancel(ctx.session, prefix=keys.escalate(incident.id, incident.reopened))


def _queue(
    ctx: Ctx, incident: Incident, plan_id: int, policy: int, step: int, n: int, due: datetime
) -> None:
    payload = IncidentEscalation(
        id=incident.id,
        round=incident.reopened,
        plan=plan_id,
        policy=policy,
        step=step,
        n=n,
        due=due,
    )
    key = keys.page(incident.id, incident.reopened, plan_id, step, n)
    ctx.notify("incident.escalate", payload, dedupe_key=key, due_at=due)


def _incident(ctx: Ctx, incident_id: int) -> Incident:
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise Skip("incident no longer exists")
    return incident


def escalate(ctx: Ctx, payload: IncidentEscalation) -> Plan[Ctx]:
    """One step (or repeat) of a policy: DM whoever it names, as of the step's due time."""
    incident = _incident(ctx, payload.id)
    if incident.status != IncidentStatus.OPEN:
        raise Skip(f"{incident.status}: escalation stopped")
    if payload.round != incident.reopened:
        raise Skip("from an earlier round of the incident")
    found = policy_for(ctx.config, incident.severity)
    if payload.plan is None:
        # Queued by an older version (one page, no steps): the first step of today's policy.
        payload = payload.model_copy(
            update={"plan": 0, "policy": found[0] if found else -1, "due": ctx.now}
        )
    if found is None or found[0] != payload.policy or payload.step >= len(found[1].steps):
        raise Skip("the incident's escalation policy changed")
    index, policy = found
    step_no, n, plan_id = payload.step, payload.n, payload.plan or 0
    step = policy.steps[step_no]
    due = payload.due or ctx.now
    people = paging.resolve(paging.at(ctx, due), step.notify)
    label = f"step {step_no + 1}" + (f", repeat {n}" if n else "")
    last = step_no == len(policy.steps) - 1
    incident_id = incident.id  # record runs in another unit of work: load again by id

    def following(ctx: Ctx) -> None:
        if last and step.repeat is not None:
            row = ctx.session.get(Incident, incident_id)
            if row is not None and row.status == IncidentStatus.OPEN:
                k = _next_repeat(due, step.repeat, n, ctx.now)
                later = due + (k - n) * step.repeat
                _queue(ctx, row, plan_id, index, step_no, k, later)

    if not people:

        def nobody(ctx: Ctx, sent: Sent) -> None:
            following(ctx)

        return Plan(record=nobody, skip="nobody to page: no one on call and no admins")
    message = render.page(incident, zone(ctx.config.timezone), ctx.now, label)
    dms = [Dm(person, message) for person in people]

    def paged(ctx: Ctx, sent: Sent) -> None:
        told = [dm.user for dm in dms if dm in sent]
        _record(ctx, incident_id, told, actor=None, label=label, step=step_no + 1, repeat=n)
        following(ctx)

    return say(*dms, record=paged)


def _next_repeat(due: datetime, every: timedelta, n: int, now: datetime) -> int:
    """The first repeat after ``n`` (which was due at ``due``) still ahead of ``now``: repeats
    missed while the queue was stopped are skipped, not made up in a burst."""
    return n + (math.floor((now - due) / every) + 1 if now >= due else 1)


def page_now(ctx: Ctx, incident: Incident, target: str) -> list[str]:
    """`/incident page`: who ``target`` (a user id or ``rotation:<name>``) means now, paged
    by a notice due at once. Errors for a closed incident, an unknown or empty rotation."""
    if not incident.is_open:
        raise Conflict(
            f"INC-{incident.id} is resolved: there is nobody to page for it.",
            example=f"/incident reopen {incident.id}",
        )
    if target.startswith(ROTATION_PREFIX):
        name = target.removeprefix(ROTATION_PREFIX)
        if ctx.config.rotation(name) is None:
            known = ", ".join(r.name for r in ctx.config.rotations) or "none are configured"
            raise UserError(
                f"There is no rotation called {echo(name)} (rotations: {known}).",
                example=f"/incident page {incident.id} rotation:primary",
            )
        people = paging.on_call_in(ctx, name)
        if not people:
            raise UserError(
                f"Nobody is on call in {echo(name)} right now; page someone by name.",
                example=f"/incident page {incident.id} @alice",
            )
    else:
        people = [target]
    ctx.notify("incident.page_now", IncidentPage(id=incident.id, to=people, by=ctx.actor.user_id))
    return people


def page(ctx: Ctx, payload: IncidentPage) -> Plan[Ctx]:
    """The DM of `/incident page`: the same as an escalation step's."""
    incident = _incident(ctx, payload.id)
    if not incident.is_open:
        raise Skip("resolved meanwhile")
    by = payload.by
    message = render.page(incident, zone(ctx.config.timezone), ctx.now, f"by <@{by}>")
    dms = [Dm(person, message) for person in payload.to]
    incident_id = incident.id

    def paged(ctx: Ctx, sent: Sent) -> None:
        told = [dm.user for dm in dms if dm in sent]
        _record(ctx, incident_id, told, actor=by, label=None, step=None, repeat=0)

    return say(*dms, record=paged)


def _record(
    ctx: Ctx,
    incident_id: int,
    told: list[str],
    *,
    actor: str | None,
    label: str | None,
    step: int | None,
    repeat: int,
) -> None:
    if not told:
        return
    who = ", ".join(f"<@{p}>" for p in told)
    event = IncidentEvent(
        incident_id=incident_id,
        at=ctx.now,
        actor=actor or ctx.actor.user_id,
        kind=PAGED,
        text=f"{who} ({label})" if label else who,
    )
    ctx.session.add(event)
    ctx.session.flush()
    incident = ctx.session.get(Incident, incident_id)
    if incident is not None:  # whoever is paged joins the incident channel, if there is one
        channel.invite(ctx, incident, told, f"paged:{event.id}")
    data: dict[str, Any] = {"to": told}
    if step is not None:
        data |= {"step": step, "repeat": repeat}
    if actor:
        data["by"] = actor
    ctx.audit("incident", incident_id, "escalated", data)
