"""The catalogue: `[[resources]]` from the config, synced into a table so admins can add and
remove resources in chat and history keeps pointing at real rows."""

from __future__ import annotations

import difflib
import re
import threading
import weakref

from bot.config import NAME_PATTERN, Config
from bot.context import Ctx, Notify
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.mrkdwn import echo
from bot.resources import keys
from bot.resources.payloads import BookingCancelled, BookingRef
from storage import notices as queue
from storage import resources as repo
from storage.resources import BookingStatus, Resource, WaitStatus
from storage.transitions import move

REMOVE_BATCH = 500  # bookings or waiting entries handled per query when a resource is removed


class _Synced:
    """The configs (and the database, by its engine's pool) whose catalogue this process has
    found in the table as the config has it. Nothing but ``ensure`` changes a config row's
    kind or capacity, or inserts one, and a config is read once per process: once found in
    sync, it stays so, and requests no longer read the table to check."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[tuple[weakref.ref[Config], weakref.ref[object]]] = []

    def __contains__(self, key: tuple[Config, object]) -> bool:
        config, pool = key
        return any(c() is config and p() is pool for c, p in self._seen)

    def add(self, config: Config, pool: object) -> None:
        with self._lock:
            self._seen = [(c, p) for c, p in self._seen if c() is not None and p() is not None]
            self._seen.append((weakref.ref(config), weakref.ref(pool)))


_synced = _Synced()


def ensure(ctx: Ctx) -> None:
    """Sync the config catalogue into the table: once per process and config, after which it
    costs nothing; until then one cheap query when nothing changed.

    Names never seen are inserted; a config row whose kind or capacity was edited in the config
    is updated. What admins did in chat wins: a removed resource stays removed and one added or
    re-added in chat (source "chat") keeps the admin's values. It is remembered as done only
    when a sync found nothing to change, so a change rolled back with its unit is tried again.
    """
    wanted = ctx.config.resources
    if not wanted:
        return
    pool = ctx.session.get_bind().engine.pool
    if (ctx.config, pool) in _synced:
        return
    have = repo.named(ctx.session, [r.name for r in wanted])
    missing = [r for r in wanted if r.name not in have]
    stale = [
        r
        for r in wanted
        if (row := have.get(r.name)) is not None
        and row.source == "config"
        and row.active
        and (row.kind, row.capacity) != (r.kind, r.capacity)
    ]
    if not missing and not stale:
        _synced.add(ctx.config, pool)
        return
    if missing:
        rows = [
            {
                "name": r.name,
                "kind": r.kind,
                "capacity": r.capacity,
                "active": True,
                "source": "config",
                "created_at": ctx.now,
            }
            for r in missing
        ]
        repo.insert_missing(ctx.session, rows)
    for r in stale:
        row = have[r.name]
        if repo.update_from_config(ctx.session, row.id, r.kind, r.capacity):
            ctx.audit(
                "resource",
                row.id,
                "updated",
                {"name": r.name, "kind": r.kind, "capacity": r.capacity, "from": "config"},
            )


def suggestions(ctx: Ctx, name: str) -> list[str]:
    names = repo.all_names(ctx.session)
    return difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.5)


def by_id(ctx: Ctx, resource_id: int) -> Resource:
    """The resource a booking, wait or window points at (removed ones included: history)."""
    resource = ctx.session.get(Resource, resource_id)
    if resource is None:
        raise NotFound(f"There is no resource #{resource_id}.")
    return resource


def find(ctx: Ctx, name: str) -> Resource:
    """The active resource called ``name``, or a NotFound naming the closest ones."""
    ensure(ctx)
    resource = repo.by_name(ctx.session, name.lower())
    if resource is not None and resource.active:
        return resource
    close = suggestions(ctx, name)
    hint = (
        "Did you mean " + " or ".join(f"`{n}`" for n in close) + "?"
        if close
        else "See them all with `/resource list`."
    )
    gone = " (it was removed)" if resource is not None else ""
    raise NotFound(f"There is no resource called `{echo(name)}`{gone}. {hint}")


def add_resource(ctx: Ctx, name: str, kind: str, capacity: int) -> Resource:
    if not ctx.actor.is_admin:
        raise Forbidden("Only admins can add resources.")
    for label, value in (("name", name), ("kind", kind)):
        if not re.match(NAME_PATTERN, value):
            raise UserError(
                f"A resource {label} is lower-case letters, digits, `.`, `_` or `-`.",
                example="/resource add room-c room capacity 2",
            )
    ensure(ctx)
    existing = repo.by_name(ctx.session, name)
    if existing is not None and existing.active:
        raise Conflict(f"{name} already exists.")
    if existing is not None:
        existing.active, existing.removed_at = True, None
        existing.kind, existing.capacity = kind, capacity
        existing.source = "chat"  # the admin's values now; config edits no longer apply
        resource = existing
    else:
        resource = Resource(
            name=name, kind=kind, capacity=capacity, active=True, source="chat", created_at=ctx.now
        )
        ctx.session.add(resource)
    ctx.session.flush()
    ctx.audit("resource", resource.id, "added", {"name": name, "kind": kind, "capacity": capacity})
    return resource


def remove_resource(ctx: Ctx, name: str) -> tuple[Resource, int]:
    """Deactivate; future and current bookings and waits are cancelled, in batches, all of them,
    and their owners told."""
    if not ctx.actor.is_admin:
        raise Forbidden("Only admins can remove resources.")
    resource = repo.lock(ctx.session, find(ctx, name).id)
    resource.active, resource.removed_at = False, ctx.now
    cancelled = 0
    while batch := repo.live_from(ctx.session, resource.id, ctx.now, limit=REMOVE_BATCH):
        queue.cancel_all(ctx.session, prefixes=[keys.booking(b.id) for b in batch])
        for booking in batch:
            move(booking, BookingStatus.CANCELLED)
            booking.closed_at = ctx.now
            ctx.audit("booking", booking.id, "cancelled", {"why": "resource removed"})
        ctx.notify_many(
            Notify(
                "booking.cancelled",
                BookingCancelled(id=b.id, why="removed"),
                dedupe_key=keys.cancelled(b.id),
            )
            for b in batch
        )
        cancelled += len(batch)
        ctx.session.flush()  # the next batch starts after these
    while waits := repo.waiting(ctx.session, resource.id, limit=REMOVE_BATCH):
        for entry in waits:
            move(entry, WaitStatus.CANCELLED)
            ctx.audit("booking_wait", entry.id, "cancelled", {"why": "resource removed"})
        ctx.notify_many(
            Notify(
                "booking.wait_cancelled", BookingRef(id=e.id), dedupe_key=keys.wait_cancelled(e.id)
            )
            for e in waits
        )
        ctx.session.flush()
    ctx.audit("resource", resource.id, "removed", {"name": resource.name})
    return resource, cancelled
