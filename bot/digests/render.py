"""Digest messages and the App Home view, kept inside Slack's limits whatever sections return.

Slack refuses a message with more than 50 blocks or a text over 3,000 characters, and a Home view
with more than 100 blocks. Sections come from every area, so nothing here trusts their sizes:
lines are clipped without cutting a mention, link or entity in half, a section that does not fit
drops whole lines (they count into its "+N more"), and sections that do not fit are named in a
closing note instead of breaking the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot.messenger import Message
from bot.mrkdwn import HEADER_LIMIT, SECTION_LIMIT, escape, when
from bot.sections import DigestSection

MAX_LINES = 5  # per digest section; the rest is "+N more"
LINE_LIMIT = 600  # characters per line of a digest section
TITLE_LIMIT = 100
MAX_HOME_BLOCKS = 100
HOME_SECTION_BLOCKS = 30  # one area may not crowd out the others on Home
BUTTON_TEXT = 75
FIELD_LIMIT = 2000
FALLBACK_LIMIT = 3000


def clip(text: str, limit: int) -> str:
    """Trim mrkdwn to ``limit`` characters without leaving a half ``<...>`` or ``&...;``."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


# --- digest -------------------------------------------------------------------------------------


def _day(now: datetime, tz: ZoneInfo, *, long: bool = False) -> str:
    """The digest's day in the channel's zone: "Mon 7 Dec" (or "Monday 7 December")."""
    day = now.astimezone(tz)
    return f"{day:%A} {day.day} {day:%B}" if long else f"{day:%a} {day.day} {day:%b}"


def _section_text(section: DigestSection) -> tuple[str, int]:
    """The section as one block of text; returns it and how many of its lines were left out."""
    title = escape(clip(section.title or "Untitled", TITLE_LIMIT))
    total = max(section.total, len(section.lines))
    text = f"*{title}* ({total})"
    shown = 0
    for line in section.lines[:MAX_LINES]:
        line = clip(str(line).replace("\n", " "), LINE_LIMIT)
        if len(text) + 1 + len(line) > SECTION_LIMIT:
            break
        text += "\n" + line
        shown += 1
    return text, total - shown


def _more(section: DigestSection, hidden: int) -> str:
    pointer = f" · `{escape(clip(section.more, 80))}` lists them all" if section.more else ""
    return f"+{hidden} more{pointer}"


def digest(
    sections: list[DigestSection],
    *,
    title: str,
    now: datetime,
    since: datetime,
    tz: ZoneInfo,
    failed: int = 0,
) -> Message:
    """Header, then each non-empty section capped with "+N more", within 50 blocks."""
    blocks: list[b.Block] = [
        b.header(f"{title} · {_day(now, tz)}"),
        b.context(f"{_day(now, tz, long=True)} in {tz.key} · closed items since {when(since, tz)}"),
    ]
    footer: list[str] = []
    if failed:
        footer.append(f":warning: {failed} section{'s' if failed != 1 else ''} could not be shown.")
    budget = b.MAX_BLOCKS - len(blocks) - 1  # keep one block for the closing note
    left_out: list[str] = []
    summary: list[str] = []
    for section in sections:
        text, hidden = _section_text(section)
        needed = 2 if hidden else 1
        if needed > budget:
            left_out.append(clip(section.title, TITLE_LIMIT))
            continue
        blocks.append(b.section(text))
        if hidden:
            blocks.append(b.context(_more(section, hidden)))
        budget -= needed
        count = max(section.total, len(section.lines))
        summary.append(f"{clip(section.title, TITLE_LIMIT)}: {count}")
    if left_out:
        footer.append(f"Not shown, for lack of room: {escape(', '.join(left_out))}.")
    footer.append("Change or stop this digest with `/digest`.")
    blocks.append(b.context(clip(" ".join(footer), SECTION_LIMIT)))
    fallback = f"{title} for {_day(now, tz)}: " + " · ".join(summary)
    return Message(text=clip(fallback, FALLBACK_LIMIT), blocks=blocks)


def all_clear(
    *, title: str, now: datetime, tz: ZoneInfo, extra: Sequence[DigestSection] = ()
) -> Message:
    """One all-clear line, then any informational sections (who is on call) as context."""
    text = (
        f":white_check_mark: {title} for {_day(now, tz)}: all clear. Nothing open, "
        "nothing waiting, nothing due."
    )
    blocks: list[b.Block] = [b.section(text)]
    for section in extra[: b.MAX_BLOCKS - 1]:
        body, _ = _section_text(section)
        blocks.append(b.section(body))
    return Message(text=text, blocks=blocks)


