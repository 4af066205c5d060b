"""Shift rules: schedules with their overrides, overrides themselves, hand-off detection.

No Slack here. Shifts are computed (bot/shifts/rotation.py); overrides are rows, created by
rotation members or admins, each in one transaction with its audit record. The hand-off check
compares who is on call now with the rotation's stored snapshot and, only when they differ,
moves the snapshot with a conditional update and queues the notice in that same transaction
under a key derived from the snapshot's version: two schedulers, or a restart in the middle of
the hand-off minute, announce each hand-off exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import ids
from bot.clock import whole_minute
from bot.config import RotationConfig
from bot.context import Ctx
from bot.errors import Forbidden, NotFound, UserError
from bot.mrkdwn import echo
from bot.shifts import keys
from bot.shifts.payloads import Handoff, OverrideReplaced
from bot.shifts.rotation import HORIZON, Cover, Run, Schedule, Segment, runs
from storage import shifts as repo
from storage.shifts import ShiftOverride

ENTITY = "shift"
MAX_OVERRIDE = timedelta(days=90)
HANDOFF_EXPIRES = timedelta(hours=6)
LIST_LIMIT = 40  # segments per rotation in one list (Slack allows 50 blocks a message)


def ref(slot_id: int) -> str:
    return ids.fmt("SHF", slot_id)


def rotations(ctx: Ctx, name: str | None) -> list[RotationConfig]:
    """The named rotation, or all of them; an unknown name is a clear error."""
    if not ctx.config.rotations:
        raise UserError(
            "No rotations are set up yet: an admin adds `[[rotations]]` to opsdesk.toml."
        )
    if name is None:
        return list(ctx.config.rotations)
    rot = ctx.config.rotation(name.lower())
    if rot is None:
        known = ", ".join(r.name for r in ctx.config.rotations)
        raise NotFound(f"There is no rotation called `{echo(name)}`. Rotations: {known}.")
    return [rot]


def one_rotation(ctx: Ctx, name: str | None) -> RotationConfig:
    found = rotations(ctx, name)
    if len(found) > 1:
        known = ", ".join(r.name for r in found)
        raise UserError(f"Which rotation? Name one of: {known}.", example="/shift now primary")
    return found[0]


def schedule(ctx: Ctx, rot: RotationConfig, start: datetime, end: datetime) -> Schedule:
    """The rotation with the overrides that touch [start, end) (one bounded query)."""
    rows = repo.overrides_between(ctx.session, rot.name, start, end)
    covers = [Cover(o.id, o.user_id, o.starts_at, o.ends_at, o.kind, o.created_by) for o in rows]
    return Schedule(rot, covers)


@dataclass(frozen=True)
class OnCall:
    rotation: RotationConfig
    now: Run  # who is on call now (user None: nobody yet), from when until when
    upcoming: list[Run]  # the next people, in order
    horizon: datetime  # how far it looked: a run ending there goes on "until further notice"
    slot_ids: dict[int, int]

    def open_ended(self, run: Run) -> bool:
        return run.end >= self.horizon


def horizon(rot: RotationConfig) -> timedelta:
    return max(HORIZON, rot.length * (len(rot.members) + 1))


def on_call(ctx: Ctx, rot: RotationConfig, *, upcoming: int = 3) -> OnCall:
    end = ctx.now + horizon(rot)
    found = runs(schedule(ctx, rot, ctx.now, end).segments(ctx.now, end))
    current, later = found[0], [r for r in found[1:] if r.user][:upcoming]
    slots = repo.slot_ids(
        ctx.session, rot.name, [r.first.slot for r in [current, *later] if r.first.slot is not None]
    )
    return OnCall(rot, current, later, end, slots)


def shifts_between(
    ctx: Ctx, rot: RotationConfig, days: int
) -> tuple[list[Segment], dict[int, int]]:
    """Every shift that touches the next ``days`` days, with its real start and end (the one
    under way started before now, the last one may end after the window); ids only for the
    first LIST_LIMIT, as shown."""
    end = ctx.now + timedelta(days=days)
    sched = schedule(ctx, rot, ctx.now, end)
    segs = sched.segments(ctx.now, end)
    if segs:
        lo, hi = _extent(sched, segs[0])[0], _extent(sched, segs[-1])[1]
        if lo < ctx.now or hi > end:  # look again over whole shifts, with their overrides
            sched = schedule(ctx, rot, lo, hi)
            segs = [s for s in sched.segments(lo, hi) if s.end > ctx.now and s.start < end]
    shown = [s.slot for s in segs[:LIST_LIMIT] if s.slot is not None]
    return segs, repo.slot_ids(ctx.session, rot.name, shown)


def _extent(sched: Schedule, seg: Segment) -> tuple[datetime, datetime]:
    """Bounds the whole of ``seg`` lies within: its override, else its computed shift."""
    if seg.cover is not None:
        return seg.cover.start, seg.cover.end
    if seg.slot is not None:
        return sched.window(seg.slot)
    return seg.start, seg.end  # before the rotation starts: nobody, since forever


def people_on_call(ctx: Ctx, name: str | None = None) -> list[str]:
    """The on-call provider: user ids on call now (every rotation when ``name`` is None)."""
    found = [ctx.config.rotation(name)] if name else list(ctx.config.rotations)
    people: list[str] = []
    for rot in found:
        if rot is None:
            continue
        who = schedule(ctx, rot, ctx.now, ctx.now + timedelta(seconds=1)).who(ctx.now)
        if who and who not in people:
            people.append(who)
    return people


# --- overrides ----------------------------------------------------------------------------------


def may_override(ctx: Ctx, rot: RotationConfig, user_id: str) -> None:
    if not (ctx.actor.is_admin or ctx.actor.user_id in rot.members):
        raise Forbidden(
            f"Only members of the {rot.name} rotation and admins can change who is on call."
        )
    if user_id not in rot.members:
        members = ", ".join(f"<@{m}>" for m in rot.members)
        raise UserError(f"<@{user_id}> is not in the {rot.name} rotation (members: {members}).")


def _before_change(ctx: Ctx, rot: RotationConfig) -> None:
    """Bring the snapshot up to date first, so the override's own change is the one announced."""
    check_handoff(ctx, rot)


