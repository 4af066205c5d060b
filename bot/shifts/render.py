"""Shift messages: who is on call, upcoming shifts, the list, overrides, hand-offs, reminders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.messenger import Message
from bot.mrkdwn import SECTION_LIMIT, user, when, window
from bot.shifts.ids import View
from bot.shifts.rotation import Segment
from bot.shifts.service import LIST_LIMIT, OnCall, Swappable
from storage.shifts import ShiftOverride


def shift_ref(seg: Segment, slots: dict[int, int]) -> str:
    slot_id = slots.get(seg.slot) if seg.slot is not None else None
    return ids.fmt("SHF", slot_id) if slot_id else "—"


def _ref_suffix(seg: Segment, slots: dict[int, int]) -> str:
    """The shift id after a line, or nothing when the time lies in no shift (an override
    before the rotation starts): a bare "—" there reads as a stray mark."""
    ref = shift_ref(seg, slots)
    return f" · {ref}" if ref != "—" else ""


def _until(until: datetime, open_ended: bool, tz: ZoneInfo) -> str:
    return "until further notice" if open_ended else f"until {when(until, tz)}"


def _source(seg: Segment) -> str:
    if seg.cover is None:
        return ""
    by = f", by {user(seg.cover.created_by)}" if seg.cover.created_by else ""
    what = {"add": "override", "away": "covering time off"}.get(seg.cover.kind, "swapped")
    return f" _({what}{by})_"


def now_line(oc: OnCall, tz: ZoneInfo) -> str:
    run = oc.now
    if run.user is None:
        first = oc.upcoming[0] if oc.upcoming else None
        starts = f"; it starts {when(first.start, tz)} with {user(first.user)}" if first else ""
        return f"*{oc.rotation.name}*: nobody yet{starts}."
    return (
        f"*{oc.rotation.name}*: {user(run.user)}{_source(run.first)} is on call "
        f"{_until(run.end, oc.open_ended(run), tz)}{_ref_suffix(run.first, oc.slot_ids)}"
    )


def next_line(oc: OnCall, tz: ZoneInfo) -> str:
    if not oc.upcoming:
        return f"*{oc.rotation.name}*: no change in sight; {user(oc.now.user)} stays on call."
    lines = [f"*{oc.rotation.name}*"]
    for run in oc.upcoming:
        lines.append(
            f"• {user(run.user)}{_source(run.first)} from {when(run.start, tz)} "
            f"{_until(run.end, oc.open_ended(run), tz)}{_ref_suffix(run.first, oc.slot_ids)}"
        )
    return "\n".join(lines)


def on_call_now(items: Sequence[OnCall], tz: ZoneInfo) -> Message:
    lines = [now_line(oc, tz) for oc in items]
    text = ":telephone_receiver: " + "\n".join(lines)
    return Message(text=text, blocks=[b.section(line) for line in lines][: b.MAX_BLOCKS])


def on_call_next(items: Sequence[OnCall], tz: ZoneInfo) -> Message:
    lines = [next_line(oc, tz) for oc in items]
    return Message(text="\n".join(lines), blocks=[b.section(line) for line in lines][:50])


def shift_list(
    rotations: Sequence[tuple[str, list[Segment], dict[int, int]]], days: int, tz: ZoneInfo
) -> Message:
    blocks: list[b.Block] = [b.header(f"Shifts, the next {days} days")]
    texts = []
    for name, segs, slots in rotations:
        lines = []
        for seg in segs[:LIST_LIMIT]:
            who = user(seg.user) if seg.user else "_nobody_"
            lines.append(
                f"`{shift_ref(seg, slots)}` {window(seg.start, seg.end, tz)} · {who}{_source(seg)}"
            )
        if len(segs) > LIST_LIMIT:
            lines.append(f"…and {len(segs) - LIST_LIMIT} more; ask for fewer days.")
        for chunk in _chunks([f"*{name}*", *(lines or ["_no shifts_"])]):
            blocks.append(b.section(chunk))
        texts.append(f"{name}: {len(segs)} shifts")
    blocks.append(b.context("Give a shift to someone else with `/shift swap <id> @user`."))
    return Message(text="; ".join(texts), blocks=b.fit(blocks))


def _chunks(lines: list[str], limit: int = SECTION_LIMIT - 100) -> list[str]:
    """Whole lines per section block, so no date token is ever cut by the 3,000-char limit."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def added(override: ShiftOverride, tz: ZoneInfo) -> Message:
    return Message(
        text=(
            f":white_check_mark: {user(override.user_id)} is on call for *{override.rotation}* "
            f"{window(override.starts_at, override.ends_at, tz)}."
        )
    )


def swap_modal(found: Swappable, tz: ZoneInfo, metadata: dict[str, object]) -> b.Block:
    """Whom to give a shift to (from the Home tab's Swap button)."""
    shift = ids.fmt("SHF", found.slot_id)
    members = ", ".join(user(m) for m in found.rotation.members)
    return b.modal(
        View.SWAP,
        f"Swap {shift}",
        [
            b.section(
                f"*{shift}* on *{found.rotation.name}*, "
                f"{window(found.start, found.end, tz)}, now with {user(found.holder)}."
            ),
            b.user_input("user", "Who takes it?", placeholder="a member of the rotation"),
            b.context(f"Members of {found.rotation.name}: {members}."),
        ],
        submit="Swap",
        private_metadata=json.dumps({**metadata, "shift": found.slot_id}),
    )


def swapped(override: ShiftOverride, holder: str, tz: ZoneInfo) -> Message:
    was = f" instead of {user(holder)}" if holder else ""
    slot = ids.fmt("SHF", override.slot_id or 0)
    return Message(
        text=(
            f":white_check_mark: {user(override.user_id)} takes {slot}{was} on "
            f"*{override.rotation}*, {window(override.starts_at, override.ends_at, tz)}."
        )
    )


def handoff(
    rotation: str,
    to: str,
    before: str | None,
    until: datetime,
    *,
    open_ended: bool,
    override: bool,
    tz: ZoneInfo,
) -> Message:
    how = " (override)" if override else ""
    text = (
        f":arrows_counterclockwise: *{rotation}*: {user(to)} is now on call{how} "
        f"{_until(until, open_ended, tz)}."
    )
    if before:
        text += f" Handed over by {user(before)}."
    return Message(text=text, blocks=[b.section(text)])


def reminder(
    rotation: str, start: datetime, until: datetime, *, open_ended: bool, tz: ZoneInfo
) -> Message:
    text = (
        f":alarm_clock: Your *{rotation}* on-call shift starts {when(start, tz)} "
        f"and runs {_until(until, open_ended, tz)}."
    )
    return Message(text=text, blocks=[b.section(text)])
