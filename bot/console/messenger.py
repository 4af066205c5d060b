"""The Messenger port for the local console: Slack's output as readable text, buttons numbered.

Like Slack, the console shows each message to the people who can see it and in their own time
zone: a DM, an ephemeral note or a Home tab to its one reader, a channel message to whoever is
at the keyboard (``viewer``). The console's people have their own zones (``ZONES``) and answer
``users.info`` with them, so times are read and shown per person, as in a distributed team.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.console.plain import blocks_to_text, default_channel, default_name
from bot.messenger import Message, MessageRef, Tag, UserInfo
from bot.tz import zone

# Everyone not listed reads the team's zone (the config's `timezone`).
ZONES = {"U_BOB": "America/New_York", "U_DAVE": "Asia/Kolkata"}


@dataclass(frozen=True)
class Pressable:
    """A button someone could press, where it was shown, and who alone can see it (None: all)."""

    label: str
    action_id: str
    value: str
    channel: str | None
    ts: str | None
    view: dict[str, Any] | None
    audience: str | None = None


@dataclass(frozen=True)
class Shown:
    """A message the console printed, so that a message shortcut can be used on it."""

    channel: str
    ts: str
    text: str


def channel_name(channel: str) -> str:
    if channel.startswith("DU"):  # the console names a DM channel "D" + the person's id
        return f"DM with {default_name(channel[1:])}"
    return "DM" if channel.startswith("D") else default_channel(channel)


FILES_DIR = Path("opsdesk-files")  # relative to where the console runs


def _safe_name(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename).name).strip(".-")
    return name or "file"


class ConsoleMessenger:
    def __init__(
        self,
        out: TextIO,
        timezone: str,
        zones: dict[str, str] | None = None,
        *,
        files_dir: Path | None = None,
    ):
        self.out = out
        self.timezone = timezone
        self.zones = {**ZONES, **(zones or {})}
        self.viewer = "U_ALICE"  # who is at the keyboard: channel messages show in their zone
        self.files_dir = files_dir or FILES_DIR
        self.buttons: list[Pressable] = []
        self.modal: dict[str, Any] | None = None
        self.modal_owner: str | None = None
        self.shown: list[Shown] = []
        self.count = 0  # messages printed so far: the clock reports how many it caused
        self._ts = itertools.count(1)
        self._channels = itertools.count(1)

    def zone_of(self, user_id: str) -> str:
        return self.zones.get(user_id, self.timezone)

    def _print(
        self,
        heading: str,
        message: Message | None = None,
        *,
        view: dict[str, Any] | None = None,
        channel: str | None = None,
        ts: str | None = None,
        indent: str = "",
        reader: str | None = None,
    ) -> None:
        """Print for ``reader`` (None: anyone in the channel, seen by the viewer)."""
        tz = zone(self.zone_of(reader or self.viewer))
        blocks = (message.blocks if message else None) or (view or {}).get("blocks")
        if blocks:
            body, buttons = blocks_to_text(blocks, first_button=len(self.buttons) + 1, tz=tz)
            for btn in buttons:
                self.buttons.append(
                    Pressable(btn.label, btn.action_id, btn.value, channel, ts, view, reader)
                )
        else:
            body = blocks_to_text(
                [
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": message.text if message else ""},
                    }
                ],
                tz=tz,
            )[0]
        self.count += 1
        if channel and ts and message is not None:
            self.shown.append(Shown(channel, ts, message.text))
        print(f"{indent}{heading}", file=self.out)
        for line in body.splitlines():
            print(f"{indent}  {line}", file=self.out)
        print(file=self.out)

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    @staticmethod
    def _dm_reader(channel: str) -> str | None:
        return channel[1:] if channel.startswith("DU") else None

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        tag: Tag | None = None,
    ) -> MessageRef:
        ts = self._next_ts()
        where, reader = channel_name(channel), self._dm_reader(channel)
        if thread_ts:
            self._print(
                f"↳ {where} (in thread) @opsdesk:",
                message,
                channel=channel,
                ts=ts,
                indent="    ",
                reader=reader,
            )
        else:
            self._print(f"{where}  @opsdesk:", message, channel=channel, ts=ts, reader=reader)
        return MessageRef(channel, ts)

    def update(self, ref: MessageRef, message: Message) -> None:
        self._print(
            f"{channel_name(ref.channel)}  @opsdesk (edited its message):",
            message,
            channel=ref.channel,
            ts=ref.ts,
            reader=self._dm_reader(ref.channel),
        )

    def dm(self, user_id: str, message: Message, *, tag: Tag | None = None) -> MessageRef:
        ts = self._next_ts()
        self._print(
            f"DM to {default_name(user_id)} from @opsdesk:",
            message,
            channel="D" + user_id,
            ts=ts,
            reader=user_id,
        )
        return MessageRef("D" + user_id, ts)

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        self._print(
            f"(only {default_name(user_id)} sees this)", message, channel=channel, reader=user_id
        )

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._print(f"[App Home of {default_name(user_id)}]", view=view, reader=user_id)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.modal, self.modal_owner = view, self.viewer
        title = view.get("title", {}).get("text", "form")
        self._print(
            f"[form: {title}]  fill it with: submit <field>=<value> ...",
            view=view,
            reader=self.viewer,
        )

    def create_channel(self, name: str) -> str:
        channel = f"C_{name.upper().replace('-', '_')}"
        print(f"(created channel #{name})\n", file=self.out)
        return channel

    def invite(self, channel: str, user_ids: list[str]) -> None:
        who = ", ".join(default_name(u) for u in user_ids)
        print(f"(invited {who} to {channel_name(channel)})\n", file=self.out)

    def archive(self, channel: str) -> None:
        print(f"(archived {channel_name(channel)})\n", file=self.out)

    def user_info(self, user_id: str) -> UserInfo | None:
        return UserInfo(user_id, default_name(user_id)[1:], self.zone_of(user_id))

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
        """Files land in ./opsdesk-files/ (never overwritten); the path and the comment print."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / _safe_name(filename)
        stem, suffix = path.stem, path.suffix
        for n in itertools.count(2):
            if not path.exists():
                break
            path = self.files_dir / f"{stem}-{n}{suffix}"
        path.write_bytes(content)
        if channel_or_user[:1] in ("U", "W"):
            where = f"DM to {default_name(channel_or_user)}"
        else:
            where = channel_name(channel_or_user)
        indent = "    " if thread_ts else ""
        heading = f"{'↳ ' if thread_ts else ''}{where}  @opsdesk shared a file: {title}"
        heading += f"\n{indent}  file: {path}"
        self._print(heading, Message(initial_comment or ""), indent=indent)

    # Printing cannot lose an answer, so nothing the console said is ever in doubt.
    def find_tagged(
        self, channel: str, tag: Tag, *, since: datetime, thread_ts: str | None = None
    ) -> MessageRef | None:
        return None

    def find_channel(self, name: str) -> str | None:
        return None
