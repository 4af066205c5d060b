"""The App Home tab: each area's Home section for the viewer, published with views.publish."""

from __future__ import annotations

from typing import Any

from bot.context import Actor, Ctx
from bot.digests.assemble import build_home
from bot.runtime import Runtime
from bot.users import time_zone
from storage.db import transaction


def home_view(ctx: Ctx, viewer: str) -> dict[str, Any]:
    """Built inside the caller's unit of work, with a bounded number of queries."""
    return build_home(ctx, viewer)


def render_home(rt: Runtime, user_id: str) -> dict[str, Any]:
    """A fresh unit of work for refreshing someone's Home after they acted from it."""
    now = rt.clock.now()
    with transaction(rt.sessions) as session:
        tz = time_zone(session, user_id, now=now, default=rt.config.timezone)
        actor = Actor(user_id, tz, is_admin=rt.config.is_admin(user_id))
        ctx = Ctx(session=session, now=now, config=rt.config, actor=actor)
        return build_home(ctx, user_id)
