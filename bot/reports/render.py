"""What `/report` says: the summary with the headline figures, export and schedule replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot.messenger import Message
from bot.mrkdwn import user, when
from bot.reports import fmt
from bot.reports.figures import IncidentFigures, PurchaseFigures
from bot.reports.period import Period
from bot.reports.service import ExportRequest, Report, Scheduled
from bot.reports.usage import OnCallFigures, ResourceFigures
from storage.incidents import SEVERITIES

TITLES = {
    "incidents": "Incidents",
    "purchases": "Purchases",
    "resources": "Resources",
    "oncall": "On call",
}


def incidents_headline(f: IncidentFigures) -> str:
    if not f.total:
        return "No incidents were raised in this period."
    sev = " · ".join(f"{s} {f.by_severity[s]}" for s in SEVERITIES if f.by_severity[s])
    lines = [
        f"{fmt.plural(f.total, 'incident')} raised ({sev}), {f.still_open:,} still open",
        f"Time to acknowledge: {fmt.spread(f.tta, 'acknowledged')}",
        f"Time to mitigate: {fmt.spread(f.ttm, 'mitigated')}",
        f"Time to resolve: {fmt.spread(f.ttr, 'resolved')}",
    ]
    if f.top_resources.rows:
        top = ", ".join(f"{fmt.thing(r)} {n}" for r, n in f.top_resources.rows)
        lines.append(f"Most raised on: {top}{fmt.more(f.top_resources.more)}")
    return "\n".join(lines)


def purchases_headline(f: PurchaseFigures) -> str:
    asked, approved = f.requested_total, f.approved_total
    if not (asked.count or approved.count or f.outcomes):
        return "No purchase requests were made or decided in this period."
    lines = [
        f"Requested {fmt.money(asked.minor, f.currency)} in {fmt.plural(asked.count, 'request')}"
        f" · approved {fmt.money(approved.minor, f.currency)} ({approved.count:,})",
        f"Approval cycle: {fmt.spread(f.cycle, 'decided')}"
        + (
            f" · rejected {f.outcomes.get('rejected', 0):,} of {f.decided:,} "
            f"({fmt.share(f.rejected_share)})"
            if f.decided
            else ""
        ),
    ]
    if f.requesters.rows:
        top = ", ".join(
            f"{user(r)} {fmt.money(m, f.currency)}" for r, _, m in f.requesters.rows[:3]
        )
        lines.append(f"Top requesters: {top}{fmt.more(max(0, f.requesters.total - 3))}")
    if f.other_currencies:
        other = ", ".join(
            f"{fmt.money(m.minor, cur)} ({m.count})"
            for cur, m in sorted(f.other_currencies.items())
        )
        lines.append(f"Also requested under an earlier policy currency: {other}")
    return "\n".join(lines)


def resources_headline(f: ResourceFigures) -> str:
    if not f.resources:
        return "No resources were in the catalogue during this period."
    lines = [
        f"Booked {fmt.hours(f.booked_h)} of {fmt.hours(f.available_h)} available "
        f"({fmt.share(f.utilisation)}) across {fmt.plural(len(f.resources), 'resource')}, "
        f"{fmt.plural(f.bookings, 'booking')} started",
    ]
    busiest = [r for r in f.resources if r.utilisation][:3]
    if busiest:
        top = ", ".join(f"{fmt.thing(r.name)} {fmt.share(r.utilisation)}" for r in busiest)
        lines.append(f"Busiest: {top}")
    joined = sum(f.waits.values())
    if joined:
        lines.append(
            f"Waiting list: {joined:,} joined, {f.waits.get('booked', 0):,} got a booking "
            f"(waited {fmt.spread(f.waited, 'booked')})"
        )
    lines.append(f"Maintenance: {fmt.hours(f.maintenance_h)}")
    return "\n".join(lines)


def oncall_headline(f: OnCallFigures) -> str:
    if not f.rotations:
        return "No rotations are set up (`[[rotations]]` in the config file)."
    if not f.rows:
        return "Nobody was on call in this period."
    night = sum(r.night_h for r in f.rows)
    weekend = sum(r.weekend_h for r in f.rows)
    people = {r.user for r in f.rows}
    paged = sum(n for n, _ in f.pages.values())
    during = sum(r.incidents for r in f.rows)
    shifts = sum(r.shifts for r in f.rows)
    return "\n".join(
        [
            f"{fmt.hours(f.hours)} on call by {fmt.plural(len(people), 'person', 'people')} "
            f"(nights {fmt.hours(night)}, weekends {fmt.hours(weekend)})",
            f"{fmt.plural(shifts, 'shift')}, {fmt.plural(during, 'incident')} raised during "
            f"them, {fmt.plural(paged, 'page')}",
        ]
    )


def headline(report: Report, section: str) -> str:
    figures = getattr(report, section)
    headlines: dict[str, Callable[[Any], str]] = {
        "incidents": incidents_headline,
        "purchases": purchases_headline,
        "resources": resources_headline,
        "oncall": oncall_headline,
    }
    return headlines[section](figures)


def summary(report: Report, *, charts_go: str) -> Message:
    """The headline figures, one section block per area; ``charts_go`` says where charts are."""
    p = report.period
    blocks: list[b.Block] = [
        b.header(f"Report · {p.label}"),
        b.context(
            f"{when(p.start, p.tz)} – {when(p.end, p.tz)} · {p.tz.key} · charts per {p.unit}"
        ),
    ]
    fallback = [f"Report, {p.label}"]
    for section in report.sections:
        text = headline(report, section)
        blocks.append(b.section(f"*{TITLES[section]}*\n{text}"))
        fallback.append(f"{TITLES[section]}: {text.splitlines()[0]}")
    blocks.append(b.context(charts_go))
    return Message(text=" · ".join(fallback)[:3000], blocks=b.fit(blocks))


def working(period: Period) -> Message:
    return Message(
        text=f":hourglass_flowing_sand: Putting together the report over {period.label} "
        f"({period.days():,.0f} days of data): the figures come here and the charts to your DM "
        "in a moment."
    )


# --- exports and the schedule ------------------------------------------------------------------


NOUNS = {"audit": "audit events"}


def export_queued(request: ExportRequest) -> Message:
    whose = "everyone's" if request.owner is None else "your"
    noun = NOUNS.get(request.dataset, request.dataset)
    return Message(
        text=f":inbox_tray: Preparing `{request.filename}`: {whose} {noun} "
        f"({fmt.plural(request.rows, 'row')}, {request.period.label}). It arrives in your DM "
        "with me in a moment; times are in UTC and in your time zone."
    )


def export_empty(request: ExportRequest) -> Message:
    if request.owner is None:
        what = f"No {request.dataset} in {request.period.label}"
    else:
        what = {
            "incidents": "No incidents you reported or commanded",
            "purchases": "No purchase requests of yours",
            "bookings": "No bookings of yours",
            "shifts": "No on-call shifts of yours",
        }.get(request.dataset, f"No {request.dataset} of yours") + f" in {request.period.label}"
    return Message(
        text=f"{what}, so there is nothing to export. Try a longer period, such as "
        f"`/report export {request.dataset} 2026-01-01 to today`."
    )


def export_comment(request: ExportRequest, rows: int, tz: ZoneInfo) -> str:
    whose = "everyone's" if request.owner is None else "your"
    return (
        f"{whose.capitalize()} {NOUNS.get(request.dataset, request.dataset)}, "
        f"{request.period.label}: "
        f"{fmt.plural(rows, 'row')}. Times in UTC and in {tz.key}."
    )


def schedule(found: list[Scheduled], tz: ZoneInfo) -> Message:
    if not found:
        return Message(
            text="No weekly report is set up. An admin adds one to the config file:\n"
            '```[[reports]]\nchannel = "C_OPS"\nday = "mon"\nat = "09:00"\n'
            'timezone = "Europe/Berlin"```\n'
            "Meanwhile `/report` shows the figures to you alone."
        )
    lines = [":calendar: Weekly reports:"]
    for s in found:
        r = s.report
        sections = ", ".join(TITLES[x].lower() for x in r.sections)
        line = f"• <#{r.channel}> {r.describe()}: {sections}, the week before."
        if s.next_at:
            line += f" Next: {when(s.next_at, tz)}."
        if s.last_sent_at:
            line += f" Last: {when(s.last_sent_at, tz)}."
        lines.append(line)
    lines.append("They are set in the config file (`[[reports]]`).")
    return Message(text="\n".join(lines))
