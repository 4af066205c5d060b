"""Charts drawn and shared after the unit of work has committed: never inside a transaction.

Each section that has something to show becomes one PNG, shared with its numbers as the file's
comment (and as alt text). When a chart cannot be drawn or shared, its numbers are still posted
as a message, so the reader loses the picture, never the figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.messenger import Message, Messenger
from bot.reports import texts
from bot.reports.render import TITLES
from bot.reports.service import Report

log = logging.getLogger(__name__)

Effect = Callable[[Messenger], None]


@dataclass(frozen=True)
class Chart:
    section: str
    filename: str
    title: str
    text: str  # the chart's numbers, mrkdwn


def has_data(report: Report, section: str) -> bool:
    f = getattr(report, section)
    if f is None:
        return False
    if section == "incidents":
        return f.total > 0
    if section == "purchases":
        return bool(f.requested_total.count or f.approved_total.count or f.outcomes)
    if section == "resources":
        return bool(f.resources)
    return bool(f.rows)


def charts(report: Report) -> list[Chart]:
    """The charts a report has: sections without data get none (the summary says so)."""
    p = report.period
    out = []
    for section in report.sections:
        if not has_data(report, section):
            continue
        text = getattr(texts, section)(getattr(report, section))
        title = f"{TITLES[section]}, {p.label}"
        out.append(Chart(section, f"opsdesk-{section}-{p.slug()}.png", title, text))
    return out


def draw(report: Report, chart: Chart) -> bytes:
    from bot.reports import charts as drawing  # matplotlib loads on the first chart, not at start

    f = getattr(report, chart.section)
    title = f"{chart.title}\n{report.period.span_text()}"
    if chart.section == "purchases":
        return drawing.purchases(f, title, report.names)
    if chart.section == "oncall":
        return drawing.oncall(f, title, report.names)
    return getattr(drawing, chart.section)(f, title)


def share_charts(report: Report, target: str, *, thread_ts: str | None = None) -> Effect:
    """Share every chart with ``target`` (a channel, or a user id: their DM with the app)."""

    def send(messenger: Messenger) -> None:
        for chart in charts(report):
            comment = texts.clip(f"*{chart.title}*\n{chart.text}")
            try:
                png = draw(report, chart)
                messenger.upload(
                    target,
                    chart.filename,
                    png,
                    chart.title,
                    comment,
                    thread_ts=thread_ts,
                    alt_text=f"Chart: {chart.title}. Its numbers are in the comment.",
                )
            except Exception:
                log.exception(
                    "the %s chart could not be shared; posting its numbers", chart.section
                )
                note = Message(
                    f"{comment}\n_(The chart could not be attached; these are its numbers.)_"
                )
                if target[:1] in ("U", "W"):
                    messenger.dm(target, note)
                else:
                    messenger.post(target, note, thread_ts=thread_ts)

    return send
