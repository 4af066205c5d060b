"""A messenger for unit tests of services and notice handlers: keeps what would have been sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.messenger import DeliveryUnknown, Message, MessageRef, Tag, UserInfo


@dataclass
class Sent:
    method: str
    target: str
    message: Message | None = None
    view: dict[str, Any] | None = None
    thread_ts: str | None = None
    ref: MessageRef | None = None
    # uploads: the file as it would have been shared
    filename: str | None = None
    content: bytes | None = None
    title: str | None = None
    alt_text: str | None = None
    tag: Tag | None = None


@dataclass
class RecordingMessenger:
    """For unit tests of services and notice handlers: keeps what would have been sent.

    ``fail_next`` calls fail before reaching "Slack"; ``lose_answer_next`` calls are delivered
    and then fail as a timeout would (``DeliveryUnknown``), the case the notice queue resolves by
    looking for the post (``find_tagged``; each look is kept in ``looked_for``).
    """

    sent: list[Sent] = field(default_factory=list)
    users: dict[str, UserInfo] = field(default_factory=dict)
    fail_next: int = 0
    lose_answer_next: int = 0
    looked_for: list[Tag] = field(default_factory=list)
    _seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _ts(self) -> str:
        with self._lock:
            self._seq += 1
            return f"1700000000.{self._seq:06d}"

    def _record(self, item: Sent) -> None:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                raise ConnectionError("recording messenger told to fail")
            self.sent.append(item)
            if self.lose_answer_next > 0:
                self.lose_answer_next -= 1
                raise DeliveryUnknown("recording messenger told to lose the answer")

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        tag: Tag | None = None,
    ) -> MessageRef:
        ref = MessageRef(channel, self._ts())
        self._record(Sent("post", channel, message, thread_ts=thread_ts, ref=ref, tag=tag))
        return ref

    def update(self, ref: MessageRef, message: Message) -> None:
        self._record(Sent("update", ref.channel, message, ref=ref))

    def dm(self, user_id: str, message: Message, *, tag: Tag | None = None) -> MessageRef:
        ref = MessageRef("D" + user_id, self._ts())
        self._record(Sent("dm", user_id, message, ref=ref, tag=tag))
        return ref

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        self._record(Sent("ephemeral", user_id, message))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._record(Sent("home", user_id, view=view))

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._record(Sent("modal", trigger_id, view=view))

    def create_channel(self, name: str) -> str:
        self._record(Sent("create_channel", name))
        return "C_" + name.upper().replace("-", "_")[:20]

    def invite(self, channel: str, user_ids: list[str]) -> None:
        self._record(Sent("invite", channel, message=Message(",".join(user_ids))))

    def archive(self, channel: str) -> None:
        self._record(Sent("archive", channel))

    def user_info(self, user_id: str) -> UserInfo | None:
        return self.users.get(user_id)

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
        self._record(
            Sent(
                "upload",
                channel_or_user,
                Message(initial_comment) if initial_comment is not None else None,
                thread_ts=thread_ts,
                filename=filename,
                content=content,
                title=title,
                alt_text=alt_text,
            )
        )

    def find_tagged(
        self, channel: str, tag: Tag, *, since: datetime, thread_ts: str | None = None
    ) -> MessageRef | None:
        with self._lock:
            self.looked_for.append(tag)
            for s in self.sent:
                if s.tag == tag and s.target == channel and s.thread_ts == thread_ts:
                    return s.ref
        return None

    def find_channel(self, name: str) -> str | None:
        with self._lock:
            if any(s.method == "create_channel" and s.target == name for s in self.sent):
                return "C_" + name.upper().replace("-", "_")[:20]
        return None

    def of(self, method: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method]
