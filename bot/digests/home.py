"""The App Home tab: each area's Home section for the viewer, published with views.publish."""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.digests.assemble import build_home


def home_view(ctx: Ctx, viewer: str) -> dict[str, Any]:
    """Built inside the caller's unit of work, with a bounded number of queries."""
    return build_home(ctx, viewer)
