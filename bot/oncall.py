"""Who is on call, for areas that need to page someone (incident escalation, channel invites).

The shifts area provides the answer (``Registry.provide_on_call``); without it, the admins are.
"""

from __future__ import annotations

from bot.context import Ctx


def on_call(ctx: Ctx, rotation: str | None = None) -> list[str]:
    """User ids on call now for ``rotation`` (None: every rotation), else the admins."""
    provider = ctx.registry.on_call
    if provider is not None:
        people = provider(ctx, rotation)
        if people:
            return people
    return list(ctx.config.admins)
