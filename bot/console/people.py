"""The console's people and channels: @bob typed at the keyboard, <@U_BOB> as Slack sends it."""

from __future__ import annotations

import re

from bot.console.plain import default_name

_PERSON = re.compile(r"(?<![<\w])@([a-z][a-z0-9_.-]*)", re.IGNORECASE)


def person_id(name: str) -> str:
    return "U_" + name.lstrip("@").upper().replace(".", "_").replace("-", "_")


def channel_id(name: str) -> str:
    return "C_" + name.lstrip("#").upper().replace("-", "_")


def person_name(user_id: str) -> str:
    return default_name(user_id)[1:]


def slackify(text: str) -> str:
    """Mentions typed as @bob become what Slack sends with escaping on: <@U_BOB|bob>."""
    return _PERSON.sub(lambda m: f"<@{person_id(m.group(1))}|{m.group(1).lower()}>", text)
