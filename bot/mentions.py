"""What people can say to @opsdesk: each area adds its phrases; anything else gets short help."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.mrkdwn import escape

_BOT_MENTION = re.compile(r"<@[UW][A-Z0-9_]+(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    usage: str
    summary: str
    handler: Callable[..., Any]


ROUTES: list[Route] = []


def route(
    pattern: str, usage: str, summary: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(req, match)`` for text matching ``pattern`` (case-insensitive, full match)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        if not any(r.pattern.pattern == compiled.pattern for r in ROUTES):
            ROUTES.append(Route(compiled, usage, summary, fn))
        return fn

    return register


def strip_mention(text: str) -> str:
    """The words after the bot's mention, with Slack's leading mention removed."""
    return " ".join(_BOT_MENTION.sub(" ", text, count=1).split())


def match(text: str) -> tuple[Route, re.Match[str]] | None:
    for r in ROUTES:
        m = r.pattern.fullmatch(text)
        if m:
            return r, m
    return None


def help_text() -> str:
    lines = ["Here is what you can ask me:", "• `help`  this list"]
    lines += [f"• `{escape(r.usage)}`  {r.summary}" for r in ROUTES]
    lines.append("Slash commands do the rest; try `/incident help`.")
    return "\n".join(lines)
