"""What the read API answers, as plain JSON-ready data. No HTTP here (bot/api/routes.py), no
SQL (storage/readapi.py and the areas' own reads).

Times are ISO 8601 in UTC (``2026-12-01T09:00:00Z``); people are Slack user ids with the name
Opsdesk last saw for them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import ids
from bot.context import Ctx
from bot.errors import UserError
from bot.resources import availability, catalogue
from bot.shifts import service as shifts
from storage import calendars as names_repo
from storage import readapi as repo
from storage import resources as resources_repo
from storage.incidents import Incident, IncidentStatus
from storage.readapi import Position
from storage.resources import Booking, Resource

STATUSES: dict[str, tuple[str, ...]] = {
    "open": (IncidentStatus.OPEN.value, IncidentStatus.ACKNOWLEDGED.value),  # not resolved
    "acknowledged": (IncidentStatus.ACKNOWLEDGED.value,),
    "resolved": (IncidentStatus.RESOLVED.value,),
    "all": tuple(s.value for s in IncidentStatus),
}
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
LOOK_AHEAD = timedelta(days=7)  # how far "free until" looks for the next booking or window


def iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _person(user_id: str | None, names: dict[str, str]) -> dict[str, Any] | None:
    return None if user_id is None else {"id": user_id, "name": names.get(user_id)}


# --- on call ------------------------------------------------------------------------------------


def oncall(ctx: Ctx) -> dict[str, Any]:
    """Each rotation: who is on call now and until when, and who comes next from when."""
    found = [shifts.on_call(ctx, rot, upcoming=1) for rot in ctx.config.rotations]
    people = {r.user for f in found for r in [f.now, *f.upcoming] if r.user}
    names = names_repo.display_names(ctx.session, people)
    rotations = []
    for f in found:
        now, later = f.now, (f.upcoming[0] if f.upcoming else None)
        rotations.append(
            {
                "rotation": f.rotation.name,
                "timezone": f.rotation.timezone,
                "on_call": _person(now.user, names),
                "until": None if f.open_ended(now) else iso(now.end),
                "next": None
                if later is None
                else {
                    **(_person(later.user, names) or {}),
                    "from": iso(later.start),
                    "until": None if f.open_ended(later) else iso(later.end),
                },
            }
        )
    return {"at": iso(ctx.now), "rotations": rotations}


# --- incidents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentQuery:
    status: str = "open"
    limit: int = DEFAULT_LIMIT
    after: Position | None = None


def parse_incident_query(status: str, limit: str, cursor: str) -> IncidentQuery:
    """The query string, checked: every mistake is a UserError naming the parameter."""
    status = (status or "open").strip().lower()
    if status not in STATUSES:
        raise UserError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    n = DEFAULT_LIMIT
    if limit:
        if not re.fullmatch(r"[0-9]{1,6}", limit.strip()) or not 1 <= int(limit) <= MAX_LIMIT:
            raise UserError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
        n = int(limit)
    return IncidentQuery(status, n, decode_cursor(cursor) if cursor else None)


def encode_cursor(position: Position) -> str:
    severity, raised, incident_id = position
    raw = json.dumps([severity, raised.astimezone(UTC).isoformat(), incident_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """A cursor this API handed out; anything else is refused, never guessed at."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        severity, raised, incident_id = json.loads(raw)
        when = datetime.fromisoformat(raised)
        if not isinstance(severity, str) or not isinstance(incident_id, int) or when.tzinfo is None:
            raise ValueError(cursor)
        return severity, when.astimezone(UTC), incident_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise UserError("cursor is not one this API gave out; start again without it") from None


def _links(incident: Incident) -> dict[str, str]:
    links: dict[str, str] = {}
    if incident.announce_channel and incident.announce_ts:
        ts = incident.announce_ts.replace(".", "")
        links["slack"] = f"https://slack.com/archives/{incident.announce_channel}/p{ts}"
    if incident.incident_channel:
        links["channel"] = f"https://slack.com/app_redirect?channel={incident.incident_channel}"
    return links


def incidents(ctx: Ctx, query: IncidentQuery) -> dict[str, Any]:
    """One page of incidents, worst first then oldest; ``next_cursor`` is None on the last."""
    rows = repo.incidents_page(
        ctx.session, STATUSES[query.status], after=query.after, limit=query.limit + 1
    )
    page, more = rows[: query.limit], len(rows) > query.limit
    names = names_repo.display_names(ctx.session, {i.commander for i in page if i.commander})
    items = [
        {
            "id": ids.fmt("INC", i.id),
            "title": i.title,
            "severity": i.severity,
            "state": i.status,
            "commander": _person(i.commander, names),
            "raised": iso(i.created_at),
            "acknowledged": iso(i.acknowledged_at),
            "resolved": iso(i.resolved_at),
            "resource": i.resource,
            "links": _links(i),
        }
        for i in page
    ]
    last = page[-1] if page else None
    cursor = encode_cursor((last.severity, last.created_at, last.id)) if more and last else None
    return {"status": query.status, "incidents": items, "next_cursor": cursor}


# --- resources ----------------------------------------------------------------------------------


def _full_at(bookings: Sequence[Booking], t: datetime, capacity: int) -> bool:
    return sum(1 for b in bookings if b.start <= t < b.end) >= capacity


def _state(
    ctx: Ctx, resource: Resource, bookings: Sequence[Booking], blocks: list[Any]
) -> dict[str, Any]:
    now, horizon = ctx.now, ctx.now + LOOK_AHEAD
    blocking = [b for b in blocks if b.start <= now < b.end]
    if blocking:
        until = max(b.end for b in blocking)
        return {"state": "maintenance", "until": iso(until), "why": blocking[0].ref}
    holding = [b for b in bookings if b.start <= now < b.end]
    if len(holding) >= resource.capacity:
        # Full until the first of them ends (unless another booking takes its place at once).
        ends = sorted({b.end for b in holding})
        until = next((t for t in ends if not _full_at(bookings, t, resource.capacity)), None)
        refs = [ids.fmt("BKG", b.id) for b in holding]
        return {"state": "booked", "until": iso(until), "why": ", ".join(refs)}
    starts = sorted(
        [b.start for b in blocks if b.start > now]
        + [
            b.start
            for b in bookings
            if now < b.start and _full_at(bookings, b.start, resource.capacity)
        ]
    )
    until = starts[0] if starts and starts[0] < horizon else None
    return {"state": "free", "until": iso(until), "why": None}


def resources(ctx: Ctx) -> dict[str, Any]:
    """Each active resource's state now: free, booked (at capacity) or maintenance, and until
    when (None: no change within the next 7 days, or not known)."""
    catalogue.ensure(ctx)  # resources named in the config exist before anyone booked them
    # Every one: a catalogue is hundreds of rows at most, and an API must not drop any silently.
    rows = resources_repo.catalogue(ctx.session)
    ids_ = [r.id for r in rows]
    end = ctx.now + LOOK_AHEAD
    held: dict[int, list[Booking]] = {}
    blocked: dict[int, list[Any]] = {}
    if ids_:
        for b in resources_repo.overlapping(ctx.session, ids_, ctx.now, end):
            held.setdefault(b.resource_id, []).append(b)
        for x in availability.blockers(ctx, ids_, ctx.now, end):
            blocked.setdefault(x.resource_id, []).append(x)
    items = [
        {
            "name": r.name,
            "kind": r.kind,
            "capacity": r.capacity,
            **_state(ctx, r, held.get(r.id, []), blocked.get(r.id, [])),
        }
        for r in rows
    ]
    return {"at": iso(ctx.now), "resources": items}