def _notify_change(ctx: Ctx, rot: RotationConfig) -> None:
    """An override that changes who is on call right now is announced at once."""
    check_handoff(ctx, rot)


def add_override(
    ctx: Ctx, user_id: str, start: datetime, end: datetime, rotation: str | None
) -> ShiftOverride:
    rot = one_rotation(ctx, rotation)
    may_override(ctx, rot, user_id)
    if end <= start:
        raise UserError(
            "An override must end after it starts.", example="/shift add @bob now for 2h"
        )
    if end <= ctx.now:
        raise UserError("That window is already over; give one that ends in the future.")
    if end - start > MAX_OVERRIDE:
        raise UserError("An override lasts at most 90 days; change the rotation for longer.")
    detail = {
        "rotation": rot.name,
        "user": user_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    return record_override(
        ctx, rot, detail, kind="add", user_id=user_id, starts_at=start, ends_at=end
    )


@dataclass(frozen=True)
class Swappable:
    """What is left of a shift that may change hands, and who has it now."""

    slot_id: int
    rotation: RotationConfig
    start: datetime
    end: datetime
    holder: str | None


def swappable(ctx: Ctx, slot_id: int) -> Swappable:
    """SHF-n from now to its end; refused when there is no such shift or it is over."""
    slot = repo.get_slot(ctx.session, slot_id)
    rot = ctx.config.rotation(slot.rotation) if slot else None
    if slot is None or rot is None:
        raise NotFound(f"There is no shift {ref(slot_id)}.", example="/shift list")
    start, end = Schedule(rot).window(slot.idx)
    if end <= ctx.now:
        raise UserError(f"{ref(slot_id)} is already over.", example="/shift list")
    start = max(start, whole_minute(ctx.now))
    return Swappable(slot_id, rot, start, end, schedule(ctx, rot, start, end).who(start))


def shift_id(ctx: Ctx, rot: RotationConfig, index: int) -> int:
    """The stable id (SHF-n) of the rotation's computed shift number ``index``."""
    return repo.slot_ids(ctx.session, rot.name, [index])[index]


def check_swap(ctx: Ctx, slot_id: int, user_id: str) -> Swappable:
    """What is left of SHF-n, if the actor may give it to ``user_id`` (who does not have it)."""
    found = swappable(ctx, slot_id)
    may_override(ctx, found.rotation, user_id)
    if found.holder == user_id:
        raise UserError(f"<@{user_id}> already has {ref(slot_id)}.")
    return found


def swap(
    ctx: Ctx,
    slot_id: int,
    user_id: str,
    *,
    requested_by: str | None = None,
    told: frozenset[str] = frozenset(),
) -> tuple[ShiftOverride, str]:
    """Give SHF-n to ``user_id`` from now (a whole minute) to its end, at once; returns the
    override and who had it. ``requested_by``: whose request this carries out (an accepted
    swap is made by the person accepting, asked for by the requester)."""
    found = check_swap(ctx, slot_id, user_id)
    rot, start, end, holder = found.rotation, found.start, found.end, found.holder
    detail = {"rotation": rot.name, "shift": ref(slot_id), "user": user_id, "replaces": holder}
    override = record_override(
        ctx, rot, detail, kind="swap", created_by=requested_by, told=told, user_id=user_id,
        starts_at=start, ends_at=end, slot_id=slot_id, replaces=holder,
    )  # fmt: skip
    return override, holder or ""


def record_override(
    ctx: Ctx,
    rot: RotationConfig,
    detail: dict[str, Any],
    *,
    kind: str,
    created_by: str | None = None,
    told: frozenset[str] = frozenset(),
    **fields: Any,
) -> ShiftOverride:
    """Store an override of ``rot`` with its audit event, and announce the change it makes.

    Whoever had an override of their own in that window (now hidden by the newer one) is told
    by DM, unless they made this change or are in ``told`` (already told another way).
    """
    _before_change(ctx, rot)
    start, end, user_id = fields["starts_at"], fields["ends_at"], fields["user_id"]
    hidden = [
        o
        for o in repo.overrides_between(ctx.session, rot.name, max(start, ctx.now), end)
        if o.user_id not in {user_id, ctx.actor.user_id, *told}
    ]
    override = repo.add_override(
        ctx.session,
        ShiftOverride(
            rotation=rot.name,
            kind=kind,
            created_by=created_by or ctx.actor.user_id,
            created_at=ctx.now,
            **fields,
        ),
    )
    ctx.audit(ENTITY, override.id, f"override.{kind}", detail)
    for old in hidden:
        ctx.notify(
            "shift.override_replaced",
            OverrideReplaced(rotation=rot.name, user=old.user_id, old=old.id, new=override.id),
            dedupe_key=keys.replaced(rot.name, override.id, old.id),
        )
    _notify_change(ctx, rot)
    return override


# --- hand-offs ----------------------------------------------------------------------------------


def check_handoff(ctx: Ctx, rot: RotationConfig) -> bool:
    """Announce a change of who is on call, once; True when this call queued the notice."""
    now_user = schedule(ctx, rot, ctx.now, ctx.now + timedelta(seconds=1)).who(ctx.now)
    snap = repo.snapshot(ctx.session, rot.name)
    if snap is None:
        # First sight of this rotation: remember, do not announce a hand-off nobody saw happen.
        repo.init_snapshot(ctx.session, rot.name, now_user, ctx.now)
        return False
    if snap.user_id == now_user:
        return False
    before, version = snap.user_id, snap.version
    if not repo.advance_snapshot(
        ctx.session, rot.name, expected_version=version, user_id=now_user, now=ctx.now
    ):
        return False  # another scheduler (or request) got there first and announced it
    ctx.session.expire(snap)
    ctx.audit("rotation", None, "handoff", {"rotation": rot.name, "from": before, "to": now_user})
    if now_user is None or rot.channel is None:
        return False
    ctx.notify(
        "shift.handoff",
        Handoff(rotation=rot.name, to=now_user, from_=before, at=ctx.now),
        dedupe_key=keys.handoff(rot.name, version + 1, now_user),
        expires_after=HANDOFF_EXPIRES,
    )
    return True
