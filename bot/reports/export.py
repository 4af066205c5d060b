"""CSV files of a period's rows, for spreadsheets and ERPs.

UTF-8, a header row, one row per record. Times are ISO 8601 twice: in UTC (``..._utc``, ending in
``Z``) and in the reader's zone (``..._local``, with its offset), and the zone is named in a
``timezone`` column. Amounts are plain decimals (``1250.00``) with their currency in the next
column. People are Slack user ids. Free text that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-`` or ``@``) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from bot.reports.figures import amount
from storage.incidents import Incident
from storage.models import AuditEvent
from storage.purchases import PurchaseRequest
from storage.resources import Booking

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def utc(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def seconds(a: datetime | None, b: datetime | None) -> str:
    return str(int((b - a).total_seconds())) if a is not None and b is not None else ""


def _times(name: str) -> list[str]:
    return [f"{name}_utc", f"{name}_local"]


def _both(moment: datetime | None, tz: ZoneInfo) -> list[str]:
    return [utc(moment), local(moment, tz)]


HEADERS: dict[str, list[str]] = {
    "incidents": [
        "id",
        "title",
        "severity",
        "status",
        "reporter",
        "commander",
        "resource",
        *_times("created_at"),
        *_times("acknowledged_at"),
        *_times("resolved_at"),
        "seconds_to_acknowledge",
        "seconds_to_resolve",
        "summary",
        "timezone",
    ],
    "purchases": [
        "id",
        "requester",
        "description",
        "vendor",
        "cost_centre",
        "amount",
        "currency",
        "policy_amount",
        "policy_currency",
        "status",
        *_times("created_at"),
        *_times("decided_at"),
        "decided_by",
        "on_behalf_of",
        "reason",
        "timezone",
    ],
    "bookings": [
        "id",
        "resource",
        "owner",
        *_times("start"),
        *_times("end"),
        "status",
        *_times("closed_at"),
        "note",
        *_times("created_at"),
        "timezone",
    ],
    "shifts": [
        "rotation",
        "person",
        *_times("start"),
        *_times("end"),
        "hours",
        "source",
        "timezone",
    ],
    "audit": [
        "id",
        *_times("at"),
        "actor",
        "on_behalf_of",
        "entity",
        "entity_id",
        "action",
        "data",
        "timezone",
    ],
}


def incident_row(i: Incident, tz: ZoneInfo) -> list[str]:
    return [
        ids.fmt("INC", i.id),
        text(i.title),
        i.severity,
        i.status,
        i.reporter,
        i.commander or "",
        text(i.resource),
        *_both(i.created_at, tz),
        *_both(i.acknowledged_at, tz),
        *_both(i.resolved_at, tz),
        seconds(i.created_at, i.acknowledged_at),
        seconds(i.created_at, i.resolved_at),
        text(i.summary),
        tz.key,
    ]


def purchase_row(p: PurchaseRequest, tz: ZoneInfo) -> list[str]:
    return [
        ids.fmt("PUR", p.id),
        p.requester,
        text(p.description),
        text(p.vendor),
        text(p.cost_centre),
        str(amount(p.amount_minor)),
        p.currency,
        str(amount(p.policy_minor)),
        p.policy_currency,
        p.status,
        *_both(p.created_at, tz),
        *_both(p.decided_at, tz),
        p.decided_by or "",
        p.on_behalf_of or "",
        text(p.reason),
        tz.key,
    ]


def booking_row(row: tuple[Booking, str], tz: ZoneInfo) -> list[str]:
    b, resource = row
    return [
        ids.fmt("BKG", b.id),
        resource,
        b.owner,
        *_both(b.start, tz),
        *_both(b.end, tz),
        b.status,
        *_both(b.closed_at, tz),
        text(b.note),
        *_both(b.created_at, tz),
        tz.key,
    ]


def audit_row(e: AuditEvent, tz: ZoneInfo) -> list[str]:
    data = json.dumps(e.data or {}, ensure_ascii=False, sort_keys=True, default=str)
    return [
        str(e.id),
        *_both(e.at, tz),
        e.actor,
        e.on_behalf_of or "",
        e.entity,
        "" if e.entity_id is None else str(e.entity_id),
        e.action,
        text(data),
        tz.key,
    ]


def shift_row(row: Sequence[Any], tz: ZoneInfo) -> list[str]:
    rotation, person, start, end, source = row
    hours = (end - start).total_seconds() / 3600
    return [rotation, person, *_both(start, tz), *_both(end, tz), f"{hours:.2f}", source, tz.key]


# Each dataset's rows are of its own type; the dataset name picks the matching writer.
ROWS: dict[str, Callable[[Any, ZoneInfo], list[str]]] = {
    "incidents": incident_row,
    "purchases": purchase_row,
    "bookings": booking_row,
    "shifts": shift_row,
    "audit": audit_row,
}


class Writer:
    """A CSV file built a page of records at a time: the header first, then each row."""

    def __init__(self, dataset: str):
        self.dataset = dataset
        self._out = io.StringIO()
        self._csv = csv.writer(self._out)
        self._csv.writerow(HEADERS[dataset])
        self.rows = 0

    def add(self, records: Iterable[Any], tz: ZoneInfo) -> None:
        to_row = ROWS[self.dataset]
        for record in records:
            self._csv.writerow(to_row(record, tz))
            self.rows += 1

    def content(self) -> bytes:
        return self._out.getvalue().encode("utf-8")
