"""@opsdesk mentions and direct messages: routed to the phrases the listeners declared."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot import mentions
from bot.context import Ctx
from bot.messenger import Message
from bot.registry import Registry
from handlers.kit import Request, event


def _answer(req: Request, ev: dict[str, Any]) -> Message:
    text = mentions.strip_mention(str(ev.get("text") or ""))
    routes = req.ctx.registry.mentions()
    if text.lower() in {"", "help", "hi", "hello", "?"}:
        return Message(text=mentions.help_text(routes))
    found = mentions.match(routes, text)
    if found is None:
        return Message(text=f"Sorry, I didn't get that.\n{mentions.help_text(routes)}")
    route, match = found
    return route.handler(req, match)


def register(app: App, registry: Registry[Ctx]) -> None:
    @event(app, "app_mention")
    def on_mention(req: Request, ev: dict[str, Any]) -> Message:
        return _answer(req, ev)

    @event(app, "message", matchers=[lambda event: event.get("channel_type") == "im"])
    def on_direct_message(req: Request, ev: dict[str, Any]) -> Message | None:
        if ev.get("subtype"):
            return None  # edits, joins, bot posts: nothing was asked
        return _answer(req, ev)
