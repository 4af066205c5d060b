"""Maintenance messages: the scheduling reply, lists, detail, reminders and notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.messenger import Message
from bot.mrkdwn import safe, user, window
from bot.timeparse import format_duration
from storage.base import Total
from storage.maintenance import MaintenanceWindow
from storage.resources import Booking, Resource

STATUS = {"scheduled": "scheduled", "cancelled": "cancelled", "done": "done"}


def ref(w: MaintenanceWindow) -> str:
    return ids.fmt("MNT", w.id)


def _every(w: MaintenanceWindow) -> str:
    return f", every {w.every}" if w.every else ""


def _line(
    w: MaintenanceWindow, name: str, occ: tuple[datetime, datetime] | None, tz: ZoneInfo
) -> str:
    span = window(occ[0], occ[1], tz) if occ else "no further occurrence"
    return f"*{ref(w)}* `{safe(name)}` {span}{_every(w)} · {safe(w.description, 300)}"


def scheduled(
    w: MaintenanceWindow, resource: Resource, clashes: Sequence[Booking], tz: ZoneInfo
) -> Message:
    text = (
        f":construction: Scheduled *{ref(w)}* on *{safe(resource.name)}*: "
        f"{window(w.start, w.end, tz)}{_every(w)} · {safe(w.description, 500)}\n"
        "Bookings are refused while it runs, and it is announced before it starts."
    )
    if clashes:
        owners = ", ".join(
            f"{ids.fmt('BKG', x.id)} ({user(x.owner)}, {window(x.start, x.end, tz)})"
            for x in clashes[:10]
        )
        more = f" and {len(clashes) - 10} more" if len(clashes) > 10 else ""
        text += (
            f"\n:warning: It overlaps {len(clashes)} existing booking(s): {owners}{more}. "
            "I have told their owners."
        )
    return Message(text=text)


def window_list(
    rows: Sequence[tuple[MaintenanceWindow, str, tuple[datetime, datetime] | None]],
    total: Total,
    tz: ZoneInfo,
) -> Message:
    if not rows:
        return Message(text="No maintenance is scheduled.")
    lines = [_line(w, name, occ, tz) for w, name, occ in rows]
    blocks: list[b.Block] = [b.header(f"Maintenance ({total})"), *b.sections(lines)]
    if total.more_than(len(rows)):
        blocks.append(b.context(f"Showing {len(rows)} of {total}, soonest first."))
    return Message(text=f"Maintenance: {total}", blocks=blocks)


def detail(
    w: MaintenanceWindow,
    resource: Resource,
    upcoming: Sequence[tuple[datetime, datetime]],
    tz: ZoneInfo,
) -> Message:
    fields = [
        f"*Resource*\n`{safe(resource.name)}`",
        f"*Status*\n{STATUS.get(w.status, w.status)}",
        f"*Scheduled by*\n{user(w.created_by)}",
        f"*Repeats*\n{'every ' + w.every if w.every else 'no'}",
        f"*Length*\n{format_duration(w.end - w.start)}",
    ]
    occ = "\n".join(f"• {window(s, e, tz)}" for s, e in upcoming) or "none ahead"
    blocks = [
        b.header(f"{ref(w)} · {resource.name}"),
        b.section(safe(w.description, 2900), fields=fields),
        b.section(f"*Next occurrences*\n{occ}"),
    ]
    return Message(text=f"{ref(w)}: {safe(w.description, 200)}", blocks=blocks)


def reminder(
    w: MaintenanceWindow,
    resource: Resource,
    start: datetime,
    end: datetime,
    before: str,
    tz: ZoneInfo,
    booking: Booking | None = None,
) -> Message:
    yours = f" It overlaps your booking *{ids.fmt('BKG', booking.id)}*." if booking else ""
    text = (
        f":construction: Maintenance *{ref(w)}* on *{safe(resource.name)}* starts in {before}: "
        f"{window(start, end, tz)} · {safe(w.description, 500)}.{yours}"
    )
    return Message(text=text)


def starting(w: MaintenanceWindow, resource: Resource, end: datetime, tz: ZoneInfo) -> Message:
    from bot.mrkdwn import when

    text = (
        f":construction: Maintenance *{ref(w)}* on *{safe(resource.name)}* is starting now, "
        f"until {when(end, tz)}: {safe(w.description, 500)}. `{safe(resource.name)}` cannot be "
        f"booked meanwhile; `/maintenance done {w.id}` when it is over."
    )
    return Message(text=text)


def finished(w: MaintenanceWindow, resource: Resource) -> Message:
    text = (
        f":white_check_mark: Maintenance *{ref(w)}* on *{safe(resource.name)}* has finished: "
        f"`{safe(resource.name)}` can be booked again."
    )
    return Message(text=text)


def cancelled(w: MaintenanceWindow, resource: Resource) -> Message:
    return Message(
        text=f":no_entry_sign: Maintenance *{ref(w)}* on *{safe(resource.name)}* was cancelled "
        f"({safe(w.description, 300)})."
    )


def overlap(w: MaintenanceWindow, resource: Resource, booking: Booking, tz: ZoneInfo) -> Message:
    text = (
        f":warning: Maintenance *{ref(w)}* on *{safe(resource.name)}* "
        f"({window(w.start, w.end, tz)}{_every(w)}: {safe(w.description, 300)}) overlaps your "
        f"booking *{ids.fmt('BKG', booking.id)}* ({window(booking.start, booking.end, tz)}). "
        f"Check `/resource available {safe(resource.kind)} ...` for another."
    )
    return Message(text=text)


def done(text: str) -> Message:
    return Message(text=f":white_check_mark: {text}")
