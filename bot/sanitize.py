"""Input hygiene before any listener runs: control characters out, malformed shapes acked.

Slack passes on whatever people type, including NUL (which PostgreSQL refuses in text) and
terminal escapes; and a signed request can still carry a payload no listener can read. Both are
dealt with here, once, rather than as a traceback somewhere downstream.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeGuard

from slack_bolt import BoltResponse

from bot.quietlog import OncePerMinute

log = logging.getLogger(__name__)
_malformed = OncePerMinute(log)

# C0 and C1 controls except tab, newline and carriage return; DEL; lone surrogates (JSON can
# carry "\ud800", which no database can store as UTF-8).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    return _CONTROL.sub("", text)


def scrub(value: Any) -> Any:
    """``value`` with control characters removed from every string in it, in place for
    dicts and lists (Bolt hands the same body object to every listener)."""
    if isinstance(value, str):
        return clean(value) if _CONTROL.search(value) else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = scrub(item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = scrub(item)
    return value


def _user_id(body: dict[str, Any]) -> Any:
    user = body.get("user")
    return user.get("id") if isinstance(user, dict) else None


def _is_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)


def _is_dict(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)


def problem(body: dict[str, Any]) -> str | None:
    """Why no listener could read this body (None when it has the shape its kind needs)."""
    if not body:
        return "an empty or unreadable body"
    kind = body.get("type")
    if "command" in body and kind is None:
        return None if _is_str(body.get("user_id")) else "a command without a user"
    if kind == "event_callback":
        event = body.get("event")
        if not _is_dict(event) or not _is_str(event.get("type")):
            return "an event without an event"
        return None
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not _is_dict(actions[0]):
            return "a click without an action"
        return None if _is_str(_user_id(body)) else "a click without a user"
    if kind in {"view_submission", "view_closed"}:
        if not _is_dict(body.get("view")):
            return "a form without its view"
        return None if _is_str(_user_id(body)) else "a form without a user"
    if kind in {"message_action", "shortcut"}:
        return None if _is_str(_user_id(body)) else "a shortcut without a user"
    if kind in {None, ""}:
        return "a payload of no known kind"
    return None


def middleware(body: dict[str, Any], next: Callable[[], Any]) -> Any:
    """Bolt middleware: acknowledge what cannot be read, scrub the rest, then go on."""
    why = problem(body) if isinstance(body, dict) else "a payload that is not an object"
    if why is not None:
        _malformed.warning(f"acknowledged and ignored a signed request: {why}")
        return BoltResponse(status=200, body="")
    scrub(body)
    return next()
