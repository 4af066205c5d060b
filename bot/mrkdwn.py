"""mrkdwn-safe text: escaped user input, mentions, and times each reader sees in their zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no @channel pings, no forged links or mentions.

    Slack's rule is exactly these three characters; escaping them turns ``<!channel>`` and
    ``<@U123>`` into literal text.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def echo(value: object, limit: int = 40) -> str:
    """User input quoted back in an error message: escaped, and short."""
    text = str(value)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def safe(text: str, limit: int = SECTION_LIMIT) -> str:
    """Escape, then trim, never cutting an escape sequence in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def user(user_id: str | None) -> str:
    """A person as a mention; an actor that is no person (``alerts:prometheus``, a monitoring
    source acting on an incident) by its name and kind, since Slack cannot mention it."""
    if not user_id:
        return "nobody"
    kind, colon, name = user_id.partition(":")
    if colon:
        return f"_{escape(name)}_ ({escape(kind)})"
    return f"<@{user_id}>"


def users(user_ids: list[str]) -> str:
    return ", ".join(user(u) for u in user_ids) if user_ids else "nobody"


def local(dt: datetime, tz: ZoneInfo, fmt: str = "%a %Y-%m-%d %H:%M") -> str:
    return dt.astimezone(tz).strftime(fmt)


def when(dt: datetime, tz: ZoneInfo, *, style: str = "datetime") -> str:
    """A Slack date token: each reader sees their own local time; ``tz`` only sets the fallback.

    styles: ``datetime`` (Mon, Dec 1 at 09:00), ``date``, ``time``, ``ago`` (3 hours ago).
    """
    ts = int(dt.timestamp())
    token, fallback = {
        "datetime": ("{date_short_pretty} {time}", local(dt, tz, "%a %Y-%m-%d %H:%M %Z")),
        "date": ("{date_short_pretty}", local(dt, tz, "%a %Y-%m-%d")),
        "time": ("{time}", local(dt, tz, "%H:%M %Z")),
        "ago": ("{ago}", local(dt, tz, "%a %Y-%m-%d %H:%M %Z")),
    }[style]
    return f"<!date^{ts}^{token}|{fallback}>"


def until(end: datetime, tz: ZoneInfo) -> str:
    """``until Tue, Dec 1 at 17:00``; an end at local midnight is said as the day it closes:
    ``until the end of Sat 5 Dec``, not ``until Sun 2026-12-06 00:00`` for "until 2026-12-05"."""
    local_end = end.astimezone(tz)
    if (local_end.hour, local_end.minute, local_end.second) != (0, 0, 0):
        return f"until {when(end, tz)}"
    last = end - timedelta(seconds=1)
    on = last.astimezone(tz)
    day = f"{on:%a} {on.day} {on:%b}"
    return f"until the end of <!date^{int(last.timestamp())}^{{date_short_pretty}}|{day}>"


def window(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    return f"{when(start, tz)} – {when(end, tz, style='time' if same_day else 'datetime')}"
