"""/incident, its buttons and modals, the message shortcut, and `@opsdesk incident ...`."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import App

from bot.context import Ctx
from bot.errors import FormCheck, UserError
from bot.incidents import commands as cmd
from bot.incidents import (
    escalation,
    followup_render,
    followups,
    metrics,
    render,
    roles,
    service,
)
from bot.incidents.commands import COMMANDS
from bot.incidents.ids import Action, Shortcut, View
from bot.messenger import Message
from bot.registry import Registry
from handlers import incident_followups
from handlers.kit import Request, action, button_id, message_shortcut, slash, submission


def _raised(req: Request, title: str, severity: str, **kw: Any) -> Message:
    result = service.raise_incident(req.ctx, title, severity, channel_id=req.channel_id, **kw)
    return render.raised(
        result.incident, trimmed=result.trimmed, where=result.incident.announce_channel
    )


def _raise_command(req: Request, raised: cmd.Raise) -> Message:
    title, severity, resource = raised.title, raised.severity, raised.resource
    if resource is not None and not service.is_resource(req.ctx, resource):
        # "Errors on checkout": a title that happens to end in "on <word>".
        message = _raised(req, f"{title} on {resource}", severity)
        return render.not_a_resource(message, resource)
    return _raised(req, title, severity, resource=resource)


def _meta(req: Request) -> dict[str, str]:
    return {"channel_id": req.channel_id or ""}


def _add_update(ctx: Ctx, incident_id: int, text: str) -> Message:
    incident = service.add_update(ctx, incident_id, text)
    trouble = service.unannounced(ctx, incident)
    if trouble is None:
        return render.update_recorded(incident, None, retrying=False)
    return render.update_recorded(incident, trouble.why, retrying=trouble.retrying)


def run(req: Request, command: cmd.Command | None) -> Message | None:
    ctx = req.ctx
    if incident_followups.handles(command):  # followup, followups, postmortem
        return incident_followups.run(req, command)  # type: ignore[arg-type]
    match command:
        case None:
            resources = [r.name for r in ctx.config.resources]
            req.open_modal(render.raise_modal(resources, metadata=_meta(req)))
            return None
        case cmd.Raise():
            return _raise_command(req, command)
        case cmd.List(scope=scope):
            all_ = scope == "all"
            rows, total = service.listing(ctx, include_resolved=all_, limit=render.LIST_LIMIT)
            return render.incident_list(rows, total, ctx.tz, all_=all_)
        case cmd.Show(id=incident_id):
            incident, events, total_events = service.with_timeline(ctx, incident_id)
            shown = render.detail(incident, events, total_events, ctx.tz)
            return followup_render.with_followups(
                shown, followups.of_incident(ctx, incident_id), ctx.tz
            )
        case cmd.Ack(id=incident_id):
            incident = service.acknowledge(ctx, incident_id)
            return render.done(f"You acknowledged {render.ref(incident)} and command it now.")
        case cmd.Update(id=incident_id, text=text):
            return _add_update(ctx, incident_id, text)
        case cmd.Sev(id=incident_id, severity=severity):
            incident = service.set_severity(ctx, incident_id, severity)
            return render.done(f"{render.ref(incident)} is now {severity}.")
        case cmd.Assign(id=incident_id, user=user_id):
            incident = service.assign(ctx, incident_id, user_id)
            return render.assigned(incident, user_id, ctx.actor.user_id)
        case cmd.Mitigate(id=incident_id, note=note):
            incident = service.mitigate(ctx, incident_id, note)
            return render.done(f"{render.ref(incident)} is mitigated; paging has stopped.")
        case cmd.SetRole(id=incident_id, role=role, user=user_id):
            incident = roles.set_role(ctx, incident_id, role, user_id)
            return render.done(f"<@{user_id}> is now the {role} of {render.ref(incident)}.")
        case cmd.Page(id=incident_id, target=target):
            incident = service.get(ctx, incident_id)
            people = escalation.page_now(ctx, incident, target)
            return render.paging(incident, people)
        case cmd.Resolve(id=incident_id, summary=summary):
            incident = service.resolve(ctx, incident_id, summary)
            return render.done(f"{render.ref(incident)} is resolved.")
        case cmd.Reopen(id=incident_id):
            incident = service.reopen(ctx, incident_id)
            return render.done(f"{render.ref(incident)} is open again.")
        case cmd.Stats(period=period):
            return render.stats(metrics.report(ctx, int(period.rstrip("d"))))
    raise AssertionError(command)


def register(app: App, registry: Registry[Ctx]) -> None:
    registry.add_mention(
        r"incident(?:\s+(?P<rest>.*))?",
        "incident <title> [sev1-4]",
        "raise an incident from chat",
        on_mention,
    )
    slash(app, COMMANDS)(run)

    @action(app, Action.ACK)
    def on_ack(req: Request, value: str) -> Message:
        incident = service.acknowledge(req.ctx, button_id(value, "an incident"))
        return render.done(f"You acknowledged {render.ref(incident)} and command it now.")

    @action(app, Action.MITIGATE)
    def on_mitigate(req: Request, value: str) -> Message:
        incident = service.mitigate(req.ctx, button_id(value, "an incident"))
        return render.done(
            f"{render.ref(incident)} is mitigated; paging has stopped. Resolve it once the "
            "cause is fixed."
        )

    @action(app, Action.RESOLVE)
    def on_resolve(req: Request, value: str) -> Message:
        incident = service.resolve(req.ctx, button_id(value, "an incident"))
        return render.done(
            f"{render.ref(incident)} is resolved. Add a summary with "
            f"`/incident update {incident.id} <text>` if it helps the next person."
        )

    @action(app, Action.UPDATE)
    def on_update_button(req: Request, value: str) -> None:
        incident = service.get(req.ctx, button_id(value, "an incident"))
        req.open_modal(render.update_modal(incident, _meta(req)))

    @submission(app, View.RAISE)
    def on_raise_form(req: Request, values: dict[str, str], metadata: str) -> Message:
        severity = values.get("severity") or "sev3"
        title = values.get("title", "").strip()
        resource = values.get("resource") or None
        check = FormCheck()  # every invalid input is marked at once
        if severity not in service.SEVERITIES:
            check.add("severity", "Choose a severity.")
        if not title:
            check.add("title", "An incident needs a title.")
        check.field("resource", service.check_resource, req.ctx, resource)
        check.done()
        meta = _json(metadata)
        source = (meta["source_channel"], meta["source_ts"]) if meta.get("source_ts") else None
        req.channel_id = req.channel_id or meta.get("channel_id") or None
        return _raised(
            req,
            title,
            severity,
            description=values.get("description") or None,
            resource=resource,
            source=source,
        )

    @submission(app, View.UPDATE)
    def on_update_form(req: Request, values: dict[str, str], metadata: str) -> Message:
        incident_id = int(_json(metadata).get("incident", 0))
        text = values.get("text", "").strip()
        if not text:
            raise UserError("Say what changed.", field="text")
        return _add_update(req.ctx, incident_id, text)

    @message_shortcut(app, Shortcut.RAISE_FROM_MESSAGE)
    def on_shortcut(req: Request, message: dict[str, Any]) -> None:
        text = message.get("text", "")
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        meta = {
            **_meta(req),
            "source_channel": req.channel_id or "",
            "source_ts": message.get("ts", ""),
        }
        author = message.get("user")
        description = text + (f"\n\n(from a message by <@{author}>)" if author else "")
        resources = [r.name for r in req.ctx.config.resources]
        req.open_modal(
            render.raise_modal(resources, title=first_line, description=description, metadata=meta)
        )


def on_mention(req: Request, match: re.Match[str]) -> Message:
    # Read as `/incident raise`, so a missing title or `help` is answered in the same words.
    raised = COMMANDS.build(cmd.Raise, (match.group("rest") or "").split(), req.env)
    assert isinstance(raised, cmd.Raise)
    return _raise_command(req, raised)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
