"""What people can say to @opsdesk: each area declares its phrases; anything else gets short help.

The routes are declared on the registry (``Registry.add_mention``) by the Slack listeners.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


def strip_mention(text: str) -> str:
    """The words after the bot's mention, with Slack's leading mention removed."""
    return " ".join(_BOT_MENTION.sub(" ", text, count=1).split())


def match(routes: Sequence[Route], text: str) -> tuple[Route, re.Match[str]] | None:
    for r in routes:
        m = r.pattern.fullmatch(text)
        if m:
            return r, m
    return None


def help_text(routes: Sequence[Route]) -> str:
    lines = ["Here is what you can ask me:", "• `help`  this list"]
    lines += [f"• `{escape(r.usage)}`  {r.summary}" for r in routes]
    lines.append("Slash commands do the rest; try `/incident help`.")
    return "\n".join(lines)
