"""What incidents' notices carry: ids, never rendered text (rendered when sent)."""

from __future__ import annotations

from bot.payloads import NoticePayload


class IncidentRef(NoticePayload):
    """incident.announce, incident.refresh: the incident as it is when the notice goes out."""

    id: int


class IncidentNote(NoticePayload):
    """incident.thread: one timeline entry, replied in the announcement's thread."""

    id: int
    event: int


class IncidentReminder(NoticePayload):
    """incident.remind: the ``n``-th nudge for an update of a quiet incident."""

    id: int
    n: int


class IncidentEscalation(NoticePayload):
    """incident.escalate: the on-call page of one acknowledgement round."""

    id: int
    round: int


class IncidentInvite(NoticePayload):
    """incident.invite: people who joined the response, invited to the incident channel."""

    id: int
    users: list[str]


class IncidentArchive(NoticePayload):
    """incident.archive: archive the incident channel, unless reopened since ``round``."""

    id: int
    round: int


class PostmortemRequest(NoticePayload):
    """incident.postmortem: the document, shared for ``requester`` with times in ``tz``."""

    id: int
    requester: str
    tz: str
