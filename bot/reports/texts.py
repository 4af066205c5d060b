"""Each chart's numbers as text: posted with the image, for screen readers and the console.

Everything a chart draws is here as a line, bucket by bucket; lists a chart cuts to its first
rows say how many more there are.
"""

from __future__ import annotations

from bot.mrkdwn import user
from bot.reports import fmt
from bot.reports.figures import IncidentFigures, PurchaseFigures
from bot.reports.usage import OnCallFigures, ResourceFigures
from storage.incidents import SEVERITIES

CHART_ROWS = 15  # bars in a ranking chart (and its text); the rest are counted
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TEXT_LIMIT = 3500  # Slack shows longer comments folded; the file has everything anyway


def _bucket(label: str, partial: bool) -> str:
    return f"{label} (so far)" if partial else label


def incidents(f: IncidentFigures) -> str:
    lines = []
    for i, bucket in enumerate(f.buckets):
        counts = f.by_bucket[i]
        total = sum(counts.values())
        sev = ", ".join(f"{s} {counts[s]}" for s in SEVERITIES if counts.get(s))
        line = f"• {_bucket(bucket.label, bucket.partial)}: {total}" + (f" ({sev})" if sev else "")
        if f.tta_by_bucket[i].count or f.ttr_by_bucket[i].count:
            line += (
                f" · acknowledge {fmt.spread(f.tta_by_bucket[i], 'acknowledged')}"
                f" · resolve {fmt.spread(f.ttr_by_bucket[i], 'resolved')}"
            )
        lines.append(line)
    if f.top_resources.rows:
        top = ", ".join(f"{fmt.thing(r)} {n}" for r, n in f.top_resources.rows)
        lines.append(f"Most raised on: {top}{fmt.more(f.top_resources.more)}")
    return "\n".join(lines)


def purchases(f: PurchaseFigures) -> str:
    lines = []
    for i, bucket in enumerate(f.buckets):
        asked, approved = f.requested[i], f.approved[i]
        lines.append(
            f"• {_bucket(bucket.label, bucket.partial)}: requested "
            f"{fmt.money(asked.minor, f.currency)} ({asked.count}) · approved "
            f"{fmt.money(approved.minor, f.currency)} ({approved.count})"
        )
    lines.append(
        f"Approval cycle: {fmt.spread(f.cycle, 'decided')} · rejected "
        f"{f.outcomes.get('rejected', 0):,} of {f.decided:,} ({fmt.share(f.rejected_share)})"
    )
    if f.approvers.rows:
        who = ", ".join(f"{user(a)} {y} approved, {r} rejected" for a, y, r in f.approvers.rows)
        lines.append(f"Decisions by approver: {who}{fmt.more(f.approvers.more)}")
    if f.requesters.rows:
        who = ", ".join(
            f"{user(r)} {fmt.money(m, f.currency)} ({fmt.plural(n, 'request')})"
            for r, n, m in f.requesters.rows
        )
        lines.append(f"Top requesters: {who}{fmt.more(f.requesters.more)}")
    return "\n".join(lines)


def resources(f: ResourceFigures) -> str:
    lines = ["Utilisation (booked hours / available hours, less maintenance):"]
    for r in f.resources[:CHART_ROWS]:
        lines.append(
            f"• {fmt.thing(r.name)}: {fmt.share(r.utilisation)} ({fmt.hours(r.booked_h)} of "
            f"{fmt.hours(r.available_h)}; maintenance {fmt.hours(r.maintenance_h)})"
        )
    if len(f.resources) > CHART_ROWS:
        lines.append(f"+{len(f.resources) - CHART_ROWS:,} more resources")
    lines.append(f"Bookings by the local weekday and hour they started ({f.tz.key}):")
    for wd, row in enumerate(f.heatmap):
        cells = ", ".join(f"{hr:02d}h {n}" for hr, n in enumerate(row) if n)
        lines.append(f"• {WEEKDAYS[wd]} {sum(row)}" + (f": {cells}" if cells else ""))
    joined = sum(f.waits.values())
    states = ", ".join(f"{n} {status}" for status, n in sorted(f.waits.items()))
    lines.append(
        f"Waiting list: {joined:,} joined ({states or 'none'}); waited for a booking: "
        f"{fmt.spread(f.waited, 'booked')}"
    )
    lines.append(f"Maintenance: {fmt.hours(f.maintenance_h)}")
    return "\n".join(lines)


def oncall(f: OnCallFigures) -> str:
    lines = ["Hours on call (day / nights / weekends), shifts and incidents raised during them:"]
    for r in f.rows[:CHART_ROWS]:
        where = f" ({r.rotation})" if f.rotations > 1 else ""
        lines.append(
            f"• {user(r.user)}{where}: {fmt.hours(r.hours)} ({fmt.hours(r.day_h)} / "
            f"{fmt.hours(r.night_h)} / {fmt.hours(r.weekend_h)}) · {fmt.plural(r.shifts, 'shift')}"
            f" · {fmt.plural(r.incidents, 'incident')}"
        )
    if len(f.rows) > CHART_ROWS:
        lines.append(f"+{len(f.rows) - CHART_ROWS:,} more")
    if f.pages:
        paged = sorted(f.pages.items(), key=lambda kv: (-kv[1][0], kv[0]))
        who = ", ".join(
            f"{user(p)} paged {fmt.plural(n, 'time')} for {fmt.plural(i, 'incident')}"
            for p, (n, i) in paged
        )
        lines.append(f"Pages (escalations): {who}")
    else:
        lines.append("Pages (escalations): none")
    return "\n".join(lines)


def clip(text: str) -> str:
    if len(text) <= TEXT_LIMIT:
        return text
    kept = text[:TEXT_LIMIT].rsplit("\n", 1)[0]
    left = text[len(kept) :].count("\n")
    return f"{kept}\n…{left:,} more lines"
