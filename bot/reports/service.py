"""Reports: figures of a period, CSV exports and the weekly reports' schedule. No Slack here.

Figures are computed inside the caller's unit of work (aggregates, bounded whatever the data
size); drawing charts and sharing files happens after it has committed (bot/reports/delivery.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Ctx
from bot.errors import Forbidden
from bot.reports import export, figures, usage
from bot.reports.period import Period
from bot.reports.schedule import WeeklyReport, configured
from bot.shifts.rotation import Cover, Schedule
from storage import report_exports as rows_repo
from storage import reports as repo
from storage import shifts as shifts_repo


@dataclass(frozen=True)
class Report:
    period: Period
    sections: tuple[str, ...]
    incidents: figures.IncidentFigures | None = None
    purchases: figures.PurchaseFigures | None = None
    resources: usage.ResourceFigures | None = None
    oncall: usage.OnCallFigures | None = None
    names: dict[str, str] = field(default_factory=dict)  # user id -> name, for chart labels

    def name(self, user_id: str) -> str:
        return self.names.get(user_id) or user_id


def _people(values: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    purchases: figures.PurchaseFigures | None = values.get("purchases")
    if purchases is not None:
        found.update(row[0] for row in purchases.approvers.rows)
        found.update(row[0] for row in purchases.requesters.rows)
    oncall: usage.OnCallFigures | None = values.get("oncall")
    if oncall is not None:
        found.update(oncall.people())
    return found


BUILDERS = {
    "incidents": figures.incidents,
    "purchases": figures.purchases,
    "resources": usage.resources,
    "oncall": usage.oncall,
}


# Up to this long, figures are computed inside the request (well within Slack's 3 seconds at
# ten times today's data); a longer period is computed after the reply (see build_in_parts).
IN_REQUEST_UP_TO = timedelta(days=35)


def build(ctx: Ctx, sections: tuple[str, ...], period: Period) -> Report:
    values: dict[str, Any] = {name: BUILDERS[name](ctx, period) for name in sections}
    names = repo.display_names(ctx.session, _people(values))
    return Report(period, sections, names=names, **values)


def build_in_parts(
    unit: Callable[[], AbstractContextManager[Ctx]], sections: tuple[str, ...], period: Period
) -> Report:
    """The same figures, each section in a unit of work of its own: a long period's queries
    take seconds, and no transaction (SQLite's write lock) should be held for all of them."""
    values: dict[str, Any] = {}
    for name in sections:
        with unit() as ctx:
            values[name] = BUILDERS[name](ctx, period)
    with unit() as ctx:
        names = repo.display_names(ctx.session, _people(values))
    return Report(period, sections, names=names, **values)


# --- exports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    dataset: str
    period: Period
    owner: str | None  # whose rows; None: everyone's (an admin asked)
    rows: int

    @property
    def filename(self) -> str:
        return f"opsdesk-{self.dataset}-{self.period.slug()}.csv"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int
    tz: ZoneInfo  # the reader's, which the local columns are in


def _shifts(ctx: Ctx, period: Period, owner: str | None) -> list[tuple[Any, ...]]:
    """(rotation, person, start, end, source) of every on-call stretch in the period."""
    out: list[tuple[Any, ...]] = []
    for rot in ctx.config.rotations:
        found = shifts_repo.overrides_between(ctx.session, rot.name, period.start, period.end)
        covers = [Cover(o.id, o.user_id, o.starts_at, o.ends_at, o.kind) for o in found]
        for seg in Schedule(rot, covers).segments(period.start, period.end):
            if seg.user is None or (owner is not None and seg.user != owner):
                continue
            source = f"override {seg.cover.kind}" if seg.cover else "rotation"
            out.append((rot.name, seg.user, seg.start, seg.end, source))
    return sorted(out, key=lambda r: (r[2], r[0]))


def plan_export(ctx: Ctx, dataset: str, period: Period) -> ExportRequest:
    """Who gets which rows: admins everything, others their own; the audit trail admins only."""
    admin = ctx.actor.is_admin
    if dataset == "audit" and not admin:
        raise Forbidden(
            "The audit trail is for admins only. You can export your own incidents, purchases, "
            "bookings and shifts, such as `/report export purchases month`."
        )
    owner = None if admin else ctx.actor.user_id
    if dataset == "shifts":
        count = len(_shifts(ctx, period, owner))
    else:
        count = rows_repo.count(ctx.session, dataset, period.start, period.end, owner)
    return ExportRequest(dataset, period, owner, count)


def export_file(
    unit: Callable[[], AbstractContextManager[Ctx]], request: ExportRequest
) -> ExportFile:
    """The CSV, read page by page after the reply went out, each page in a unit of work of its
    own (a year of rows takes seconds; no transaction is held for all of them)."""
    p, dataset = request.period, request.dataset
    writer = export.Writer(dataset)
    if dataset == "shifts":
        with unit() as ctx:
            writer.add(_shifts(ctx, p, request.owner), ctx.tz)
        return ExportFile(request.filename, writer.content(), writer.rows, ctx.tz)
    after = None
    while True:
        with unit() as ctx:
            rows = rows_repo.page(ctx.session, dataset, p.start, p.end, request.owner, after=after)
            writer.add(rows, ctx.tz)
        if len(rows) < rows_repo.PAGE:
            return ExportFile(request.filename, writer.content(), writer.rows, ctx.tz)
        after = rows_repo.position(dataset, rows[-1])


# --- the weekly reports ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    report: WeeklyReport
    next_at: datetime | None
    last_sent_at: datetime | None


def scheduled(ctx: Ctx) -> list[Scheduled]:
    reports = configured(ctx.config)
    state = {s.channel: s for s in repo.schedules(ctx.session, [r.channel for r in reports])}
    out = []
    for report in reports:
        row = state.get(report.channel)
        out.append(
            Scheduled(
                report,
                next(report.occurrences(ctx.now), None),
                row.last_sent_at if row else None,
            )
        )
    return out
