"""Build a digest or a Home view from whatever sections the areas declared.

Each provider runs inside a SAVEPOINT: one that raises (a bug, a missing table while an area is
being deployed) is logged and left out, and its failed statement cannot poison the transaction
the other sections and the send share. A section that writes in a unit that only reads
(``WriteNeeded``) is no failure: the whole unit runs again as a transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Ctx
from bot.digests import render
from bot.messenger import Message
from bot.sections import DigestSection
from storage.db import WriteNeeded

log = logging.getLogger(__name__)


def collect(ctx: Ctx, since: datetime, tz: ZoneInfo) -> tuple[list[DigestSection], int]:
    """The non-empty digest sections, in order, and how many providers failed."""
    found: list[DigestSection] = []
    failed = 0
    for name, fn in ctx.registry.digest_sections():
        try:
            with ctx.session.begin_nested():
                section = fn(ctx, since, tz, render.MAX_LINES)
        except WriteNeeded:
            raise
        except Exception:
            log.exception("digest section %s failed; leaving it out", name)
            failed += 1
            continue
        if section is not None and (section.total > 0 or section.lines):
            found.append(section)
    return found, failed


def build_digest(
    ctx: Ctx, *, since: datetime, tz: ZoneInfo, title: str, quiet: bool
) -> Message | None:
    """The digest message; None when all is clear and the channel chose quiet.

    All clear means no section needs attention: informational ones (who is on call) do not
    count, and the all-clear line still shows them.
    """
    found, failed = collect(ctx, since, tz)
    if not failed and all(section.informational for section in found):
        return None if quiet else render.all_clear(title=title, now=ctx.now, tz=tz, extra=found)
    return render.digest(found, title=title, now=ctx.now, since=since, tz=tz, failed=failed)


def home_parts(ctx: Ctx, viewer: str) -> list[tuple[str, list[dict[str, Any]]]]:
    parts: list[tuple[str, list[dict[str, Any]]]] = []
    for name, fn in ctx.registry.home_sections():
        try:
            with ctx.session.begin_nested():
                blocks = fn(ctx, viewer)
        except WriteNeeded:
            raise
        except Exception:
            log.exception("home section %s failed for %s; leaving it out", name, viewer)
            continue
        if isinstance(blocks, list) and blocks:
            parts.append((name, blocks))
    return parts


def build_home(ctx: Ctx, viewer: str) -> dict[str, Any]:
    return render.home_view(home_parts(ctx, viewer), now=ctx.now, tz=ctx.tz)
