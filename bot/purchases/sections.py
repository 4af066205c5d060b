"""Purchases in digests and on App Home, each built with a bounded number of queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot.context import Ctx
from bot.mrkdwn import safe, user, when
from bot.purchases import render
from bot.purchases.ids import Action
from bot.sections import DigestSection
from bot.timeparse import format_duration
from storage import purchases as repo

HOME_LIMIT = 10


def waiting(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    """Pending requests, oldest first: age, amount and whose step they wait on (2 queries)."""
    rows, total = repo.listing(ctx.session, scope="pending", user_id="", limit=limit)
    if not total.n:
        return None
    lines = [
        f":hourglass_flowing_sand: *{render.ref(r)}* {render.amount(r)} · "
        f"{safe(r.description, 150)} · {user(r.requester)} · waiting "
        f"{format_duration(ctx.now - r.created_at)} · step {r.step + 1}/{len(r.steps)}: "
        f"{render.approvers_of(r, r.step)}"
        for r in rows
    ]
    return DigestSection("Purchases waiting", lines, total.n, "/purchase list pending")


def decided_since(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    """Requests that ended since the previous digest (2 queries)."""
    rows, total = repo.decided_between(ctx.session, since, ctx.now, limit=limit)
    if not total:
        return None
    lines = [
        f"{render.STATUS[r.status].split(' ', 1)[0]} *{render.ref(r)}* {render.amount(r)} · "
        f"{safe(r.description, 150)} · {render.STATUS[r.status].split(' ', 1)[1].lower()}"
        + (f" by {render.by(r.decided_by, r.on_behalf_of)}" if r.status in _DECIDED else "")
        for r in rows
    ]
    return DigestSection("Purchases decided", lines, total, "/purchase list all")


_DECIDED = ("approved", "rejected")


def approvals_waiting(ctx: Ctx, viewer: str) -> list[dict[str, Any]]:
    """Requests the viewer may decide now, with working buttons (3 queries)."""
    rows, total = repo.waiting_on(ctx.session, viewer, ctx.now, limit=HOME_LIMIT)
    blocks: list[dict[str, Any]] = [b.header("Approvals waiting on you")]
    if not rows:
        return [*blocks, b.context("Nothing waits on you. :tada:")]
    for r in rows:
        blocks.append(
            b.section(
                f"*{render.ref(r)}* {render.amount(r)} · {safe(r.description, 300)}\n"
                f"{user(r.requester)} · requested {when(r.created_at, ctx.tz, style='ago')} · "
                f"step {r.step + 1} of {len(r.steps)}"
            )
        )
        value = str(r.id)
        blocks.append(
            b.actions(
                b.button("Approve", Action.APPROVE, value, style="primary"),
                b.button("Reject", Action.REJECT, value, style="danger"),
                block_id=f"purchase_home_{r.id}",
            )
        )
    if total > len(rows):
        blocks.append(b.context(f"{total - len(rows)} more: `/purchase list pending`."))
    return blocks


def your_requests(ctx: Ctx, viewer: str) -> list[dict[str, Any]]:
    """The viewer's latest requests and where they stand (2 queries)."""
    rows, total = repo.listing(ctx.session, scope="mine", user_id=viewer, limit=HOME_LIMIT)
    blocks: list[dict[str, Any]] = [b.header("Your requests")]
    if not rows:
        return [*blocks, b.context("No requests yet: `/purchase request <amount> <what>`.")]
    for r in rows:
        blocks.append(
            b.section(
                f"*{render.ref(r)}* {render.amount(r)} · {safe(r.description, 300)}\n"
                f"{render.where(r)} · requested {when(r.created_at, ctx.tz, style='ago')}"
            )
        )
    if total.more_than(len(rows)):
        blocks.append(b.context(f"{total.n - len(rows)} more: `/purchase list mine`."))
    return blocks
