"""What incidents' notices carry: ids, never rendered text (rendered when sent)."""

from __future__ import annotations

from datetime import datetime

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
    """incident.escalate: one page of an escalation policy (bot/incidents/escalation.py).

    ``plan`` is the timeline event that started the escalation, ``policy`` the policy's index,
    ``step`` counts from 0, ``n`` is the repeat (0: the step itself) and ``due`` when it was
    due (who is on call is read as of then). A row written before policies (``id`` and
    ``round`` only) is the first step of today's policy.
    """

    id: int
    round: int
    plan: int | None = None
    policy: int | None = None
    step: int = 0
    n: int = 0
    due: datetime | None = None


class IncidentPage(NoticePayload):
    """incident.page_now: `/incident page`, to the people ``to`` named when asked, by ``by``."""

    id: int
    to: list[str]
    by: str


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
