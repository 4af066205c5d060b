"""Resource and booking messages: lists, status, conflicts with suggestions, reminders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.messenger import Message
from bot.mrkdwn import safe, user, when, window
from bot.resources.ids import Action
from bot.timeparse import format_duration
from storage.base import Total
from storage.resources import Booking, Resource, WaitEntry

if TYPE_CHECKING:
    from bot.resources.availability import Blocker, Busy

LIST_LIMIT = 25
EXTEND_STEP = timedelta(minutes=30)


def ref(booking: Booking) -> str:
    return ids.fmt("BKG", booking.id)


def done(text: str) -> Message:
    return Message(text=f":white_check_mark: {text}")


def _holder(booking: Booking, tz: ZoneInfo) -> str:
    return f"{user(booking.owner)} ({ref(booking)}) until {when(booking.end, tz)}"


def _blocker(blocker: Blocker, tz: ZoneInfo) -> str:
    return f":construction: {blocker.ref} {safe(blocker.what, 200)}, until {when(blocker.end, tz)}"


def busy_lines(busy: Busy, tz: ZoneInfo) -> list[str]:
    lines = [_blocker(x, tz) for x in busy.blockers[:3]]
    lines += [f"Held by {_holder(x, tz)}" for x in busy.bookings[:3]]
    more = len(busy.blockers) + len(busy.bookings) - len(lines)
    if more > 0:
        lines.append(f"…and {more} more")
    return lines


def conflict(
    resource: Resource,
    busy: Busy,
    next_free: datetime | None,
    free: Sequence[Resource],
    length: timedelta,
    tz: ZoneInfo,
) -> str:
    lines = [f"*{safe(resource.name)}* is not free then."]
    lines += [f"• {line}" for line in busy_lines(busy, tz)]
    if next_free is not None:
        lines.append(
            f"Next free slot of {format_duration(length)}: "
            f"{window(next_free, next_free + length, tz)}"
        )
    else:
        lines.append(f"No free slot of {format_duration(length)} in the next 60 days.")
    if free:
        names = ", ".join(f"`{safe(r.name)}`" for r in free[:10])
        more = f" and {len(free) - 10} more" if len(free) > 10 else ""
        lines.append(f"Free {safe(resource.kind)} for that window: {names}{more}")
    else:
        lines.append(f"No other {safe(resource.kind)} is free for that window.")
    return "\n".join(lines)


def extend_refused(booking: Booking, resource: Resource, busy: Busy, tz: ZoneInfo) -> str:
    lines = [f"I can't extend {ref(booking)}: *{safe(resource.name)}* is needed right after it."]
    lines += [f"• {line}" for line in busy_lines(busy, tz)]
    return "\n".join(lines)


def booked(booking: Booking, resource: Resource, tz: ZoneInfo) -> Message:
    note = f" · {safe(booking.note, 500)}" if booking.note else ""
    text = (
        f":white_check_mark: Booked *{safe(resource.name)}* as *{ref(booking)}*: "
        f"{window(booking.start, booking.end, tz)}{note}\n"
        f"I'll remind you before it ends. Release it early with `/resource release {booking.id}`."
    )
    return Message(text=text)


def _booking_line(
    booking: Booking,
    name: str,
    tz: ZoneInfo,
    *,
    owner: bool = True,
    notes: Sequence[str] = (),
) -> str:
    who = f" · {user(booking.owner)}" if owner else ""
    note = f" · {safe(booking.note, 200)}" if booking.note else ""
    said = "".join(f" · {n}" for n in notes)
    return (
        f"*{ref(booking)}* `{safe(name)}` {window(booking.start, booking.end, tz)}{who}{note}{said}"
    )


def booking_list(
    bookings: Sequence[Booking],
    names: dict[int, Resource],
    total: Total,
    tz: ZoneInfo,
    *,
    mine: bool,
) -> Message:
    title = "Your bookings" if mine else "Current and upcoming bookings"
    if not bookings:
        return Message(text="You have no bookings." if mine else "Nothing is booked.")
    lines = [_booking_line(x, names[x.resource_id].name, tz, owner=not mine) for x in bookings]
    blocks: list[b.Block] = [b.header(f"{title} ({total})"), b.section("\n".join(lines))]
    if total.more_than(len(bookings)):
        blocks.append(b.context(f"Showing the first {len(bookings)} of {total}."))
    return Message(text=f"{title}: {total}", blocks=blocks)


@dataclass(frozen=True)
class State:
    resource: Resource
    bookings: list[Booking]  # covering now
    blockers: list[Blocker]  # covering now
    # What other areas say of it now, already mrkdwn ("incident INC-7 open").
    notes: list[str] = field(default_factory=list)


def _state_text(state: State, tz: ZoneInfo) -> str:
    text = _booking_state(state, tz)
    return " · ".join([text, *state.notes])


def _booking_state(state: State, tz: ZoneInfo) -> str:
    if state.blockers:
        x = state.blockers[0]
        return f":construction: under maintenance until {when(x.end, tz)} ({x.ref})"
    if not state.bookings:
        return ":large_green_circle: free"
    held = ", ".join(_holder(x, tz) for x in state.bookings[:3])
    full = len(state.bookings) >= state.resource.capacity
    icon = ":red_circle: booked" if full else ":large_yellow_circle: partly booked"
    return f"{icon} by {held}"


def _capacity(resource: Resource) -> str:
    return f" (capacity {resource.capacity})" if resource.capacity > 1 else ""


def resource_list(
    states: Sequence[State], tz: ZoneInfo, kind: str | None, *, total: int | None = None
) -> Message:
    """One line per resource; ``total`` counts every resource when fewer are shown."""
    if not states:
        what = f"of kind `{safe(kind)}`" if kind else "yet"
        return Message(text=f"There are no resources {what}.")
    lines = [
        f"`{safe(s.resource.name)}` _{safe(s.resource.kind)}_{_capacity(s.resource)}: "
        f"{_state_text(s, tz)}"
        for s in states
    ]
    chunks: list[str] = []
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            chunks.append("\n".join(chunk))
            chunk = []
        chunk.append(line)
    chunks.append("\n".join(chunk))
    title = f"Resources{f' ({safe(kind)})' if kind else ''}"
    blocks = [b.header(title), *[b.section(c) for c in chunks]]
    more = (total or 0) - len(states)
    if more > 0:
        narrow = "" if kind else " Narrow it down by kind: `/resource list room`."
        blocks.append(b.context(f"Showing {len(states)} of {total}: {more} more.{narrow}"))
    return Message(text=title, blocks=b.fit(blocks))


def status(
    state: State,
    upcoming: Sequence[Booking],
    blockers: Sequence[Blocker],
    tz: ZoneInfo,
    total: int,
    *,
    blocked_total: int | None = None,
) -> Message:
    r = state.resource
    head = f"`{safe(r.name)}` _{safe(r.kind)}_{_capacity(r)}: {_state_text(state, tz)}"
    items = [(x.start, _booking_line(x, r.name, tz)) for x in upcoming]
    items += [
        (x.start, f":construction: {x.ref} {window(x.start, x.end, tz)} {safe(x.what, 200)}")
        for x in blockers
    ]
    items.sort(key=lambda i: i[0])
    lines = [line for _, line in items] or ["Nothing booked or planned."]
    # As many sections as the lines need: one would cut them at Slack's 3,000 characters.
    blocks = [b.header(f"{r.name}"), b.section(head), *b.sections(["*Next 7 days*", *lines])]
    shown = []
    if total > len(upcoming):
        shown.append(f"{len(upcoming)} of {total} bookings")
    if blocked_total is not None and blocked_total > len(blockers):
        shown.append(f"{len(blockers)} of {blocked_total} maintenance periods")
    if shown:
        blocks.append(b.context(f"Showing {' and '.join(shown)}."))
    return Message(text=f"{r.name}: {_state_text(state, tz)}", blocks=blocks)


def available(
    free: Sequence[Resource], kind: str | None, start: datetime, end: datetime, tz: ZoneInfo
) -> Message:
    span = window(start, end, tz)
    what = safe(kind) if kind else "resource"
    if not free:
        return Message(text=f"No {what} is free for the whole of {span}.")
    lines = [f"• `{safe(r.name)}` _{safe(r.kind)}_{_capacity(r)}" for r in free[:LIST_LIMIT]]
    text = f"Free for the whole of {span}:\n" + "\n".join(lines)
    if len(free) > LIST_LIMIT:
        text += f"\n…and {len(free) - LIST_LIMIT} more."
    return Message(text=text)


def waiting(entry: WaitEntry, resource: Resource, tz: ZoneInfo) -> Message:
    return done(
        f"You are on the waiting list for *{safe(resource.name)}*, "
        f"{window(entry.start, entry.end, tz)}. If it frees up I'll book it for you and tell you."
    )


def _buttons(booking: Booking, *, give_back: bool = False) -> b.Block:
    value = str(booking.id)
    release = b.button(
        "Give it back" if give_back else "Release", Action.RELEASE, value, style="danger"
    )
    extend = b.button(
        f"Extend {format_duration(EXTEND_STEP)}", Action.EXTEND, value, style="primary"
    )
    return b.actions(extend, release, block_id=f"booking_{booking.id}")


def end_reminder(booking: Booking, resource: Resource, tz: ZoneInfo) -> Message:
    text = (
        f":hourglass_flowing_sand: Your booking *{ref(booking)}* of *{safe(resource.name)}* ends "
        f"{when(booking.end, tz, style='time')}. Need longer, or done already?"
    )
    return Message(text=text, blocks=[b.section(text), _buttons(booking)])


def promoted(booking: Booking, resource: Resource, tz: ZoneInfo) -> Message:
    text = (
        f":tada: *{safe(resource.name)}* freed up: you were first on the waiting list, so I "
        f"booked it for you as *{ref(booking)}*: {window(booking.start, booking.end, tz)}."
    )
    release = b.button("Give it back", Action.RELEASE, str(booking.id), style="danger")
    return Message(text=text, blocks=[b.section(text), b.actions(release)])


def cancelled(booking: Booking, resource: Resource, tz: ZoneInfo, why: str) -> Message:
    reason = {"removed": "the resource was removed from the catalogue"}.get(why, why)
    text = (
        f":no_entry: Your booking *{ref(booking)}* of *{safe(resource.name)}* "
        f"({window(booking.start, booking.end, tz)}) was cancelled: {safe(reason)}."
    )
    return Message(text=text)


def wait_cancelled(entry: WaitEntry, resource: Resource, tz: ZoneInfo) -> Message:
    text = (
        f":no_entry: Your place on the waiting list for *{safe(resource.name)}* "
        f"({window(entry.start, entry.end, tz)}) was cancelled: the resource was removed from "
        "the catalogue. See what else is free with `/resource available`."
    )
    return Message(text=text)


def home_rows(
    bookings: Sequence[Booking],
    names: dict[int, Resource],
    tz: ZoneInfo,
    notes: Mapping[str, list[str]] | None = None,
) -> list[b.Block]:
    rows: list[b.Block] = []
    for x in bookings:
        name = names[x.resource_id].name
        said = (notes or {}).get(name, [])
        rows.append(b.section(_booking_line(x, name, tz, owner=False, notes=said)))
        rows.append(_buttons(x))
    return rows
