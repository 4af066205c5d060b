"""@opsdesk mentions and direct messages: routed to the phrases areas registered."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot import mentions
from bot.messenger import Message
from handlers.kit import Request, event


def _answer(req: Request, ev: dict[str, Any]) -> Message:
    text = mentions.strip_mention(str(ev.get("text") or ""))
    if text.lower() in {"", "help", "hi", "hello", "?"}:
        return Message(text=mentions.help_text())
    found = mentions.match(text)
    if found is None:
        return Message(text=f"Sorry, I didn't get that.\n{mentions.help_text()}")
    route, match = found
    return route.handler(req, match)


def register(app: App) -> None:
    @event(app, "app_mention")
    def on_mention(req: Request, ev: dict[str, Any]) -> Message:
        return _answer(req, ev)

    @event(app, "message", matchers=[lambda event: event.get("channel_type") == "im"])
    def on_direct_message(req: Request, ev: dict[str, Any]) -> Message | None:
        if ev.get("subtype"):
            return None  # edits, joins, bot posts: nothing was asked
        return _answer(req, ev)
