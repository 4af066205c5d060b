"""Maintenance rules: schedule (once or every day/week/month), cancel, done, and planning the
reminders, "starting now" and "finished" notices with deterministic keys. No Slack here."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import whole_minute
from bot.context import Ctx, Notify
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.maintenance import keys
from bot.maintenance.occurrences import (
    PERIOD,
    Occurrence,
    current_or_next,
    occurrences,
    ref,
    write_rows,
)
from bot.maintenance.payloads import OccurrenceRef, OccurrenceReminder, Overlap, WindowRef
from bot.resources import catalogue
from bot.resources import service as bookings
from bot.timeparse import format_duration
from storage import maintenance_rows as stored
from storage import notices as queue
from storage import resources as resource_repo
from storage.maintenance import SCHEDULED, MaintenanceWindow, WindowStatus
from storage.resources import Booking, Resource
from storage.transitions import compare_and_set

ENTITY = "maintenance"
MAX_ONCE = timedelta(days=31)
ANYONE_MAX = timedelta(hours=24)  # longer, or repeated, windows need an admin
DESCRIPTION_LIMIT = 1000
FINISHED_USEFUL_FOR = timedelta(days=1)


def horizon(ctx: Ctx) -> timedelta:
    """How far ahead occurrences are planned: the longest reminder offset, plus a day."""
    offsets = ctx.config.maintenance.remind_before or [timedelta(0)]
    return max(offsets) + timedelta(days=1)


def get(ctx: Ctx, window_id: int) -> MaintenanceWindow:
    window = ctx.session.get(MaintenanceWindow, window_id)
    if window is None:
        raise NotFound(
            f"There is no maintenance window MNT-{window_id}.", example="/maintenance list"
        )
    return window


def resource_of(ctx: Ctx, window: MaintenanceWindow) -> Resource:
    return catalogue.by_id(ctx, window.resource_id)


def plan_notices(ctx: Ctx, window: MaintenanceWindow) -> list[Notify]:
    """The notices of occurrences from where the window was planned to (or now) to the
    horizon, for the caller to queue in this unit of work (with other windows', in a few
    statements); the window remembers how far that is. Idempotent by dedupe key all the same."""
    planned: list[Notify] = []
    if not window.is_scheduled or window.plan_from is None:
        return planned
    until = ctx.now + horizon(ctx)
    for s, e in occurrences(window, max(ctx.now, window.plan_from), until):
        base = OccurrenceRef(id=window.id, start=s, end=e)
        for offset in ctx.config.maintenance.remind_before:
            due = s - offset
            if due < ctx.now:
                continue  # scheduled too late for this reminder; the next one still comes
            seconds = int(offset.total_seconds())
            planned.append(
                Notify(
                    "maintenance.remind",
                    OccurrenceReminder(id=window.id, start=s, end=e, offset=seconds),
                    dedupe_key=keys.remind(window.id, s, seconds),
                    due_at=due,
                    expires_after=offset,
                )
            )
        planned.append(
            Notify(
                "maintenance.start",
                base,
                dedupe_key=keys.start(window.id, s),
                due_at=max(s, ctx.now),
                expires_after=e - s,
            )
        )
        planned.append(
            Notify(
                "maintenance.finish",
                base,
                dedupe_key=keys.finish(window.id, s),
                due_at=e,
                expires_after=FINISHED_USEFUL_FOR,
            )
        )
    window.plan_from = first_start_from(window, until)
    return planned


def first_start_from(window: MaintenanceWindow, at: datetime) -> datetime | None:
    """The first occurrence starting at or after ``at``, or None when there is none."""
    # At most one occurrence ending after ``at`` starts before it: the next is the one.
    for s, _ in occurrences(window, at, at + PERIOD["month"] * 14, limit=2):
        if s >= at:
            return s
    return None


def overlapping_bookings(ctx: Ctx, window: MaintenanceWindow) -> list[Booking]:
    """Every live booking of the resource that overlaps an occurrence: each owner is told, so
    none may be left out (the resource's live bookings, not its history)."""
    if window.every is None:
        return resource_repo.overlapping(
            ctx.session, [window.resource_id], window.start, window.end
        )
    found = []
    for booking in resource_repo.live_from(ctx.session, window.resource_id, ctx.now, limit=None):
        if occurrences(window, booking.start, booking.end, limit=1):
            found.append(booking)
    return found


def _validate(
    ctx: Ctx, start: datetime, end: datetime, every: str | None, description: str, starts_now: bool
) -> None:
    if start < whole_minute(ctx.now) and not starts_now:
        raise UserError(
            "A maintenance window cannot start in the past; use `now` to start straight away.",
            example="/maintenance schedule room-a now for 1h Fix",
        )
    length = end - start
    if every is not None and length >= PERIOD[every]:
        raise UserError(
            f"A window repeated every {every} must be shorter than a {every} "
            f"(this one lasts {format_duration(length)})."
        )
    if every is None and length > MAX_ONCE:
        raise UserError(f"A maintenance window lasts at most {format_duration(MAX_ONCE)}.")
    if not description:
        raise UserError(
            "Say what the maintenance is for.",
            example="/maintenance schedule room-a tomorrow 9am for 2h New projector",
        )


def _may_schedule(ctx: Ctx, start: datetime, end: datetime, every: str | None) -> None:
    """Anyone may schedule a single window of up to 24h; repeated or longer ones need an admin."""
    if ctx.actor.is_admin:
        return
    if every is not None:
        raise Forbidden(
            f"Only admins can schedule a window that repeats every {every}. "
            "Ask an admin, or schedule a single window (up to "
            f"{format_duration(ANYONE_MAX)}).",
            example="/maintenance schedule room-a tomorrow 9am for 2h New projector",
        )
    if end - start > ANYONE_MAX:
        raise Forbidden(
            f"Only admins can schedule a window longer than {format_duration(ANYONE_MAX)} "
            f"(this one lasts {format_duration(end - start)}). Ask an admin, or make it shorter.",
            example="/maintenance schedule room-a tomorrow 9am for 2h New projector",
        )


def schedule(
    ctx: Ctx,
    resource_name: str,
    start: datetime,
    end: datetime,
    every: str | None,
    description: str,
    *,
    starts_now: bool = False,
) -> tuple[MaintenanceWindow, list[Booking]]:
    resource = catalogue.find(ctx, resource_name)
    description = " ".join(description.split())[:DESCRIPTION_LIMIT]
    _validate(ctx, start, end, every, description, starts_now)
    _may_schedule(ctx, start, end, every)
    resource = resource_repo.lock(ctx.session, resource.id)  # bookings wait for us, and we them
    window = MaintenanceWindow(
        resource_id=resource.id,
        start=start,
        end=end,
        every=every,
        tz=ctx.tz.key,
        description=description,
        status=SCHEDULED,
        created_by=ctx.actor.user_id,
        created_at=ctx.now,
        plan_from=start,
    )
    ctx.session.add(window)
    ctx.session.flush()
    write_rows(ctx.session, window, ctx.now)
    ctx.audit(ENTITY, window.id, "scheduled", {"resource": resource.name, "every": every})
    planned = plan_notices(ctx, window)
    clashes = overlapping_bookings(ctx, window)
    for booking in clashes:
        planned.append(
            Notify(
                "maintenance.overlap",
                Overlap(id=window.id, booking=booking.id),
                dedupe_key=keys.overlap(window.id, booking.id),
            )
        )
    ctx.notify_many(planned)
    return window, clashes


def _may_change(ctx: Ctx, window: MaintenanceWindow) -> None:
    if window.created_by != ctx.actor.user_id and not ctx.actor.is_admin:
        raise Forbidden(
            f"Only <@{window.created_by}>, who scheduled {ref(window)}, or an admin can change it."
        )


def cancel(ctx: Ctx, window_id: int) -> MaintenanceWindow:
    window = get(ctx, window_id)
    _may_change(ctx, window)
    resource = resource_repo.lock(ctx.session, window.resource_id)
    if not compare_and_set(
        ctx.session,
        MaintenanceWindow,
        window_id,
        expected={SCHEDULED},
        values={"status": WindowStatus.CANCELLED, "closed_at": ctx.now},
    ):
        raise Conflict(f"{ref(window)} is already {window.status}.")
    queue.cancel(ctx.session, prefix=keys.window(window.id))
    stored.drop_occurrences(ctx.session, window.id)
    ctx.audit(ENTITY, window.id, "cancelled")
    ctx.notify(
        "maintenance.cancelled", WindowRef(id=window.id), dedupe_key=keys.cancelled(window.id)
    )
    bookings.advance_waitlist(ctx, resource)
    return window


def done(ctx: Ctx, window_id: int) -> tuple[MaintenanceWindow, Occurrence]:
    """End the occurrence in progress now: the resource is free again at once."""
    window = get(ctx, window_id)
    _may_change(ctx, window)
    resource = resource_repo.lock(ctx.session, window.resource_id)
    if not window.is_scheduled:
        raise Conflict(f"{ref(window)} is already {window.status}.")
    current = current_or_next(window, ctx.now)
    if current is None or current[0] > ctx.now:
        raise Conflict(
            f"{ref(window)} is not in progress, so it cannot be done yet. To drop it, "
            f"use `/maintenance cancel {window.id}`."
        )
    s, _ = current
    if window.every is None:
        values = {"status": WindowStatus.DONE, "closed_at": ctx.now, "end": ctx.now}
    else:  # only this occurrence ends; the window stays scheduled
        values = {"done_occurrence": s, "done_at": ctx.now}
    # Conditional on what was read: a cancel or another `done` may have come in between.
    if not compare_and_set(
        ctx.session,
        MaintenanceWindow,
        window_id,
        expected={SCHEDULED},
        unchanged={"done_occurrence": window.done_occurrence},
        values=values,
        refresh_on_loss=True,
    ):
        if window.is_scheduled:
            raise Conflict(f"{ref(window)} was just marked done by someone else.")
        raise Conflict(f"{ref(window)} is already {window.status}.")
    ctx.audit(ENTITY, window.id, "done", {"occurrence": s.isoformat()})
    if window.every is None:
        stored.drop_occurrences(ctx.session, window.id)
    _finish_now(ctx, window, s)
    bookings.advance_waitlist(ctx, resource)
    return window, (s, ctx.now)


def _finish_now(ctx: Ctx, window: MaintenanceWindow, start: datetime) -> None:
    """Bring the occurrence's "finished" notice forward to now (or queue it if not planned)."""
    key = keys.finish(window.id, start)
    payload = OccurrenceRef(id=window.id, start=start, end=ctx.now)
    if ctx.notify("maintenance.finish", payload, dedupe_key=key) is not None:
        return
    moved = queue.bring_forward(ctx.session, dedupe_key=key, due_at=ctx.now, payload=payload.row())
    if moved is not None:
        ctx.outbox.notice_ids.append(moved)
