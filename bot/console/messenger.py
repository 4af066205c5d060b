"""The Messenger port for the local console: Slack's output as readable text, buttons numbered."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from bot.console.plain import blocks_to_text, default_channel, default_name
from bot.messenger import Message, MessageRef, Tag, UserInfo


@dataclass(frozen=True)
class Pressable:
    """A button someone could press, and where it was shown."""

    label: str
    action_id: str
    value: str
    channel: str | None
    ts: str | None
    view: dict[str, Any] | None


def channel_name(channel: str) -> str:
    if channel.startswith("DU"):  # the console names a DM channel "D" + the person's id
        return f"DM with {default_name(channel[1:])}"
    return "DM" if channel.startswith("D") else default_channel(channel)


class ConsoleMessenger:
    def __init__(self, out: TextIO, timezone: str):
        self.out = out
        self.timezone = timezone
        self.buttons: list[Pressable] = []
        self.modal: dict[str, Any] | None = None
        self._ts = itertools.count(1)
        self._channels = itertools.count(1)

    def _print(
        self,
        heading: str,
        message: Message | None = None,
        *,
        view: dict[str, Any] | None = None,
        channel: str | None = None,
        ts: str | None = None,
        indent: str = "",
    ) -> None:
        blocks = (message.blocks if message else None) or (view or {}).get("blocks")
        if blocks:
            body, buttons = blocks_to_text(blocks, first_button=len(self.buttons) + 1)
            for btn in buttons:
                self.buttons.append(
                    Pressable(btn.label, btn.action_id, btn.value, channel, ts, view)
                )
        else:
            body = blocks_to_text(
                [
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": message.text if message else ""},
                    }
                ]
            )[0]
        print(f"{indent}{heading}", file=self.out)
        for line in body.splitlines():
            print(f"{indent}  {line}", file=self.out)
        print(file=self.out)

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        tag: Tag | None = None,
    ) -> MessageRef:
        ts = self._next_ts()
        where = channel_name(channel)
        if thread_ts:
            self._print(
                f"↳ {where} (in thread) @opsdesk:", message, channel=channel, ts=ts, indent="    "
            )
        else:
            self._print(f"{where}  @opsdesk:", message, channel=channel, ts=ts)
        return MessageRef(channel, ts)

    def update(self, ref: MessageRef, message: Message) -> None:
        self._print(
            f"{channel_name(ref.channel)}  @opsdesk (edited its message):",
            message,
            channel=ref.channel,
            ts=ref.ts,
        )

    def dm(self, user_id: str, message: Message, *, tag: Tag | None = None) -> MessageRef:
        ts = self._next_ts()
        self._print(
            f"DM to {default_name(user_id)} from @opsdesk:", message, channel="D" + user_id, ts=ts
        )
        return MessageRef("D" + user_id, ts)

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        self._print(f"(only {default_name(user_id)} sees this)", message, channel=channel)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._print(f"[App Home of {default_name(user_id)}]", view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.modal = view
        title = view.get("title", {}).get("text", "form")
        self._print(f"[form: {title}]  fill it with: submit <field>=<value> ...", view=view)

    def create_channel(self, name: str) -> str:
        channel = f"C_{name.upper().replace('-', '_')}"
        print(f"(created channel #{name})\n", file=self.out)
        return channel

    def invite(self, channel: str, user_ids: list[str]) -> None:
        who = ", ".join(default_name(u) for u in user_ids)
        print(f"(invited {who} to {channel_name(channel)})\n", file=self.out)

    def user_info(self, user_id: str) -> UserInfo | None:
        return UserInfo(user_id, default_name(user_id)[1:], self.timezone)

    # Printing cannot lose an answer, so nothing the console said is ever in doubt.
    def find_tagged(
        self, channel: str, tag: Tag, *, since: datetime, thread_ts: str | None = None
    ) -> MessageRef | None:
        return None

    def find_channel(self, name: str) -> str | None:
        return None
