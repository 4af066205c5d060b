"""`/incident followup`, `followups` and `postmortem`: parsed by /incident, answered here."""

from __future__ import annotations

from bot.commands import Command
from bot.incidents import followup_render, followups, postmortem
from bot.incidents.followup_commands import Followup, Followups, Postmortem
from bot.messenger import Message
from handlers.kit import Request


def handles(command: Command | None) -> bool:
    return isinstance(command, Followup | Followups | Postmortem)


def run(req: Request, command: Command) -> Message:
    ctx = req.ctx
    match command:
        case Followup(done=True, id=number):
            return followup_render.done(followups.mark_done(ctx, number))
        case Followup(id=incident_id, text=text, owner=owner):
            item = followups.record(ctx, incident_id, text or "", owner)
            return followup_render.recorded(item, ctx.actor.user_id)
        case Followups(scope=scope):
            items, total = followups.listing(ctx, mine=scope == "mine")
            return followup_render.listing(items, total, ctx.tz, mine=scope == "mine")
        case Postmortem(id=incident_id):
            incident, target = postmortem.request(ctx, incident_id)
            where = "your DM" if target == ctx.actor.user_id else f"<#{target}>"
            return Message(
                f":page_facing_up: Writing the postmortem of *INC-{incident.id}*; it will be "
                f"shared in {where} as a Markdown file in a moment."
            )
    raise AssertionError(command)
