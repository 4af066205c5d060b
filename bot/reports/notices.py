"""The weekly report through the notice queue: planned ahead, posted once per channel and week.

The planner writes each report's next occurrence as a notice row keyed by channel and local date,
due at the local time (DST-safe, bot/recurrence.py) and expiring at the end of that local day,
as digests are: one missed by a restart at 09:00 goes out when the scheduler is back at 09:07,
one missed for the whole day is skipped. A changed schedule (a config edit) drops what was
planned and starts again from now.

Sending posts the summary through the notice queue, so a failed post is retried like any notice;
the charts are drawn and shared after the notice is recorded, in the summary's thread.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Ctx
from bot.notices import Plan, Post, Sent, Skip, say
from bot.reports import delivery, keys, render, service
from bot.reports.payloads import ReportRun
from bot.reports.schedule import WeeklyReport, configured, for_channel
from storage import notices as queue
from storage import reports as repo

LOOKBACK = timedelta(days=8)  # after a long outage only the last week can still matter


def _enqueue(ctx: Ctx, report: WeeklyReport, occurrence: Any) -> None:
    day = report.local_day(occurrence).isoformat()
    queue.enqueue(
        ctx.session,
        kind="report.post",
        payload=ReportRun(
            channel=report.channel, day=report.local_day(occurrence), sig=report.signature
        ).row(),
        due_at=occurrence,
        dedupe_key=keys.report(report.channel, day),
        expires_at=report.day_end(occurrence),
        now=ctx.now,
    )


def plan_report(ctx: Ctx, report: WeeklyReport, row: repo.ReportSchedule) -> None:
    now = ctx.now
    if row.planned_sig != report.signature:
        queue.drop_pending(ctx.session, prefix=keys.channel(report.channel))
        anchor = now
    elif row.next_at is not None and row.next_at > now:
        return
    else:
        anchor = max(row.next_at or now, now - LOOKBACK)
    planned = None
    for occurrence in report.occurrences(anchor):
        if occurrence <= now:
            if report.day_end(occurrence) > now:
                _enqueue(ctx, report, occurrence)  # missed, still its day: late
            continue
        _enqueue(ctx, report, occurrence)
        planned = occurrence
        break
    repo.mark_planned(ctx.session, report.channel, planned, report.signature)


def plan(ctx: Ctx) -> None:
    reports = configured(ctx.config)
    if not reports:
        return
    rows = {r.channel: r for r in repo.ensure_schedules(ctx.session, [r.channel for r in reports])}
    for report in reports:
        plan_report(ctx, report, rows[report.channel])


def post(ctx: Ctx, payload: ReportRun) -> Plan[Ctx]:
    channel = payload.channel
    report = for_channel(ctx.config, channel)
    if report is None:
        raise Skip("the channel's weekly report was removed from the config")
    if payload.sig != report.signature:
        raise Skip("the channel's weekly report schedule changed")
    period = report.period_for(payload.day)
    built = service.build(ctx, report.sections, period)
    summary = Post(
        channel, render.summary(built, charts_go="Charts and their numbers follow in the thread.")
    )

    def sent(ctx: Ctx, delivered: Sent) -> None:
        ref = delivered[summary]
        repo.mark_sent(ctx.session, channel, ctx.now)
        # The charts take seconds to draw and upload: after this unit of work has committed.
        ctx.outbox.after(delivery.share_charts(built, ref.channel, thread_ts=ref.ts))

    return say(summary, record=sent)
