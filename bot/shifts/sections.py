"""Shifts in digests (on call now and next) and on App Home (your next shift).

One override query per configured rotation (and one slot-id statement pair for the digest),
whatever the number of overrides or shifts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot.context import Ctx
from bot.mrkdwn import user, when
from bot.sections import DigestSection
from bot.shifts import render, service
from bot.shifts.ids import Action


def on_call(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    rotations = ctx.config.rotations
    if not rotations:
        return None
    lines = []
    for rot in rotations[:limit]:
        oc = service.on_call(ctx, rot, upcoming=1)
        line = render.now_line(oc, tz)
        if oc.now.user and oc.upcoming:
            nxt = oc.upcoming[0]
            line += f" · next {user(nxt.user)} {when(nxt.start, tz)}"
        lines.append(line)
    return DigestSection("On call", lines, len(rotations), "/shift now", informational=True)


HOME_LIMIT = 10


def my_next_shift(ctx: Ctx, viewer: str) -> list[dict[str, Any]]:
    """The viewer's current or next shift in each rotation, with a Swap button where the shift
    is a rotation's own (an override is changed with /shift add)."""
    blocks: list[dict[str, Any]] = [b.header("Your next shift")]
    rows: list[dict[str, Any]] = []
    for rot in ctx.config.rotations:
        end = ctx.now + service.horizon(rot)
        sched = service.schedule(ctx, rot, ctx.now, end)
        mine = next((s for s in sched.segments(ctx.now, end) if s.user == viewer), None)
        if mine is None:
            continue
        until = sched.run_end(mine.start, end)
        to = "until further notice" if until >= end else f"until {when(until, ctx.tz)}"
        if mine.start <= ctx.now:
            line = f":telephone_receiver: *{rot.name}*: you are on call now, {to}."
        else:
            line = f":calendar: *{rot.name}*: from {when(mine.start, ctx.tz)}, {to}."
        if mine.slot is not None and (mine.cover is None or mine.cover.kind == "swap"):
            value = str(service.shift_id(ctx, rot, mine.slot))
            rows.append(b.section(line, accessory=b.button("Swap", Action.SWAP, value)))
        else:
            rows.append(b.section(line))
    if not rows:
        return [*blocks, b.context("No on-call shifts for you in the coming weeks.")]
    if len(rows) > HOME_LIMIT:  # a page at most; what is not shown is counted, never dropped
        more = len(rows) - HOME_LIMIT
        note = b.context(f"+{more} more rotations with a shift of yours: `/shift next <rotation>`.")
        return [*blocks, *rows[:HOME_LIMIT], note]
    return [*blocks, *rows]
