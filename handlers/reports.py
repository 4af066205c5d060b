"""/report: figures with charts, CSV exports to the requester's DM, the weekly reports."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import unit
from bot.context import Ctx
from bot.messenger import Message, Messenger
from bot.registry import Registry
from bot.reports import commands as cmd
from bot.reports import delivery, render, service
from bot.reports.commands import COMMANDS
from bot.reports.delivery import Effect
from bot.reports.period import Period
from bot.runtime import Runtime
from handlers.kit import Request, slash

log = logging.getLogger(__name__)


def _deliver_export(rt: Runtime, user_id: str, request: service.ExportRequest) -> Effect:
    """Read the rows in units of work of their own, after the reply; share once they closed."""

    def send(messenger: Messenger) -> None:
        try:
            made = service.export_file(lambda: unit.unit_of_work(rt, user_id), request)
            comment = render.export_comment(request, made.rows, made.tz)
            messenger.upload(user_id, made.filename, made.content, made.filename, comment)
        except Exception:
            log.exception("export %s for %s failed", request.filename, user_id)
            messenger.dm(
                user_id,
                Message(
                    f":warning: I could not send you `{request.filename}`. Nothing was changed; "
                    "please ask again in a minute."
                ),
            )

    return send


CHARTS_TO_DM = "Charts with their numbers are on their way to your DM with me."
NOTHING_TO_CHART = "Nothing to chart in this period."


def _deliver_report(
    rt: Runtime, user_id: str, channel_id: str | None, sections: tuple[str, ...], period: Period
) -> Effect:
    """A long period: figures computed after the reply, then the summary and the charts."""

    def send(messenger: Messenger) -> None:
        try:
            report = service.build_in_parts(
                lambda: unit.unit_of_work(rt, user_id), sections, period
            )
        except Exception:
            log.exception("report over %s for %s failed", period.label, user_id)
            messenger.dm(
                user_id,
                Message(":warning: I could not put your report together. Please ask again."),
            )
            return
        has_charts = bool(delivery.charts(report))
        summary = render.summary(report, charts_go=CHARTS_TO_DM if has_charts else NOTHING_TO_CHART)
        if channel_id and not channel_id.startswith("D"):
            messenger.ephemeral(channel_id, user_id, summary)
        else:
            messenger.dm(user_id, summary)
        if has_charts:
            delivery.share_charts(report, user_id)(messenger)

    return send


def run(req: Request, command: cmd.Command | None) -> Message:
    ctx = req.ctx
    match command:
        case cmd.Show(sections=sections, period=period):
            if period.end - period.start > service.IN_REQUEST_UP_TO:
                ctx.outbox.after(
                    _deliver_report(req.runtime, req.user_id, req.channel_id, sections, period)
                )
                return render.working(period)
            report = service.build(ctx, sections, period)
            if delivery.charts(report):
                ctx.outbox.after(delivery.share_charts(report, req.user_id))
                return render.summary(report, charts_go=CHARTS_TO_DM)
            return render.summary(report, charts_go=NOTHING_TO_CHART)
        case cmd.Export(dataset=dataset, period=period):
            request = service.plan_export(ctx, dataset, period)
            if request.rows == 0:
                return render.export_empty(request)
            ctx.outbox.after(_deliver_export(req.runtime, req.user_id, request))
            return render.export_queued(request)
        case cmd.Schedule():
            return render.schedule(service.scheduled(ctx), ctx.tz)
    raise AssertionError(command)


def register(app: App, registry: Registry[Ctx]) -> None:
    slash(app, COMMANDS)(run)
