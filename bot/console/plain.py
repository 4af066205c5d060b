"""Block Kit as readable text: the plain-text twin of every message, for the console and logs.

One converter serves every area, so a renderer writes Block Kit once and the console shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

_DATE = re.compile(r"<!date\^(\d+)\^([^|>]*)\|([^>]*)>")
# Slack's date-token parts, as the console shows them in the reader's zone.
_TOKEN_FORMATS = {
    "{date_short_pretty}": "%a %Y-%m-%d",
    "{date_short}": "%a %Y-%m-%d",
    "{date}": "%a %Y-%m-%d",
    "{date_pretty}": "%a %Y-%m-%d",
    "{time}": "%H:%M %Z",
    "{ago}": "%a %Y-%m-%d %H:%M %Z",
}
_MENTION = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9_]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^<>]+)>")


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str


def default_name(user_id: str) -> str:
    # The console's people are U_ALICE, U_BOB...; show them the way they are typed: @alice.
    return "@" + (user_id[2:].lower() if user_id.startswith("U_") else user_id)


def default_channel(channel_id: str) -> str:
    return "#" + (
        channel_id[2:].lower().replace("_", "-") if channel_id.startswith("C_") else channel_id
    )


# The emoji Opsdesk itself uses, so the console reads like Slack looks (a test checks that every
# shortcode in the code is here); any other shortcode is shown as typed.
EMOJI = {
    ":red_circle:": "🔴", ":large_orange_circle:": "🟠", ":large_yellow_circle:": "🟡",
    ":white_circle:": "⚪", ":white_check_mark:": "✅", ":rotating_light:": "🚨", ":eyes:": "👀",
    ":memo:": "📝", ":alarm_clock:": "⏰", ":warning:": "⚠️", ":tada:": "🎉", ":repeat:": "🔁",
    ":arrow_up_down:": "↕️", ":bust_in_silhouette:": "👤", ":telephone_receiver:": "📞",
    ":x:": "❌", ":hourglass_flowing_sand:": "⏳", ":hourglass:": "⌛", ":calendar:": "📅",
    ":wrench:": "🔧",
    ":face_with_head_bandage:": "🤕", ":moneybag:": "💰", ":white_large_square:": "⬜",
    ":receipt:": "🧾", ":inbox_tray:": "📥", ":construction:": "🚧", ":zzz:": "💤",
    ":no_entry:": "⛔",
    ":no_entry_sign:": "🚫", ":heavy_minus_sign:": "➖", ":large_green_circle:": "🟢",
    ":arrows_counterclockwise:": "🔄", ":bell:": "🔔",
    ":speech_balloon:": "💬", ":page_facing_up:": "📄", ":package:": "📦",
}  # fmt: skip
_EMOJI = re.compile(r":[a-z0-9_+-]+:")


def emoji(text: str) -> str:
    """Shortcodes as the emoji Slack shows for them; unknown ones stay as typed."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(0), m.group(0)), text)


def _date(m: re.Match[str], tz: ZoneInfo | None) -> str:
    """A date token as its reader sees it: in ``tz`` when known, else its fallback text."""
    if tz is None:
        return m.group(3)
    at = datetime.fromtimestamp(int(m.group(1)), UTC).astimezone(tz)
    shown = m.group(2)
    for token, fmt in _TOKEN_FORMATS.items():
        shown = shown.replace(token, at.strftime(fmt))
    return shown


def mrkdwn_to_text(
    text: str, name: Callable[[str], str] = default_name, tz: ZoneInfo | None = None
) -> str:
    """Readable text; date tokens in ``tz`` (the reader's zone) when given, as Slack shows them."""
    text = _DATE.sub(lambda m: _date(m, tz), text)
    text = _MENTION.sub(lambda m: name(m.group(1)), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _CHANNEL.sub(
        lambda m: "#" + m.group(2) if m.group(2) else default_channel(m.group(1)), text
    )
    text = emoji(text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(
    obj: dict[str, Any] | None, name: Callable[[str], str], tz: ZoneInfo | None = None
) -> str:
    if not obj:
        return ""
    raw = obj.get("text", "")
    return mrkdwn_to_text(raw, name, tz) if obj.get("type") == "mrkdwn" else emoji(raw)


def blocks_to_text(
    blocks: list[dict[str, Any]],
    *,
    name: Callable[[str], str] = default_name,
    first_button: int = 1,
    tz: ZoneInfo | None = None,
) -> tuple[str, list[Button]]:
    """Render blocks as lines of text; buttons are numbered from ``first_button``; times are
    shown in ``tz``, the reader's zone, when it is given."""
    lines: list[str] = []
    buttons: list[Button] = []

    def text_of(obj: dict[str, Any] | None) -> str:
        return _text_of(obj, name, tz)

    def add_button(el: dict[str, Any]) -> str:
        buttons.append(Button(el["text"]["text"], el["action_id"], el.get("value", "")))
        return f"[{first_button + len(buttons) - 1}: {el['text']['text']}]"

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = text_of(block.get("text"))
            lines += [title.upper(), "=" * min(len(title), 60)]
        elif kind == "section":
            body = text_of(block.get("text"))
            if body:
                lines.append(body)
            for field in block.get("fields", []):
                lines.append("  " + text_of(field).replace("\n", " "))
            acc = block.get("accessory")
            if acc and acc.get("type") == "button":
                lines.append("  " + add_button(acc))
        elif kind == "context":
            parts = [text_of(el) for el in block.get("elements", []) if "text" in el]
            lines.append("  " + "  ·  ".join(p for p in parts if p))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            shown = [
                add_button(el) for el in block.get("elements", []) if el.get("type") == "button"
            ]
            if shown:
                lines.append("  " + "  ".join(shown))
        elif kind == "input":
            label = text_of(block.get("label"))
            optional = " (optional)" if block.get("optional") else ""
            el = block.get("element", {})
            hint = ""
            if el.get("type") == "users_select":
                hint = " (a person, like @bob)"
            elif el.get("type") == "static_select":
                hint = " one of: " + ", ".join(o["value"] for o in el.get("options", []))
                chosen = (el.get("initial_option") or {}).get("value")
                hint += f" (now {chosen})" if chosen else ""
            elif lines_of := str(el.get("initial_value") or "").strip().splitlines():
                # What a shortcut or an edit form filled in: submit keeps it unless given.
                first = emoji(lines_of[0])
                hint = f' (now "{first[:60]}{"…" if len(first) > 60 else ""}")'
            lines.append(f"  {block['block_id']}: {label}{optional}{hint}")
        elif kind == "rich_text":
            lines.append(str(block.get("text", "")))
    return "\n".join(lines), buttons
