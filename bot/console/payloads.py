"""Requests as Slack sends them to `POST /slack/events`.

Every builder returns `(body, content_type)`, ready to sign and post, or to hand to Bolt as a
`BoltRequest`. The local console uses these too, so that the app sees the same shapes whether the
request came from Slack, from the console or from a test.

Ids that identify *what* happened (users, channels, callback ids, action ids, block ids) are taken
from the caller or derived deterministically; ids Slack makes up per request (trigger ids, event
ids) are random unless given. Timestamps follow `time.time()`, so freezegun controls them.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

FORM: str = "application/x-www-form-urlencoded"
JSON: str = "application/json"

TEAM_ID: str = "T_OPSDESK"
TEAM_DOMAIN: str = "opsdesk"
API_APP_ID: str = "A_OPSDESK"
BOT_USER_ID: str = "U_OPSDESK"
BOT_ID: str = "B_OPSDESK"
# Slack still sends the deprecated verification token; nothing should rely on it.
VERIFICATION_TOKEN: str = "legacy-verification-token"
# Used when a block action names neither a message nor a ts; kept apart from the ts values the
# test stub hands out so a default never matches a real posted message by accident.
DEFAULT_MESSAGE_TS: str = "1699999999.000100"

Payload = tuple[str, str]

_ts_lock = threading.Lock()
_ts_base_us = 0  # the clock reading the current run of ts started from
_ts_last_us = 0  # the last ts handed out, in microseconds


def new_ts() -> str:
    """A Slack message ts for now, unique even while freezegun holds the clock still."""
    global _ts_base_us, _ts_last_us
    with _ts_lock:
        now_us = int(time.time() * 1_000_000)
        if _ts_base_us <= now_us <= _ts_last_us:
            # Clock stood still (or crept less than we stepped): step a microsecond past the last.
            _ts_last_us += 1
        else:
            # Clock moved on, or jumped back to another frozen instant: follow it, so a ts
            # always says when the message was sent in the test's time.
            _ts_base_us = _ts_last_us = now_us
        return f"{_ts_last_us // 1_000_000}.{_ts_last_us % 1_000_000:06d}"


def new_trigger_id() -> str:
    return f"{secrets.randbelow(10**13)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def default_response_url(team_id: str = TEAM_ID) -> str:
    """Slack-shaped and unique; tests that let the app use it should pass the stub's instead."""
    return f"https://hooks.slack.com/commands/{team_id}/{secrets.randbelow(10**12)}/{secrets.token_hex(12)}"


def channel_name(channel_id: str) -> str:
    """A stable readable name for a channel id ("C_GENERAL" -> "general")."""
    if channel_id.startswith("D"):
        return "directmessage"
    _, sep, tail = channel_id.partition("_")
    return (tail if sep else channel_id).lower()


def _user_name(user_id: str) -> str:
    _, sep, tail = user_id.partition("_")
    return (tail if sep else user_id).lower()


def _form(fields: dict[str, str]) -> Payload:
    return urlencode(fields), FORM


def _interactive(payload: dict[str, Any]) -> Payload:
    # Slack sends interactivity as a form with one field holding the JSON.
    return _form({"payload": json.dumps(payload, separators=(",", ":"))})


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = _user_name(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def slash_command(
    command: str,
    text: str,
    *,
    user_id: str,
    channel_id: str = "C_GENERAL",
    team_id: str = TEAM_ID,
    user_name: str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> Payload:
    """A slash command, form-encoded as Slack posts it."""
    return _form(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_name or _user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or default_response_url(team_id),
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def _find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict] | None:
    """The (block_id, element) carrying `action_id` in a list of blocks, if any."""
    for block in blocks:
        candidates = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        if isinstance(block.get("element"), dict):
            candidates.append(block["element"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    return None


def block_action(
    action_id: str,
    value: str,
    *,
    user_id: str,
    channel_id: str | None = "C_GENERAL",
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
    block_id: str | None = None,
) -> Payload:
    """A button click (`block_actions`), in a message or, when `view` is given, in Home or a modal.

    When the message or view holding the button is passed, its block id and label are taken from
    it, as Slack would. With `view`, there is no channel, message or response_url (Slack sends none
    for Home tab and modal actions), so `channel_id` and `message_ts` are ignored.
    """
    blocks: list[dict[str, Any]] = []
    if view is not None:
        blocks = list(view.get("blocks") or [])
    elif message is not None:
        blocks = list(message.get("blocks") or [])
    found = _find_element(blocks, action_id)
    label = action_id
    if found is not None:
        block_id = block_id or found[0] or None
        text = found[1].get("text")
        if isinstance(text, dict) and "text" in text:
            label = str(text["text"])

    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id or f"b_{action_id}",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": new_ts(),
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        full_view = {"id": "V_TEST", "team_id": team_id, "app_id": API_APP_ID, **view}
        full_view.setdefault("state", {"values": {}})
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        return _interactive(payload)

    ts = message_ts or (message or {}).get("ts") or DEFAULT_MESSAGE_TS
    full_message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "team": team_id,
        "text": "",
        "blocks": [],
        **(message or {}),
        "ts": ts,
    }
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": channel_name(channel_id)}
    payload["message"] = full_message
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url or default_response_url(team_id)
    return _interactive(payload)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user_id: str,
    private_metadata: str = "",
    team_id: str = TEAM_ID,
    view_id: str = "V_TEST",
    blocks: list[dict[str, Any]] | None = None,
) -> Payload:
    """A modal submitted; `values` is Slack's state.values: {block_id: {action_id: {...}}}.

    ``blocks`` are the modal's own, which Slack sends back with it (default: none)."""
    payload = {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": list(blocks or []),
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": "Opsdesk", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload)


def message_shortcut(
    callback_id: str,
    *,
    user_id: str,
    channel_id: str,
    message_text: str,
    message_user: str,
    message_ts: str,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    response_url: str | None = None,
) -> Payload:
    """A message shortcut (type `message_action`) run on someone's message."""
    payload = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": new_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": channel_name(channel_id)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or default_response_url(team_id),
        "message_ts": message_ts,
        "message": {
            "type": "message",
            "user": message_user,
            "ts": message_ts,
            "text": message_text,
            "team": team_id,
        },
    }
    return _interactive(payload)


def event(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    event_time: int | None = None,
) -> Payload:
    """An Events API `event_callback` envelope around `event`, as JSON."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope), JSON


def url_verification(challenge: str) -> Payload:
    """The handshake Slack sends when the Events API request URL is set."""
    body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body), JSON


def app_mention_event(
    text: str, *, user_id: str, channel_id: str, ts: str | None = None
) -> dict[str, Any]:
    """An `app_mention`; the bot's mention is put in front of `text` unless already there."""
    mention = f"<@{BOT_USER_ID}>"
    if mention not in text:
        text = f"{mention} {text}"
    ts = ts or new_ts()
    return {
        "type": "app_mention",
        "user": user_id,
        "text": text,
        "ts": ts,
        "channel": channel_id,
        "event_ts": ts,
        "team": TEAM_ID,
    }


def dm_message_event(
    text: str, *, user_id: str, channel_id: str = "D_TEST", ts: str | None = None
) -> dict[str, Any]:
    """A user's message in their DM with the bot."""
    ts = ts or new_ts()
    return {
        "type": "message",
        "channel": channel_id,
        "user": user_id,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "team": TEAM_ID,
    }


def app_home_opened_event(user_id: str) -> dict[str, Any]:
    """The user opened the bot's Home tab."""
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id,
        "tab": "home",
        "event_ts": new_ts(),
    }
