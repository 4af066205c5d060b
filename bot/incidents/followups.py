"""Follow-ups: action items recorded against an incident, open until someone marks them done.

Numbered across all incidents (``FUP-3``), owned by one person (whoever recorded it unless an
``@owner`` is named), listed in ``/incident show``, on the owner's App Home and in digests while
open. The owner, the incident's commander or an admin marks one done: a conditional update, so
two people marking it at once record it once. Both are on the incident's timeline and audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from bot.context import Ctx
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.incidents import followup_render as render
from bot.incidents.followup_commands import PREFIX, TEXT_LIMIT
from bot.sections import DigestSection
from storage import incident_followups as repo
from storage.incident_followups import FollowupStatus, IncidentFollowup
from storage.incidents import Incident, IncidentEvent
from storage.transitions import compare_and_set

ENTITY = "incident_followup"
LIST_LIMIT = 20
HOME_LIMIT = 10
PER_INCIDENT = 50


def ref(number: int) -> str:
    return ids.fmt(PREFIX, number)


def _incident(ctx: Ctx, incident_id: int) -> Incident:
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(
            f"There is no incident {ids.fmt('INC', incident_id)}.", example="/incident list"
        )
    return incident


def _timeline(ctx: Ctx, incident_id: int, kind: str, text: str) -> None:
    ctx.session.add(
        IncidentEvent(
            incident_id=incident_id, at=ctx.now, actor=ctx.actor.user_id, kind=kind, text=text
        )
    )


def record(ctx: Ctx, incident_id: int, text: str, owner: str | None = None) -> IncidentFollowup:
    text = " ".join(text.split())
    if not text:
        raise UserError(
            "Say what needs doing.", example="/incident followup 7 Alert on the error rate @bob"
        )
    if len(text) > TEXT_LIMIT:
        raise UserError(f"Keep a follow-up under {TEXT_LIMIT} characters; it has {len(text)}.")
    incident = _incident(ctx, incident_id)
    item = IncidentFollowup(
        incident_id=incident.id,
        text=text,
        owner=owner or ctx.actor.user_id,
        status=FollowupStatus.OPEN,
        created_by=ctx.actor.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(item)
    ctx.session.flush()
    _timeline(ctx, incident.id, "followup", f"{ref(item.id)}: {text}")
    ctx.audit(ENTITY, item.id, "recorded", {"incident": incident.id, "owner": item.owner})
    return item


def get(ctx: Ctx, number: int) -> IncidentFollowup:
    item = ctx.session.get(IncidentFollowup, number)
    if item is None:
        raise NotFound(f"There is no follow-up {ref(number)}.", example="/incident followups")
    return item


def mark_done(ctx: Ctx, number: int) -> IncidentFollowup:
    item = get(ctx, number)
    if not item.is_open:
        raise Conflict(f"{ref(number)} is already done (by <@{item.done_by}>).")
    incident = _incident(ctx, item.incident_id)
    actor = ctx.actor.user_id
    if actor not in {item.owner, incident.commander} and not ctx.actor.is_admin:
        raise Forbidden(
            f"Only {ref(number)}'s owner <@{item.owner}>, the commander of "
            f"{ids.fmt('INC', incident.id)} or an admin can mark it done."
        )
    won = compare_and_set(
        ctx.session,
        IncidentFollowup,
        number,
        expected={FollowupStatus.OPEN},
        values={"status": FollowupStatus.DONE, "done_at": ctx.now, "done_by": actor},
        refresh_on_loss=True,
    )
    if not won:
        raise Conflict(f"{ref(number)} is already done (by <@{item.done_by}>).")
    _timeline(ctx, incident.id, "followup_done", ref(number))
    ctx.audit(ENTITY, number, "done", {"incident": incident.id})
    return item


def of_incident(ctx: Ctx, incident_id: int) -> Sequence[IncidentFollowup]:
    return repo.of_incident(ctx.session, incident_id, limit=PER_INCIDENT)


def listing(ctx: Ctx, *, mine: bool) -> tuple[Sequence[IncidentFollowup], int]:
    owner = ctx.actor.user_id if mine else None
    return (
        repo.open_items(ctx.session, owner=owner, limit=LIST_LIMIT),
        repo.count_open(ctx.session, owner=owner),
    )


# --- sections ----------------------------------------------------------------------------------


def digest_section(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    total = repo.count_open(ctx.session)
    if not total:
        return None
    items = repo.open_items(ctx.session, limit=limit)
    lines = [render.line(item, tz) for item in items]
    return DigestSection("Open follow-ups", lines, total, "/incident followups")


def home_section(ctx: Ctx, viewer: str) -> list[dict[str, Any]]:
    items = repo.open_items(ctx.session, owner=viewer, limit=HOME_LIMIT)
    if not items:
        return []  # nothing to do: no section rather than an empty one
    total = repo.count_open(ctx.session, owner=viewer)
    return render.home(items, total, ctx.tz)
