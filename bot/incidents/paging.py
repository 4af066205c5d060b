"""Who a page goes to: the ``notify`` targets of escalation steps and `/incident page`, and who
is on call to command a new incident (``default_commander = "oncall"``).

``rotation:<name>`` means whoever is on call in that rotation at a given moment; the shifts
area answers (``Registry.provide_on_call``), reading ``ctx.now``, so asking "at" a time is asking
with a context whose ``now`` is that time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot import oncall
from bot.context import Ctx
from bot.escalation_config import ADMINS, ROTATION_PREFIX


def at(ctx: Ctx, moment: datetime) -> Ctx:
    """The same unit of work, asking as of ``moment``."""
    return replace(ctx, now=moment) if moment != ctx.now else ctx


def on_call_in(ctx: Ctx, rotation: str) -> list[str]:
    """Who is on call in ``rotation`` at ``ctx.now``: nobody when nobody is (no fallback)."""
    provider = ctx.registry.on_call
    return list(provider(ctx, rotation)) if provider is not None else []


def resolve(ctx: Ctx, targets: list[str]) -> list[str]:
    """User ids for ``targets`` at ``ctx.now``, each once, in the order given. A rotation with
    nobody on call pages the admins instead, as the escalation always has: a page must reach
    someone."""
    people: list[str] = []
    for target in targets:
        if target == ADMINS:
            found = list(ctx.config.admins)
        elif target.startswith(ROTATION_PREFIX):
            found = oncall.on_call(ctx, target.removeprefix(ROTATION_PREFIX))
        else:
            found = [target]
        people += [p for p in found if p not in people]
    return people


def oncall_rotation(ctx: Ctx) -> str | None:
    """The rotation ``default_commander = "oncall"`` reads: the configured one, or the first."""
    name = ctx.config.incidents.oncall_rotation
    if name:
        return name
    return ctx.config.rotations[0].name if ctx.config.rotations else None


def default_commander(ctx: Ctx) -> str | None:
    """Who commands a new incident before anyone acknowledges: the person on call, if the
    config asks for it and someone is."""
    if ctx.config.incidents.default_commander != "oncall":
        return None
    rotation = oncall_rotation(ctx)
    people = on_call_in(ctx, rotation) if rotation else []
    return people[0] if people else None
