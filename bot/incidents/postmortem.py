"""`/incident postmortem <id>`: a Markdown document of the incident, shared as a file.

The request only queues a notice (never a Slack call inside it); the notice renders the document
from the incident as it is when sent and uploads it (Slack's external upload flow) to the
incident's live channel, or to the requester's DM when it has none. Times are given in UTC and
in the requester's zone. Whatever the timeline holds is in it (pages, role changes, states), each
kind named generically, so entries added by later features need no change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import ids
from bot.context import Ctx
from bot.errors import NotFound
from bot.incidents import channel, keys
from bot.incidents.followup_commands import PREFIX
from bot.incidents.payloads import PostmortemRequest
from bot.notices import Plan, Skip, Upload, say
from bot.timeparse import format_duration
from bot.tz import zone
from storage import incident_followups as followups_repo
from storage import incidents as repo
from storage import users
from storage.incident_followups import IncidentFollowup
from storage.incidents import Incident, IncidentEvent

TIMELINE_LIMIT = 5000  # a postmortem holds the whole timeline; this only bounds a runaway one
PAGE_KINDS = frozenset({"escalated", "page", "paged"})
ROLES = ("commander", "comms", "scribe")  # columns an incident may have, shown when set
_MENTION = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>")
_WHAT = {
    "raised": "Raised",
    "acknowledged": "Acknowledged",
    "update": "Update",
    "severity": "Severity changed",
    "assigned": "Commander",
    "resolved": "Resolved",
    "reopened": "Reopened",
    "escalated": "Paged (escalation)",
    "paged": "Paged",
    "mitigated": "Mitigated",
    "role": "Role",
    "alert": "Alert",
    "archived": "Incident channel archived",
    "followup": "Follow-up recorded",
    "followup_done": "Follow-up done",
}


def request(ctx: Ctx, incident_id: int) -> tuple[Incident, str]:
    """Queue the postmortem; the incident and where it will be shared (a channel or a user)."""
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(
            f"There is no incident {ids.fmt('INC', incident_id)}.", example="/incident list"
        )
    requester = ctx.actor.user_id
    ctx.notify(
        "incident.postmortem",
        PostmortemRequest(id=incident.id, requester=requester, tz=str(ctx.tz)),
        dedupe_key=keys.postmortem(incident.id, requester, ctx.now.isoformat()),
    )
    ctx.audit("incident", incident.id, "postmortem", {"to": channel.live(incident) or requester})
    return incident, channel.live(incident) or requester


def share(ctx: Ctx, payload: PostmortemRequest) -> Plan[Ctx]:
    incident = ctx.session.get(Incident, payload.id)
    if incident is None:
        raise Skip("incident no longer exists")
    events = repo.timeline(ctx.session, incident.id, limit=TIMELINE_LIMIT)
    items = followups_repo.of_incident(ctx.session, incident.id, limit=TIMELINE_LIMIT)
    ids_ = _people_ids(incident, events, items)
    names = {uid: _name(ctx, uid) for uid in ids_}
    text = document(incident, events, items, names, zone(payload.tz), ctx.now)
    total = repo.count_events(ctx.session, incident.id)
    if total > len(events):  # only a runaway timeline: say so rather than cut it silently
        text += f"\n_The timeline shows the last {len(events)} of its {total} entries._\n"
    requester = payload.requester
    ref = ids.fmt("INC", incident.id)
    return say(
        Upload(
            channel.live(incident) or requester,
            f"postmortem-{ref}.md",
            text.encode("utf-8"),
            f"Postmortem {ref}: {incident.title}",
            f"Postmortem of *{ref}*, requested by <@{requester}>.",
        )
    )


def _name(ctx: Ctx, user_id: str) -> str:
    if user_id == "opsdesk":
        return "Opsdesk"
    known = users.cached(ctx.session, user_id)
    return f"@{known.name}" if known and known.name else user_id


def _people_ids(
    incident: Incident, events: Iterable[IncidentEvent], items: Iterable[IncidentFollowup]
) -> set[str]:
    found = {incident.reporter}
    found |= {getattr(incident, role, None) or "" for role in ROLES}
    found.add(incident.acknowledged_by or "")
    for event in events:
        found.add(event.actor)
        found |= set(_MENTION.findall(event.text or ""))
        if event.kind == "assigned" and event.text:
            found.add(event.text)
    for item in items:
        found |= {item.owner, item.done_by or ""}
    return {f for f in found if f}


# --- the document ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _at(dt: datetime, tz: ZoneInfo) -> tuple[str, str]:
    return dt.strftime("%Y-%m-%d %H:%M UTC"), dt.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _both(dt: datetime, tz: ZoneInfo) -> str:
    utc, local = _at(dt, tz)
    return f"{utc} ({local}, {tz.key})"


def _span(start: datetime, end: datetime | None) -> str:
    return format_duration(end - start) if end is not None else "–"


def _first(events: Sequence[IncidentEvent], kind: str) -> datetime | None:
    return next((e.at for e in events if e.kind == kind), None)


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def _what(event: IncidentEvent, names: dict[str, str]) -> str:
    label = _WHAT.get(event.kind, _label(event.kind))
    text = event.text or ""
    if event.kind == "assigned":
        text = names.get(text, text)
    text = _MENTION.sub(lambda m: names.get(m.group(1), m.group(1)), text)
    return f"{label}: {text}" if text else label


def document(
    incident: Incident,
    events: Sequence[IncidentEvent],
    items: Sequence[IncidentFollowup],
    names: dict[str, str],
    tz: ZoneInfo,
    now: datetime,
) -> str:
    ref = ids.fmt("INC", incident.id)

    def who(user_id: str | None) -> str:
        return names.get(user_id, user_id) if user_id else "nobody"

    out = [f"# Postmortem: {ref} · {incident.title}", ""]
    out += [
        f"- **Severity:** {incident.severity}",
        f"- **Status:** {_label(incident.status)}",
        f"- **Raised:** {_both(incident.created_at, tz)}",
    ]
    if incident.resolved_at:
        out.append(f"- **Resolved:** {_both(incident.resolved_at, tz)}")
    if incident.resource:
        out.append(f"- **Affected:** {incident.resource}")
    out.append(f"- **Written:** {_both(now, tz)}")

    out += ["", "## People and roles", "", f"- **Reporter:** {who(incident.reporter)}"]
    for role in ROLES:
        holder = getattr(incident, role, None)
        if holder:
            out.append(f"- **{role.capitalize()}:** {who(holder)}")
    if incident.acknowledged_by:
        out.append(f"- **Acknowledged by:** {who(incident.acknowledged_by)}")
    took_part = sorted({who(e.actor) for e in events if e.actor != "opsdesk"})
    out.append(f"- **Took part:** {', '.join(took_part) or 'nobody'}")

    out += ["", "## Summary", "", incident.summary or "_No summary yet._"]
    if incident.description:
        out += ["", "### Description", "", incident.description]

    mitigated = getattr(incident, "mitigated_at", None) or _first(events, "mitigated")
    out += [
        "",
        "## Response times",
        "",
        f"- **Time to acknowledge:** {_span(incident.created_at, incident.acknowledged_at)}",
        f"- **Time to mitigate:** {_span(incident.created_at, mitigated)}",
        f"- **Time to resolve:** {_span(incident.created_at, incident.resolved_at)}",
    ]

    out += ["", "## Timeline", "", f"Times in UTC and in {tz.key}.", ""]
    out += [f"| UTC | {tz.key} | Who | What |", "|---|---|---|---|"]
    for event in events:
        utc, local = _at(event.at, tz)
        row = [utc, local, _cell(who(event.actor)), _cell(_what(event, names))]
        out.append(f"| {' | '.join(row)} |")

    pages = [e for e in events if e.kind in PAGE_KINDS]
    out += ["", "## Pages sent", ""]
    out += [f"- {_both(e.at, tz)}: {_what(e, names)}" for e in pages] or ["None."]

    out += ["", "## Follow-ups", ""]
    for item in items:
        box = "x" if not item.is_open else " "
        line = f"- [{box}] {ids.fmt(PREFIX, item.id)} {item.text} (owner {who(item.owner)}"
        if item.done_at:
            line += f"; done {_both(item.done_at, tz)} by {who(item.done_by)}"
        out.append(line + ")")
    if not items:
        out.append("None recorded yet.")
    return "\n".join(out) + "\n"
