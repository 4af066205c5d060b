"""The Messenger port: everything Opsdesk says goes through it.

Slack's WebClient in production, the console printer locally, a recorder in unit tests. Services
never hold one; notice handlers describe what to say (``bot/notices.py``) and the dispatcher
says it; after-response effects are handed one.

How a call failed matters to the notice queue, so implementations raise:

- ``Refused``: Slack answered and did not do it (``channel_not_found``, ``not_in_channel``...);
- ``RateLimited``: Slack answered 429 and did not do it; try again after ``retry_after``;
- ``DeliveryUnknown``: the call may have reached Slack (a timeout, a dropped connection, a 5xx):
  a post may be in the channel; look for it (``find_tagged``) before posting it again.

Anything else (the connection refused, a DNS failure) means the call never left. Files (report
charts, CSV exports) go through ``upload``, which may take seconds: call it after the unit of work
has committed, never inside one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# Slack message metadata naming the notice a post delivers (``Tag``).
EVENT_TYPE = "opsdesk_notice"


@dataclass(frozen=True)
class Message:
    """A rendered message: ``text`` is the notification fallback, ``blocks`` the Block Kit body."""

    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class MessageRef:
    channel: str
    ts: str


@dataclass(frozen=True)
class UserInfo:
    id: str
    name: str | None
    tz: str | None


@dataclass(frozen=True)
class Tag:
    """Which notice (and which part of it) a post delivers, carried as Slack message metadata.

    A post whose answer was lost is found again by its tag in the conversation's history, so it
    is never posted twice and never given up for lost when it did arrive.
    """

    notice_id: int
    part: str

    def metadata(self) -> dict[str, Any]:
        return {
            "event_type": EVENT_TYPE,
            "event_payload": {"notice_id": self.notice_id, "part": self.part},
        }

    @classmethod
    def of(cls, message: dict[str, Any]) -> Tag | None:
        """The tag of a message as conversations.history returns it, if it has one."""
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") != EVENT_TYPE or "notice_id" not in payload:
            return None
        try:
            return cls(int(payload["notice_id"]), str(payload.get("part", "")))
        except (TypeError, ValueError):
            return None


class Refused(Exception):
    """Slack answered and did not do what was asked; ``error`` is its error code."""

    def __init__(self, method: str, error: str):
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error


class RateLimited(Exception):
    """Slack answered 429: nothing was done; it may be tried again after ``retry_after`` s."""

    def __init__(self, method: str, retry_after: float):
        super().__init__(f"{method}: rate limited, retry after {retry_after:g}s")
        self.method = method
        self.retry_after = retry_after


class DeliveryUnknown(Exception):
    """The call may have reached Slack: a timeout, a dropped connection, a server error."""


class Messenger(Protocol):
    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        tag: Tag | None = None,
    ) -> MessageRef: ...

    def update(self, ref: MessageRef, message: Message) -> None: ...

    def dm(self, user_id: str, message: Message, *, tag: Tag | None = None) -> MessageRef: ...

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None: ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None: ...

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None: ...

    def create_channel(self, name: str) -> str: ...

    def invite(self, channel: str, user_ids: list[str]) -> None: ...

    def archive(self, channel: str) -> None:
        """Archive a channel (``conversations.archive``); one already archived is left so."""
        ...

    def user_info(self, user_id: str) -> UserInfo | None: ...

    def upload(
        self,
        channel_or_user: str,
        filename: str,
        content: bytes,
        title: str,
        initial_comment: str | None = None,
        *,
        thread_ts: str | None = None,
        alt_text: str | None = None,
    ) -> None:
        """Share a file in a channel, or in the app's DM with a user (a ``U...`` id).

        ``initial_comment`` is mrkdwn posted with the file; ``alt_text`` describes an image for
        screen readers.
        """
        ...

    def find_tagged(
        self, channel: str, tag: Tag, *, since: datetime, thread_ts: str | None = None
    ) -> MessageRef | None:
        """The post carrying ``tag`` in ``channel`` (a user id: the app's DM with them), or in
        the thread of ``thread_ts``, posted after ``since``; None when it is not there."""
        ...

    def find_channel(self, name: str) -> str | None:
        """The id of the channel called ``name``, if there is one."""
        ...
