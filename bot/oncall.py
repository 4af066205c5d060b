"""Who is on call, for areas that need to page someone (incident escalation, channel invites).

The shifts area provides the answer; until a provider is registered, the admins are.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Ctx

Provider = Callable[[Ctx, str | None], list[str]]
_provider: list[Provider] = []


def provide(fn: Provider) -> Provider:
    _provider[:] = [fn]
    return fn


def on_call(ctx: Ctx, rotation: str | None = None) -> list[str]:
    """User ids on call now for ``rotation`` (None: every rotation), else the admins."""
    if _provider:
        people = _provider[0](ctx, rotation)
        if people:
            return people
    return list(ctx.config.admins)
