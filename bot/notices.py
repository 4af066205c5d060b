"""The notice queue: announcements, reminders and digests as rows, sent exactly once.

Areas register a handler per notice kind (``@notice_kind("incident.reminder")``) and, where they
have recurring work, a planner that writes upcoming rows (``@planner("digests")``). The
dispatcher claims a due row with a conditional update, hands it to its handler with a fresh unit
of work, and marks it sent in that same transaction. A failed send goes back to pending with
back-off until it expires; a row claimed by a process that then died is never re-sent, because
the Web API has no idempotency key and a duplicate page at 3am is worse than a logged gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.context import Ctx
from bot.messenger import Messenger

log = logging.getLogger(__name__)


NoticeHandler = Callable[[Ctx, Messenger, dict[str, Any]], None]
Planner = Callable[[Ctx], None]

_HANDLERS: dict[str, NoticeHandler] = {}
_PLANNERS: dict[str, Planner] = {}


class Skip(Exception):
    """Raised by a handler when its notice is no longer relevant (e.g. the incident is resolved)."""


class NotYet(Exception):
    """Raised by a handler whose notice depends on another that has not gone out yet.

    Two requests a moment apart (raise, then acknowledge) flush on different threads, so the
    edit of an announcement can come before the announcement. It is retried within seconds.
    """


def notice_kind(kind: str) -> Callable[[NoticeHandler], NoticeHandler]:
    def register(fn: NoticeHandler) -> NoticeHandler:
        _HANDLERS[kind] = fn
        return fn

    return register


def planner(name: str) -> Callable[[Planner], Planner]:
    def register(fn: Planner) -> Planner:
        _PLANNERS[name] = fn
        return fn

    return register


def handler_for(kind: str) -> NoticeHandler | None:
    return _HANDLERS.get(kind)


def planners() -> list[tuple[str, Planner]]:
    """Registered planners in name order (looked up at call time, so tests may narrow them)."""
    return sorted(_PLANNERS.items())


def registered_kinds() -> set[str]:
    return set(_HANDLERS)
