"""What purchases' notices carry: ids, never rendered text (rendered when sent)."""

from __future__ import annotations

from bot.payloads import NoticePayload


class PurchaseRef(NoticePayload):
    """purchase.expire and the final messages: the request as it is when they go out."""

    id: int


class PurchaseStep(NoticePayload):
    """purchase.close_step: edit the DMs of a step that has been decided."""

    id: int
    step: int


class ApproverAsk(NoticePayload):
    """purchase.ask: one approver's DM for one step."""

    id: int
    step: int
    user: str


class ApproverReminder(NoticePayload):
    """purchase.remind: the ``n``-th reminder of one approver for one step."""

    id: int
    step: int
    user: str
    n: int
