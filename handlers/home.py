"""The App Home tab: published for the viewer whenever they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.context import Ctx
from bot.digests.home import home_view
from bot.registry import Registry
from handlers.kit import Request, event


def register(app: App, registry: Registry[Ctx]) -> None:
    @event(app, "app_home_opened")
    def on_home_opened(req: Request, ev: dict[str, Any]) -> None:
        if ev.get("tab", "home") != "home":
            return None  # the Messages tab: nothing to publish
        user, view = req.user_id, home_view(req.ctx, req.user_id)
        req.ctx.outbox.after(lambda m: m.publish_home(user, view))
        return None
