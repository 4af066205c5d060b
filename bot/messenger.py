"""The Messenger port: everything Opsdesk says goes through it.

Slack's WebClient in production, the console printer locally, a recorder in unit tests. Services
never hold one; notice handlers and after-response effects are handed one. Files (report charts,
CSV exports) go through ``upload``, which may take seconds: call it after the unit of work has
committed, never inside one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


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


class Messenger(Protocol):
    def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None
    ) -> MessageRef: ...

    def update(self, ref: MessageRef, message: Message) -> None: ...

    def dm(self, user_id: str, message: Message) -> MessageRef: ...

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None: ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None: ...

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None: ...

    def create_channel(self, name: str) -> str: ...

    def invite(self, channel: str, user_ids: list[str]) -> None: ...

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
