"""The Slack app manifest, built from the declared commands so it never drifts from the code."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bot.app import build_registry
from bot.incidents.ids import Shortcut

BOT_SCOPES = [
    "app_mentions:read",  # @opsdesk in channels
    "channels:history",  # find a post whose answer was lost before posting it again
    "channels:manage",  # a dedicated channel per incident
    "channels:read",
    "chat:write",
    "chat:write.public",  # announce in channels the bot was not invited to
    "commands",
    "files:write",  # report charts and CSV exports (files.getUploadURLExternal + complete)
    "groups:history",  # the same in private channels
    "groups:write",
    "im:history",  # direct messages to the bot, and finding a DM whose answer was lost
    "im:read",
    "im:write",
    "users:read",  # each person's time zone
]
BOT_EVENTS = ["app_home_opened", "app_mention", "message.im"]
SHORTCUTS = [
    {
        "name": "Raise incident",
        "type": "message",
        "callback_id": Shortcut.RAISE_FROM_MESSAGE.value,
        "description": "Raise an incident from this message",
    }
]


class ManifestError(ValueError):
    """The options cannot make a manifest Slack would accept; the message says why."""


def check_options(url: str | None, socket: bool) -> None:
    """An HTTP app needs its public HTTPS URL; a Socket Mode app has none."""
    if url is not None and socket:
        raise ManifestError(
            "give --url (HTTP mode) or --socket (Socket Mode), not both: "
            "a Socket Mode app has no request URL"
        )
    if url is None and not socket:
        raise ManifestError(
            "say how Slack reaches Opsdesk: --url https://opsdesk.example.com (HTTP mode) "
            "or --socket (Socket Mode)"
        )
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise ManifestError(
                f"--url must be the public HTTPS base URL, like https://opsdesk.example.com "
                f"(Slack only sends to https), not {url[:80]!r}"
            )


def build(url: str | None = None, *, socket: bool = False) -> dict[str, Any]:
    check_options(url, socket)
    endpoint = (url.rstrip("/") + "/slack/events") if url else None
    commands = []
    for cmdset in build_registry().command_sets():
        entry: dict[str, Any] = {
            "command": cmdset.slash,
            "description": cmdset.summary[:100],
            "usage_hint": cmdset.usage_hint[:1000],
            # Slack then sends people as <@U123|name>, which commands parse.
            "should_escape": True,
        }
        if endpoint and not socket:
            entry["url"] = endpoint
        commands.append(entry)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": BOT_EVENTS},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket,
        "token_rotation_enabled": False,
    }
    if endpoint and not socket:
        settings["event_subscriptions"]["request_url"] = endpoint
        settings["interactivity"]["request_url"] = endpoint
    return {
        "display_information": {
            "name": "Opsdesk",
            "description": "Incidents, purchases, resources, shifts and digests, from Slack.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "opsdesk", "always_online": True},
            "shortcuts": SHORTCUTS,
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": settings,
    }


def endpoints(url: str | None = None) -> list[str]:
    """The plain HTTP endpoints beside Slack's (feeds, hooks, the API), as people write them:
    ``GET https://opsdesk.example.com/calendar/<token>.ics``. Slack's manifest has no place
    for them, so ``opsdesk manifest`` lists them after it, on stderr."""
    base = url.rstrip("/") if url else ""
    found = []
    for route in build_registry().http_routes():
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route.pattern.pattern).replace("\\", "")
        found.append(f"{route.method} {base}{path}")
    return found
