"""Incident roles: the commander runs the response, comms keeps people told, the scribe keeps
the timeline. `/incident role <id> <role> @user`; each change is audited, on the timeline and
in the announcement. The commander is the one ``assign`` sets (and acknowledging, and
``default_commander = "oncall"`` at raise time)."""

from __future__ import annotations

from bot.context import Ctx
from bot.errors import UserError
from bot.incidents import service
from storage.incidents import ROLES, Incident


def set_role(ctx: Ctx, incident_id: int, role: str, user_id: str) -> Incident:
    if role not in ROLES:
        raise UserError(
            f"There is no role called `{role}`: use {', '.join(ROLES)}.",
            example=f"/incident role {incident_id} comms @alice",
        )
    if role == "commander":
        return service.assign(ctx, incident_id, user_id)
    incident = service.get(ctx, incident_id)
    service.require_open(incident)
    if getattr(incident, role) == user_id:
        raise UserError(f"<@{user_id}> is already the {role} of {service.ref(incident_id)}.")
    setattr(incident, role, user_id)
    event = service.record_event(ctx, incident, "role", f"{role} {user_id}")
    service.refresh(ctx, incident, event, thread=True)
    return incident