# --- App Home -----------------------------------------------------------------------------------


def _clip_texts(obj: Any, limit: int = SECTION_LIMIT) -> Any:
    """Trim every text object inside a block to what Slack accepts where it stands."""
    if isinstance(obj, list):
        return [_clip_texts(x, limit) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    kind = obj.get("type")
    for key, value in obj.items():
        if key == "text" and isinstance(value, str) and kind in ("mrkdwn", "plain_text"):
            out[key] = clip(value, limit)
        elif key == "text" and isinstance(value, dict):
            inner = {"header": HEADER_LIMIT, "button": BUTTON_TEXT}.get(str(kind), SECTION_LIMIT)
            out[key] = _clip_texts(value, inner)
        elif key == "fields" and isinstance(value, list):
            out[key] = [_clip_texts(f, FIELD_LIMIT) for f in value[:10]]
        elif key == "elements" and isinstance(value, list):
            cap = b.MAX_CONTEXT_ELEMENTS if kind == "context" else b.MAX_ACTIONS
            out[key] = [_clip_texts(e, limit) for e in value[:cap]]
        else:
            out[key] = _clip_texts(value, limit)
    return out


def home_view(
    parts: list[tuple[str, list[dict[str, Any]]]], *, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """The viewer's Home: each area's blocks in turn, at most 100 blocks, texts trimmed."""
    blocks: list[b.Block] = [
        b.header("Your desk"),
        b.context(f"Updated {when(now, tz)} · reopen this tab to refresh"),
    ]
    left_out: list[str] = []
    for name, section_blocks in parts:
        cleaned = [_clip_texts(x) for x in section_blocks if isinstance(x, dict) and x.get("type")]
        if not cleaned:
            continue
        cap = HOME_SECTION_BLOCKS
        if len(cleaned) > cap:
            cleaned = [*cleaned[: cap - 1], b.context("…more than fits here; use the commands.")]
        room = MAX_HOME_BLOCKS - len(blocks) - 2  # a divider before, a note at the very end
        if room < 2:
            left_out.append(name)
            continue
        if len(cleaned) > room:
            cleaned = [*cleaned[: room - 1], b.context("…more than fits here; use the commands.")]
        blocks += [b.divider(), *cleaned]
    if len(parts) == 0:
        blocks.append(b.context("Nothing to show yet."))
    if left_out:
        blocks.append(b.context(f"Not shown, for lack of room: {escape(', '.join(left_out))}."))
    return b.home(blocks[:MAX_HOME_BLOCKS])


# --- replies to /digest -------------------------------------------------------------------------


def _next(next_at: datetime | None, tz: ZoneInfo) -> str:
    return f" Next: {when(next_at, tz)}." if next_at else ""


def subscribed(channel: str, description: str, next_at: datetime | None, tz: ZoneInfo) -> Message:
    return Message(
        text=f":calendar: <#{channel}> gets the digest {escape(description)}.{_next(next_at, tz)}"
    )


def stopped(channel: str, description: str) -> Message:
    return Message(
        text=f"Stopped the digest of <#{channel}> (it was {escape(description)}). "
        "Start again with `/digest daily 09:00`."
    )


def queued(channel: str) -> Message:
    return Message(text=f"Posting the digest in <#{channel}> now.")


def status(
    channel: str,
    description: str | None,
    source: str | None,
    next_at: datetime | None,
    last_sent_at: datetime | None,
    tz: ZoneInfo,
    *,
    switched_off_config: bool,
) -> Message:
    if description is None:
        text = f"<#{channel}> has no digest."
        if switched_off_config:
            text += " (The config file has one; it was turned off here.)"
        text += " Start one with `/digest daily 09:00 weekdays` or see one with `/digest now`."
        return Message(text=text)
    origin = " (from the config file)" if source == "config" else ""
    lines = [f":calendar: <#{channel}> gets the digest {escape(description)}{origin}."]
    if next_at:
        lines.append(f"Next: {when(next_at, tz)}.")
    if last_sent_at:
        lines.append(f"Last scheduled one: {when(last_sent_at, tz)}.")
    lines.append("Change it with `/digest daily ...` or `weekly ...`, stop it with `/digest off`.")
    return Message(text="\n".join(lines))
