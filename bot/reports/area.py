"""Everything the reports area contributes, in one place: /report and the weekly report."""

from __future__ import annotations

from bot.context import Ctx
from bot.registry import Registry
from bot.reports import notices
from bot.reports.commands import COMMANDS
from bot.reports.payloads import ReportRun


def register(registry: Registry[Ctx]) -> None:
    registry.add_commands(COMMANDS)
    registry.add_notice_kind("report.post", notices.post, payload=ReportRun)
    registry.add_planner("reports", notices.plan)
