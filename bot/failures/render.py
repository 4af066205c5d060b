"""The failures report: what could not be delivered, when, after how many tries, and why."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot.messenger import Message
from bot.mrkdwn import escape, safe, when
from storage.models import Notice

LINES_PER_SECTION = 5
ERROR_LIMIT = 300


def _line(notice: Notice, tz: ZoneInfo) -> str:
    failed = when(notice.failed_at, tz) if notice.failed_at else "at an unknown time"
    tries = "1 try" if notice.attempts == 1 else f"{notice.attempts} tries"
    why = safe(notice.last_error or "no reason recorded", ERROR_LIMIT)
    return f"• `{escape(notice.kind)}` `{escape(notice.dedupe_key)}`: {failed}, {tries}: {why}"


def report(rows: Sequence[Notice], total: int, tz: ZoneInfo) -> Message:
    counted = "1 notice" if total == 1 else f"{total} notices"
    text = f"{counted} could not be delivered to Slack in the last 24 hours."
    lines = [_line(n, tz) for n in rows]
    if total > len(rows):
        lines.append(f"+{total - len(rows)} more")
    blocks = [b.header("Notices Opsdesk could not deliver"), b.section(text)]
    for i in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(b.section("\n".join(lines[i : i + LINES_PER_SECTION])))
    blocks.append(
        b.context(
            "Each was tried with growing pauses before it was given up. Announcements and "
            "approval requests are tried again later by themselves; for the rest, check the "
            "reason (a channel Opsdesk is not in, a missing scope) and repeat the action."
        )
    )
    return Message(text=text, blocks=blocks)
