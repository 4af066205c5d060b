"""What the failures area contributes: the admins' daily list of notices that failed."""

from __future__ import annotations

from bot.context import Ctx
from bot.failures import report
from bot.failures.payloads import FailuresDay
from bot.registry import Registry


def register(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("failures.report", report.send, payload=FailuresDay)
    registry.add_planner("failures", report.plan)
