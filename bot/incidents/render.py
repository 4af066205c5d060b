"""Incident messages: the living announcement, thread notes, lists, the timeline, stats, modals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.context import SYSTEM_USER
from bot.incidents.ids import Action, View
from bot.messenger import Message
from bot.mrkdwn import safe, user, when
from bot.timeparse import format_duration
from storage.base import Total
from storage.incidents import Incident, IncidentEvent

SEV_EMOJI = {
    "sev1": ":red_circle:",
    "sev2": ":large_orange_circle:",
    "sev3": ":large_yellow_circle:",
    "sev4": ":white_circle:",
}
STATUS = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
}
ROLE_NAMES = {"commander": "Commander", "comms": "Comms", "scribe": "Scribe"}
LIST_LIMIT = 20


def ref(incident: Incident) -> str:
    return ids.fmt("INC", incident.id)


def _commander(incident: Incident) -> str:
    return user(incident.commander) if incident.commander else "_unassigned_"


def _headline(incident: Incident) -> str:
    return f"{ref(incident)} · {incident.severity.upper()} · {incident.title}"


def _resolved_after(incident: Incident) -> str:
    """``Resolved after 2h 10m (acknowledged after 1h 6m)``."""
    text = "Resolved"
    if incident.resolved_at:
        text += f" after {format_duration(incident.resolved_at - incident.created_at)}"
    if incident.acknowledged_at:
        acked = format_duration(incident.acknowledged_at - incident.created_at)
        text += f" (acknowledged after {acked})"
    return text


def announcement(
    incident: Incident, tz: ZoneInfo, last_update: IncidentEvent | None = None
) -> Message:
    """The one living message of an incident; edited in place on every change."""
    emoji = ":white_check_mark:" if incident.status == "resolved" else SEV_EMOJI[incident.severity]
    blocks: list[b.Block] = [
        b.header(f"{_headline(incident)}"),
        b.section(
            f"{emoji} *{STATUS[incident.status]}*",
            fields=[
                f"*Severity*\n{incident.severity}",
                f"*Commander*\n{_commander(incident)}",
                *_roles(incident),
                f"*Reported by*\n{user(incident.reporter)}",
                f"*Raised*\n{when(incident.created_at, tz)}",
                *([f"*Affected*\n{safe(incident.resource)}"] if incident.resource else []),
            ],
        ),
    ]
    if incident.description:
        blocks.append(b.section(safe(incident.description, 2900)))
    if incident.source_channel and incident.source_ts:
        blocks.append(b.context(f"Raised from a message in <#{incident.source_channel}>"))
    if incident.status == "resolved":
        summary = f"\n>{safe(incident.summary, 2500)}" if incident.summary else ""
        blocks.append(b.section(f":white_check_mark: {_resolved_after(incident)}.{summary}"))
    else:
        if last_update is not None:
            # The update's own time: acknowledging or a new severity is no update.
            blocks.append(
                b.context(
                    f"Last update {when(last_update.at, tz, style='ago')}: "
                    f"{safe(last_update.text or '', 2000)}"
                )
            )
        blocks.append(actions(incident, block_id=f"incident_{incident.id}"))
    text = f"{SEV_EMOJI[incident.severity]} {_headline(incident)} ({STATUS[incident.status]})"
    return Message(text=safe(text, 300), blocks=blocks)


def _roles(incident: Incident) -> list[str]:
    """The comms and scribe fields, for the roles someone holds."""
    return [
        f"*{ROLE_NAMES[role]}*\n{user(who)}"
        for role in ("comms", "scribe")
        if (who := getattr(incident, role))
    ]


def actions(incident: Incident, *, block_id: str) -> b.Block:
    """What can be done next to an unresolved incident, on its announcement and on App Home."""
    value = str(incident.id)
    buttons = []
    if incident.status == "open":
        buttons.append(b.button("Acknowledge", Action.ACK, value, style="primary"))
    if incident.status in ("open", "acknowledged"):
        buttons.append(b.button("Mitigated", Action.MITIGATE, value))
    buttons.append(b.button("Post update", Action.UPDATE, value))
    buttons.append(
        b.button(
            "Resolve",
            Action.RESOLVE,
            value,
            style="danger",
            confirm=("Resolve incident?", f"Mark {ref(incident)} as resolved."),
        )
    )
    return b.actions(*buttons, block_id=block_id)


def raised(incident: Incident, *, trimmed: bool, where: str | None) -> Message:
    place = f" and announced in <#{where}>" if where else ""
    text = (
        f":rotating_light: Raised *{ref(incident)}* ({incident.severity}){place}: "
        f"{safe(incident.title)}"
    )
    if trimmed:
        text += (
            f"\n_The title was long, so I kept its first {len(incident.title)} characters; "
            "put the details in an update._"
        )
    return Message(text=text)


def not_a_resource(message: Message, word: str) -> Message:
    """The reply to a raise whose "on <word>" names no resource: the words stayed in the title."""
    return Message(
        text=f"{message.text}\n_`{safe(word, 64)}` is not a resource, so I kept "
        f'"on {safe(word, 64)}" in the title. `/resource list` shows the resources._'
    )


def done(text: str) -> Message:
    return Message(text=f":white_check_mark: {text}")


def assigned(incident: Incident, commander: str, actor: str) -> Message:
    if commander == actor:
        return done(f"You made yourself the commander of {ref(incident)}.")
    return done(f"{user(commander)} now commands {ref(incident)}.")


def paging(incident: Incident, people: Sequence[str]) -> Message:
    who = ", ".join(user(p) for p in people)
    return done(f"Paging {who} for {ref(incident)}; it will be on the timeline once sent.")


def update_recorded(incident: Incident, why_not: str | None, *, retrying: bool) -> Message:
    """The reply to an update: "posted" only when the channel shows it (or is about to);
    otherwise why not, and whether it will."""
    if why_not is None:
        return done(f"Update posted to {ref(incident)}.")
    then = (
        "Opsdesk keeps trying; the announcement will show this update once it is posted."
        if retrying
        else "The update is not posted anywhere."
    )
    return Message(
        text=f":memo: Update recorded on {ref(incident)}, but {safe(why_not, 300)}. {then} "
        f"`/incident show {incident.id}` has the whole timeline."
    )


_EVENT_TEXT = {
    "acknowledged": ":eyes: {who} acknowledged {ref}.",
    "update": ":memo: {who}: {text}",
    "severity": ":arrow_up_down: {who} changed the severity: {text}.",
    "assigned": ":bust_in_silhouette: {who} made {target} the commander.",
    "resolved": ":white_check_mark: {who} resolved {ref}.{summary}",
    "reopened": ":repeat: {who} reopened {ref}.",
    "raised": ":rotating_light: {who} raised {ref}.",
    "reminded": ":alarm_clock: Reminder sent.",
    "escalated": ":telephone_receiver: Escalated to {text}.",
    "alert": ":bell: {who}: {text}",
    "mitigated": ":large_green_circle: {who} mitigated {ref}.{note}",
    "paged": ":telephone_receiver: {who} paged {text}.",
    "role": ":bust_in_silhouette: {who} made {target} {role}.",
    "followup": ":white_large_square: {who} recorded follow-up {text}",
    "followup_done": ":white_check_mark: {who} marked follow-up {text} done.",
    "archived": ":package: The incident channel was archived.",
}
_OURS = {"escalated", "paged", "role"}  # texts Opsdesk wrote itself (mentions, not user text)


def event_line(incident: Incident, event: IncidentEvent) -> str:
    template = _EVENT_TEXT.get(event.kind, "{who}: {kind}")
    if event.kind == "assigned" and event.text == event.actor:
        template = ":bust_in_silhouette: {who} took command of {ref}."
    if event.kind == "paged" and event.actor == SYSTEM_USER:
        template = ":telephone_receiver: Paged {text}."
    role, _, target = (event.text or "").partition(" ") if event.kind == "role" else ("", "", "")
    note = f" {safe(event.text, 2500)}" if event.text else ""
    return template.format(
        who=user(event.actor),
        ref=ref(incident),
        text=(event.text or "") if event.kind in _OURS else safe(event.text or "", 2500),
        target=user(target if event.kind == "role" else event.text),
        role=f"the {role} of {ref(incident)}",
        kind=event.kind,
        summary=note if event.kind == "resolved" else "",
        note=note if event.kind == "mitigated" else "",
    )


def thread_note(incident: Incident, event: IncidentEvent) -> Message:
    line = event_line(incident, event)
    return Message(text=line, blocks=[b.section(line)])


def reminder(incident: Incident, interval_text: str) -> Message:
    who = user(incident.commander) if incident.commander else "Nobody has taken command yet"
    text = (
        f":alarm_clock: {who}: no update on *{ref(incident)}* for {interval_text}. "
        f"Post one with `/incident update {incident.id} <text>` or resolve it."
    )
    return Message(text=text, blocks=[b.section(text)])


def page(incident: Incident, tz: ZoneInfo, now: datetime, why: str) -> Message:
    """The DM a page sends (an escalation step, or `/incident page`): the incident in short,
    and an Acknowledge button while nobody has."""
    after = format_duration(now - incident.created_at)
    if incident.status == "open":
        head = f"has not been acknowledged after {after}"
    else:
        head = f"is {STATUS[incident.status].lower()}, open for {after}"
    text = (
        f":rotating_light: *{ref(incident)}* ({incident.severity}) {head}: {safe(incident.title)}"
    )
    blocks: list[b.Block] = [
        b.section(
            text,
            fields=[
                f"*Status*\n{STATUS[incident.status]}",
                f"*Commander*\n{_commander(incident)}",
                *([f"*Affected*\n{safe(incident.resource)}"] if incident.resource else []),
            ],
        ),
    ]
    if incident.description:
        blocks.append(b.section(safe(incident.description, 1000)))
    blocks.append(
        b.context(
            f"You are paged ({why}). Raised {when(incident.created_at, tz)} by "
            f"{user(incident.reporter)}. `/incident show {incident.id}` has the timeline."
        )
    )
    if incident.status == "open":
        blocks.append(
            b.actions(b.button("Acknowledge", Action.ACK, str(incident.id), style="primary"))
        )
    return Message(text=text, blocks=blocks)


def _row(incident: Incident, tz: ZoneInfo) -> str:
    raised_ago = when(incident.created_at, tz, style="ago")
    return (
        f"{SEV_EMOJI[incident.severity]} *{ref(incident)}* {safe(incident.title, 200)}\n"
        f"      {STATUS[incident.status]} · {_commander(incident)} · raised {raised_ago}"
    )


def incident_list(
    incidents: Sequence[Incident], total: Total, tz: ZoneInfo, *, all_: bool
) -> Message:
    if not incidents:
        text = "No incidents yet." if all_ else "No open incidents. :tada:"
        return Message(text=text)
    title = "Incidents" if all_ else "Open incidents"
    blocks: list[b.Block] = [b.header(f"{title} ({total})")]
    blocks += [b.section(_row(i, tz)) for i in incidents]
    if total.more_than(len(incidents)):
        blocks.append(b.context(f"Showing {len(incidents)} of {total}, worst first."))
    return Message(text=f"{title}: {total}", blocks=b.fit(blocks))


def detail(
    incident: Incident, events: Sequence[IncidentEvent], total_events: int, tz: ZoneInfo
) -> Message:
    blocks = list(announcement(incident, tz).blocks or [])
    blocks = [blk for blk in blocks if blk["type"] != "actions"]
    blocks.append(b.divider())
    blocks.append(b.section("*Timeline*"))
    if total_events > len(events):
        blocks.append(b.context(f"Showing the last {len(events)} of {total_events} entries."))
    lines = [f"{when(e.at, tz)}  {event_line(incident, e)}" for e in events]
    # Several lines per section keeps long timelines inside the 50-block limit.
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            blocks.append(b.section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(b.section("\n".join(chunk)))
    return Message(text=safe(_headline(incident), 300), blocks=b.fit(blocks))


def stats(report: object) -> Message:
    from bot.incidents.metrics import Report

    assert isinstance(report, Report)

    def fmt(value: float | None) -> str:
        return format_duration_seconds(value) if value is not None else "–"

    counts = " · ".join(f"{sev}: {report.by_severity.get(sev, 0)}" for sev in SEV_EMOJI)
    lines = [
        f"*Incidents in the last {report.days} days: {report.total}* ({counts})",
        f"Open now: {report.open_now}",
        f"*MTTA* (time to acknowledge): median {fmt(report.mtta_median)}, "
        f"p90 {fmt(report.mtta_p90)}"
        f" over {report.acked} acknowledged",
        f"*Time to mitigate*: median {fmt(report.mttm_median)}, p90 {fmt(report.mttm_p90)}"
        f" over {report.mitigated} mitigated",
        f"*MTTR* (time to resolve): median {fmt(report.mttr_median)}, p90 {fmt(report.mttr_p90)}"
        f" over {report.resolved} resolved",
    ]
    text = "\n".join(lines)
    return Message(text=text, blocks=[b.header("Incident stats"), b.section(text)])


def format_duration_seconds(seconds: float) -> str:
    from datetime import timedelta

    if seconds < 60:
        return f"{int(seconds)}s"
    return format_duration(timedelta(seconds=seconds))


def raise_modal(
    resources: Sequence[str], *, title: str = "", description: str = "", metadata: dict[str, str]
) -> b.Block:
    blocks = [
        b.text_input(
            "title",
            "Title",
            initial=title[:150] or None,
            max_length=150,
            placeholder="What is broken?",
        ),
        b.select_input(
            "severity",
            "Severity",
            [
                ("sev1: critical, all hands", "sev1"),
                ("sev2: major", "sev2"),
                ("sev3: minor", "sev3"),
                ("sev4: low", "sev4"),
            ],
            initial="sev3",
        ),
        b.text_input(
            "description",
            "Description",
            multiline=True,
            optional=True,
            initial=description[:3000] or None,
        ),
    ]
    if resources:
        blocks.append(
            b.select_input(
                "resource", "Affected resource", [(r, r) for r in resources], optional=True
            )
        )
    return b.modal(
        View.RAISE,
        "Raise an incident",
        blocks,
        submit="Raise",
        private_metadata=json.dumps(metadata),
    )


def update_modal(incident: Incident, metadata: dict[str, str]) -> b.Block:
    return b.modal(
        View.UPDATE,
        f"Update {ref(incident)}",
        [
            b.section(f"*{safe(incident.title)}*"),
            b.text_input("text", "What changed?", multiline=True, max_length=3000),
        ],
        submit="Post update",
        private_metadata=json.dumps({**metadata, "incident": incident.id}),
    )


def since(dt: datetime, tz: ZoneInfo) -> str:
    return when(dt, tz, style="ago")
