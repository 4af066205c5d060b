"""/report: figures with charts, CSV exports to the requester's DM, the weekly reports."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.context import Ctx
from bot.messenger import Message, Messenger
from bot.registry import Registry
from bot.reports import commands as cmd
from bot.reports import delivery, render, service
from bot.reports.commands import COMMANDS
from bot.reports.delivery import Effect
from bot.runtime import Runtime
from handlers.kit import Request, slash
from handlers.work import unit_of_work

log = logging.getLogger(__name__)


def _deliver_export(rt: Runtime, user_id: str, request: service.ExportRequest) -> Effect:
    """Read the rows in a unit of work of their own, after the reply; share once it is closed."""

    def send(messenger: Messenger) -> None:
        try:
            with unit_of_work(rt, user_id) as ctx:
                made = service.export_file(ctx, request)
                comment = render.export_comment(request, made.rows, ctx.tz)
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


def run(req: Request, command: cmd.Command | None) -> Message:
    ctx = req.ctx
    match command:
        case cmd.Show(sections=sections, period=period):
            report = service.build(ctx, sections, period)
            if delivery.charts(report):
                where = "Charts with their numbers are on their way to your DM with me."
                ctx.outbox.after(delivery.share_charts(report, req.user_id))
            else:
                where = "Nothing to chart in this period."
            return render.summary(report, charts_go=where)
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
