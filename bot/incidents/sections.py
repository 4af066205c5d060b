"""Incidents in digests and on App Home."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import blocks as b
from bot.context import Ctx
from bot.incidents import render
from bot.mrkdwn import safe, user, when
from bot.sections import DigestSection
from bot.timeparse import format_duration
from storage import incidents as repo


def open_incidents(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    total = repo.count_incidents(ctx.session)
    if not total:
        return None
    lines = []
    for incident in repo.open_incidents(ctx.session, limit=limit):
        commander = user(incident.commander) if incident.commander else "_no commander_"
        lines.append(
            f"{render.SEV_EMOJI[incident.severity]} *{render.ref(incident)}* "
            f"{safe(incident.title, 150)} · {commander} · open "
            f"{format_duration(ctx.now - incident.created_at)} · last update "
            f"{when(incident.last_update_at, tz, style='ago')}"
        )
    return DigestSection("Open incidents", lines, total, "/incident list")


def resolved_since(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    total = repo.count_resolved_between(ctx.session, since, ctx.now)
    if not total:
        return None
    lines = [
        f":white_check_mark: *{render.ref(i)}* {safe(i.title, 150)} · resolved in "
        f"{format_duration(i.resolved_at - i.created_at)}"
        for i in repo.resolved_between(ctx.session, since, ctx.now, limit=limit)
        if i.resolved_at is not None
    ]
    return DigestSection("Incidents resolved", lines, total, "/incident list all")


HOME_LIMIT = 10


def my_incidents(ctx: Ctx, viewer: str) -> list[dict[str, Any]]:
    mine = repo.involving(ctx.session, viewer, limit=HOME_LIMIT)
    blocks: list[dict[str, Any]] = [b.header("Your open incidents")]
    if not mine:
        return [*blocks, b.context("Nothing open that you command or reported. :tada:")]
    for incident in mine:
        blocks.append(
            b.section(
                f"{render.SEV_EMOJI[incident.severity]} *{render.ref(incident)}* "
                f"{safe(incident.title, 150)}\n{render.STATUS[incident.status]} · raised "
                f"{when(incident.created_at, ctx.tz, style='ago')}"
            )
        )
        blocks.append(render.actions(incident, block_id=f"incident_home_{incident.id}"))
    # Counted whatever the page holds: the Home costs the same statements at any size.
    more = repo.count_involving(ctx.session, viewer) - len(mine)
    if more > 0:
        blocks.append(b.context(f"+{more} more open: `/incident list` shows them all."))
    return blocks


def on_resources(session: Session, names: Sequence[str]) -> dict[str, list[str]]:
    """Beside each resource's state: the incidents open on it ("incident INC-7 open")."""
    return {
        name: [f"{render.SEV_EMOJI[i.severity]} incident {render.ref(i)} {i.status}" for i in found]
        for name, found in repo.open_on_resources(session, names).items()
    }
