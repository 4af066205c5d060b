"""Booking rules: conflict-free under concurrency, reminders, release and the waiting list.

Every change takes the resource's row lock first (SELECT ... FOR UPDATE on PostgreSQL; SQLite
serialises writers), then counts overlaps with an indexed query, then writes: all in one
transaction, so N simultaneous requests for one slot of a capacity-c resource make exactly
min(N, c) bookings. No Slack here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import ids
from bot.clock import whole_minute
from bot.context import Ctx
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.mrkdwn import window as span
from bot.resources import availability, catalogue, keys, render
from bot.resources.payloads import BookingRef, BookingVersion
from bot.timeparse import format_duration
from storage import notices as queue
from storage import resources as repo
from storage.resources import LIVE, Booking, BookingStatus, Resource, WaitEntry, WaitStatus
from storage.transitions import compare_and_set, move

ENTITY = "booking"
MIN_LENGTH = timedelta(minutes=5)


def ref(booking_id: int) -> str:
    return ids.fmt("BKG", booking_id)


def validate_window(
    ctx: Ctx, start: datetime, end: datetime, *, starts_now: bool, what: str = "A booking"
) -> datetime:
    """Checks shared by book and wait; returns the start (``now`` is taken as typed)."""
    # The minute under way is not the past: "10:00" typed at 10:00:37 means now.
    if start < whole_minute(ctx.now) and not starts_now:
        raise UserError(
            f"{what} cannot start in the past. Use `now` to start straight away.",
            example="/resource book room-a now for 1h",
        )
    length = end - start
    if length < MIN_LENGTH:
        raise UserError(
            f"{what} lasts at least {format_duration(MIN_LENGTH)}.",
            example="/resource book room-a tomorrow 9am for 30m",
        )
    longest = ctx.config.bookings.max_length
    if length > longest:
        raise UserError(
            f"{what} lasts at most {format_duration(longest)}; that one is "
            f"{format_duration(length)}.",
            example="/resource book room-a tomorrow 9am for 2h",
        )
    return start


def get(ctx: Ctx, booking_id: int) -> Booking:
    booking = ctx.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"There is no booking {ref(booking_id)}.", example="/resource bookings mine")
    return booking


def _plan_reminders(ctx: Ctx, booking: Booking) -> None:
    before = ctx.config.bookings.remind_before_end
    remind_at = booking.end - before
    payload = BookingVersion(id=booking.id, v=booking.version)
    if remind_at > ctx.now and remind_at > booking.start:
        ctx.notify(
            "booking.remind_end",
            payload,
            dedupe_key=keys.remind_end(booking.id, booking.version),
            due_at=remind_at,
            expires_after=before,
        )
    ctx.notify(
        "booking.end", payload, dedupe_key=keys.end(booking.id, booking.version), due_at=booking.end
    )


def _create(
    ctx: Ctx, resource: Resource, owner: str, start: datetime, end: datetime, note: str | None
) -> Booking:
    booking = Booking(
        resource_id=resource.id,
        owner=owner,
        start=start,
        end=end,
        note=note,
        status=LIVE,
        version=1,
        created_at=ctx.now,
    )
    ctx.session.add(booking)
    ctx.session.flush()
    ctx.audit(ENTITY, booking.id, "booked", {"resource": resource.name, "owner": owner})
    _plan_reminders(ctx, booking)
    return booking


def _conflict(
    ctx: Ctx, resource: Resource, busy: availability.Busy, start: datetime, end: datetime
) -> Conflict:
    length = end - start
    nxt = availability.next_free(ctx, resource, start, length)
    same_kind = [r for r in repo.catalogue(ctx.session, kind=resource.kind) if r.id != resource.id]
    free = availability.free_among(ctx, same_kind, start, end)
    return Conflict(render.conflict(resource, busy, nxt, free, length, ctx.tz))


def book(
    ctx: Ctx,
    name: str,
    start: datetime,
    end: datetime,
    note: str | None = None,
    *,
    starts_now: bool = False,
) -> Booking:
    resource = catalogue.find(ctx, name)
    validate_window(ctx, start, end, starts_now=starts_now)
    note = " ".join((note or "").split())[:500] or None
    resource = repo.lock(ctx.session, resource.id)
    if not resource.active:
        raise NotFound(f"{resource.name} was just removed.")
    busy = availability.check(ctx, resource, start, end)
    if busy is not None:
        raise _conflict(ctx, resource, busy, start, end)
    return _create(ctx, resource, ctx.actor.user_id, start, end, note)


def _may_change(ctx: Ctx, booking: Booking) -> None:
    if booking.owner != ctx.actor.user_id and not ctx.actor.is_admin:
        raise Forbidden(
            f"{ref(booking.id)} is <@{booking.owner}>'s; only they or an admin can change it."
        )


def release(ctx: Ctx, booking_id: int) -> Booking:
    booking = get(ctx, booking_id)
    _may_change(ctx, booking)
    resource = repo.lock(ctx.session, booking.resource_id)
    won = compare_and_set(
        ctx.session,
        Booking,
        booking_id,
        expected={LIVE},
        values={"status": BookingStatus.RELEASED, "closed_at": ctx.now},
    )
    if not won:
        raise Conflict(f"{ref(booking_id)} is already {booking.status}; nothing to release.")
    queue.cancel(ctx.session, prefix=keys.booking(booking_id))
    ctx.audit(ENTITY, booking_id, "released")
    advance_waitlist(ctx, resource, giver=booking.owner)
    return booking


def extend(ctx: Ctx, booking_id: int, by: timedelta) -> Booking:
    booking = get(ctx, booking_id)
    _may_change(ctx, booking)
    resource = repo.lock(ctx.session, booking.resource_id)
    ctx.session.refresh(booking)
    if not booking.is_live or booking.end <= ctx.now:
        raise Conflict(
            f"{ref(booking_id)} has {'ended' if booking.is_live else booking.status}; "
            "book again instead."
        )
    new_end = booking.end + by
    longest = ctx.config.bookings.max_length
    if new_end - booking.start > longest:
        raise UserError(
            f"A booking lasts at most {format_duration(longest)}; extended by "
            f"{format_duration(by)} it would last {format_duration(new_end - booking.start)}."
        )
    busy = availability.check(ctx, resource, booking.end, new_end, exclude=booking.id)
    if busy is not None:
        raise Conflict(render.extend_refused(booking, resource, busy, ctx.tz))
    queue.cancel(ctx.session, prefix=keys.version(booking.id, booking.version))
    old_end = booking.end
    booking.end, booking.version = new_end, booking.version + 1
    ctx.session.flush()
    ctx.audit(ENTITY, booking.id, "extended", {"from": old_end.isoformat(), "by": str(by)})
    _plan_reminders(ctx, booking)
    return booking


def wait(
    ctx: Ctx, name: str, start: datetime, end: datetime, *, starts_now: bool = False
) -> WaitEntry:
    resource = catalogue.find(ctx, name)
    validate_window(ctx, start, end, starts_now=starts_now, what="A wait")
    resource = repo.lock(ctx.session, resource.id)
    mine = repo.own_overlap(ctx.session, resource.id, ctx.actor.user_id, start, end)
    if isinstance(mine, Booking):
        raise UserError(
            f"You already have {ref(mine.id)} on {resource.name} "
            f"({span(mine.start, mine.end, ctx.tz)}), which overlaps that window. "
            "To make it longer, extend it.",
            example=f"/resource extend {ref(mine.id)} 30m",
        )
    if mine is not None:
        raise UserError(
            f"You are already on the waiting list for {resource.name} "
            f"({span(mine.start, mine.end, ctx.tz)}), for a window that overlaps this "
            "one. You will hear as soon as it frees up.",
        )
    if availability.check(ctx, resource, start, end) is None:
        raise UserError(
            f"{resource.name} is free for that window, so there is no need to wait: book it.",
            example=f"/resource book {resource.name} ...",
        )
    entry = WaitEntry(
        resource_id=resource.id,
        user_id=ctx.actor.user_id,
        start=start,
        end=end,
        status=WaitStatus.WAITING,
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    ctx.audit("booking_wait", entry.id, "waiting", {"resource": resource.name})
    return entry


def advance_waitlist(ctx: Ctx, resource: Resource, *, giver: str | None = None) -> list[Booking]:
    """Book, in order, those waiting for a window that is free now. Caller holds the lock.

    ``giver`` just gave a booking back: their own waiting entries are passed over, so what they
    gave back never comes straight back to them.
    """
    made: list[Booking] = []
    for entry in repo.waiting(ctx.session, resource.id):
        start = max(entry.start, whole_minute(ctx.now))
        if entry.end - start < MIN_LENGTH or not resource.active:
            move(entry, WaitStatus.EXPIRED)
            ctx.audit("booking_wait", entry.id, "expired")
            continue
        if entry.user_id == giver:
            continue
        if availability.check(ctx, resource, start, entry.end) is not None:
            continue
        booking = _create(ctx, resource, entry.user_id, start, entry.end, None)
        booking.from_wait = entry.id
        move(entry, WaitStatus.BOOKED)
        entry.booking_id = booking.id
        ctx.audit("booking_wait", entry.id, "booked", {"booking": booking.id})
        ctx.notify(
            "booking.promoted", BookingRef(id=booking.id), dedupe_key=keys.promoted(booking.id)
        )
        made.append(booking)
    return made


def end_booking(ctx: Ctx, booking_id: int, version: int) -> bool:
    """At its end a booking is released and the waiting list moves on (the scheduler calls)."""
    booking = ctx.session.get(Booking, booking_id)
    if booking is None or booking.version != version or booking.end > ctx.now:
        return False
    resource = repo.lock(ctx.session, booking.resource_id)
    won = compare_and_set(
        ctx.session,
        Booking,
        booking_id,
        expected={LIVE},
        values={"status": BookingStatus.ENDED, "closed_at": ctx.now},
    )
    if won:
        ctx.audit(ENTITY, booking_id, "ended")
        advance_waitlist(ctx, resource)
    return won
