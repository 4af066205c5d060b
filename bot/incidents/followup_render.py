"""Follow-ups as Slack shows them: lines, the list, the Home section, `/incident show`'s part."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.incidents.followup_commands import PREFIX
from bot.messenger import Message
from bot.mrkdwn import escape, safe, user, when
from storage.incident_followups import IncidentFollowup


def ref(item: IncidentFollowup) -> str:
    return ids.fmt(PREFIX, item.id)


def line(item: IncidentFollowup, tz: ZoneInfo) -> str:
    """``:white_large_square: *FUP-3* Alert on errors · @bob · INC-7 · recorded 2 days ago``"""
    mark = ":white_large_square:" if item.is_open else ":white_check_mark:"
    text = f"{mark} *{ref(item)}* {safe(item.text, 300)} · {user(item.owner)} · "
    text += f"{ids.fmt('INC', item.incident_id)} · "
    if item.is_open:
        return text + f"recorded {when(item.created_at, tz, style='ago')}"
    done = when(item.done_at, tz, style="ago") if item.done_at else ""
    return text + f"done {done} by {user(item.done_by)}"


def recorded(item: IncidentFollowup, actor: str) -> Message:
    owner = "you own it" if item.owner == actor else f"{user(item.owner)} owns it"
    return Message(
        f":white_check_mark: Recorded *{ref(item)}* on {ids.fmt('INC', item.incident_id)} "
        f"({owner}): {safe(item.text, 300)}\nMark it done with "
        f"`/incident followup done {item.id}`."
    )


def done(item: IncidentFollowup) -> Message:
    return Message(f":white_check_mark: *{ref(item)}* is done: {safe(item.text, 300)}")


def listing(items: Sequence[IncidentFollowup], total: int, tz: ZoneInfo, *, mine: bool) -> Message:
    if not items:
        return Message("You have no open follow-ups. :tada:" if mine else "No open follow-ups.")
    title = "Your open follow-ups" if mine else "Open follow-ups"
    blocks: list[b.Block] = [b.header(f"{title} ({total})")]
    blocks += b.sections([line(i, tz) for i in items])
    if total > len(items):
        blocks.append(b.context(f"Showing the oldest {len(items)} of {total}."))
    return Message(f"{title}: {total}", b.fit(blocks))


def home(items: Sequence[IncidentFollowup], total: int, tz: ZoneInfo) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [b.header("Your follow-ups")]
    blocks += b.sections([line(i, tz) for i in items])
    more = total - len(items)
    hint = f"+{more} more: `/incident followups mine`. " if more > 0 else ""
    usage = escape("/incident followup done <n>")
    blocks.append(b.context(f"{hint}Mark one done with `{usage}`."))
    return blocks


def with_followups(message: Message, items: Sequence[IncidentFollowup], tz: ZoneInfo) -> Message:
    """``/incident show``'s message with the incident's follow-ups after the timeline."""
    if not items:
        return message
    blocks = list(message.blocks or [])
    blocks += [b.divider(), b.section("*Follow-ups*"), *b.sections([line(i, tz) for i in items])]
    return Message(message.text, b.fit(blocks))
