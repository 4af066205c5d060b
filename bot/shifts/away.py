"""Time off: the rotations skip someone who is away.

Recording time off hands each of the person's shifts (the part inside the window) to the next
member of the rotation, in rotation order, who is not away then; each is an override of kind
``away`` (announced like any other override: at its start, in the rotation's channel, and with
the usual reminder). The rotation's channel hears the plan at once, and when a shift finds
nobody, the admins are told by DM at once too, not at the hand-off.

Cancelling time off removes the overrides it made that have not started yet (the rotation's
own schedule applies again); one already under way is kept: the substitute finishes that
stretch, and the two can swap back with ``/shift swap``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import ids
from bot.clock import whole_minute
from bot.config import RotationConfig
from bot.context import Ctx
from bot.errors import Forbidden, NotFound, UserError
from bot.shifts import keys, service
from bot.shifts.payloads import AwayCancelled, AwayPlanned
from storage import shift_changes as repo
from storage import shifts as shift_repo
from storage.shift_changes import Away, AwayStatus
from storage.shifts import ShiftOverride

ENTITY = "shift_away"
PREFIX = "AWY"
MAX_AWAY = timedelta(days=90)
FOREVER = timedelta(days=3660)
EXAMPLE = "/shift away mon 9am for 1w"


def ref(away_id: int) -> str:
    return ids.fmt(PREFIX, away_id)


@dataclass
class Planned:
    away: Away
    covered: list[ShiftOverride] = field(default_factory=list)
    uncovered: list[tuple[str, datetime, datetime]] = field(default_factory=list)  # rotation


def record(ctx: Ctx, user_id: str | None, start: datetime, end: datetime) -> Planned:
    """``/shift away <from> <to|for> [@user]``."""
    who = user_id or ctx.actor.user_id
    if who != ctx.actor.user_id and not ctx.actor.is_admin:
        raise Forbidden("Only admins can record time off for someone else.", example=EXAMPLE)
    if end <= start:
        raise UserError("Time off must end after it starts.", example=EXAMPLE)
    if end <= ctx.now:
        raise UserError("That window is already over; give one that ends in the future.")
    if end - start > MAX_AWAY:
        raise UserError("Time off is recorded for at most 90 days at a time.", example=EXAMPLE)
    rotations = [r for r in ctx.config.rotations if who in r.members]
    if not rotations:
        raise UserError(f"<@{who}> is in no rotation, so there are no shifts to hand on.")
    for other in repo.away_between(ctx.session, start, end, [who]):
        raise UserError(
            f"<@{who}> is already away then ({ref(other.id)}); cancel it first to change it.",
            example=f"/shift away cancel {ref(other.id)}",
        )
    away = repo.add_away(
        ctx.session,
        Away(
            user_id=who,
            starts_at=start,
            ends_at=end,
            status=AwayStatus.ACTIVE,
            created_by=ctx.actor.user_id,
            created_at=ctx.now,
        ),
    )
    ctx.audit(ENTITY, away.id, "away.recorded", {"user": who, "from": _iso(start), "to": _iso(end)})
    planned = Planned(away)
    for rot in rotations:
        _cover(ctx, rot, planned)
    return planned


def _iso(t: datetime) -> str:
    return t.isoformat()


def _cover(ctx: Ctx, rot: RotationConfig, planned: Planned) -> None:
    away = planned.away
    start = max(away.starts_at, whole_minute(ctx.now))
    segs = service.schedule(ctx, rot, start, away.ends_at).segments(start, away.ends_at)
    covered, uncovered = [], []
    for seg in (s for s in segs if s.user == away.user_id):
        sub = _substitute(ctx, rot, away.user_id, seg.start, seg.end)
        if sub is None:
            uncovered.append((rot.name, seg.start, seg.end))
            continue
        detail = {"rotation": rot.name, "user": sub, "replaces": away.user_id, "away": ref(away.id)}
        covered.append(
            service.record_override(
                ctx,
                rot,
                detail,
                kind="away",
                told=frozenset({away.user_id}),
                user_id=sub,
                starts_at=seg.start,
                ends_at=seg.end,
                replaces=away.user_id,
                away_id=away.id,
            )
        )
    planned.covered += covered
    planned.uncovered += uncovered
    if covered or uncovered:
        ctx.audit(
            ENTITY,
            away.id,
            "away.planned",
            {
                "rotation": rot.name,
                "covered": [o.id for o in covered],
                "uncovered": [[_iso(a), _iso(b)] for _, a, b in uncovered],
            },
        )
        ctx.notify(
            "shift.away_planned",
            AwayPlanned(
                away=away.id, rotation=rot.name, uncovered=tuple((a, b) for _, a, b in uncovered)
            ),
            dedupe_key=keys.away(away.id, rot.name, "planned"),
        )


def _substitute(
    ctx: Ctx, rot: RotationConfig, user_id: str, start: datetime, end: datetime
) -> str | None:
    """The next member after ``user_id``, in rotation order, not away at any time in between."""
    i = rot.members.index(user_id)
    order = [m for m in rot.members[i + 1 :] + rot.members[:i] if m != user_id]
    away = {a.user_id for a in repo.away_between(ctx.session, start, end, order)}
    return next((m for m in order if m not in away), None)


def listing(ctx: Ctx) -> list[Away]:
    """Current and upcoming time off: the actor's own, or everyone's for an admin."""
    users = None if ctx.actor.is_admin else [ctx.actor.user_id]
    return list(repo.away_between(ctx.session, ctx.now, ctx.now + FOREVER, users))


@dataclass
class Cancelled:
    away: Away
    undone: list[ShiftOverride]  # removed: they had not started
    kept: list[ShiftOverride]  # under way: the substitute finishes them


def cancel(ctx: Ctx, away_id: int) -> Cancelled:
    away = repo.get_away(ctx.session, away_id)
    if away is None:
        raise NotFound(f"There is no time off {ref(away_id)}.", example="/shift away list")
    if away.user_id != ctx.actor.user_id and not ctx.actor.is_admin:
        raise Forbidden(f"Only <@{away.user_id}> or an admin can cancel {ref(away_id)}.")
    if away.status == AwayStatus.CANCELLED:
        raise UserError(f"{ref(away_id)} is already cancelled.", example="/shift away list")
    if away.ends_at <= ctx.now:
        raise UserError(f"{ref(away_id)} is already over.", example="/shift away list")
    if not repo.cancel_away(ctx.session, away_id, ctx.now):
        raise UserError(f"{ref(away_id)} is already cancelled.", example="/shift away list")
    made = shift_repo.overrides_for_away(ctx.session, away_id)
    undone = [o for o in made if o.starts_at > ctx.now]
    kept = [o for o in made if o.starts_at <= ctx.now < o.ends_at]
    shift_repo.delete_overrides(ctx.session, [o.id for o in undone])
    ctx.audit(
        ENTITY,
        away_id,
        "away.cancelled",
        {"undone": [o.id for o in undone], "kept": [o.id for o in kept]},
    )
    for rot_name in sorted({o.rotation for o in undone}):
        gone = [o for o in undone if o.rotation == rot_name]
        ctx.notify(
            "shift.away_cancelled",
            AwayCancelled(
                away=away_id,
                rotation=rot_name,
                user=away.user_id,
                undone=tuple((o.user_id, o.starts_at, o.ends_at) for o in gone),
            ),
            dedupe_key=keys.away(away_id, rot_name, "cancelled"),
        )
    for rot in ctx.config.rotations:
        service.check_handoff(ctx, rot)
    return Cancelled(away, undone, kept)
