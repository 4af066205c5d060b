"""The Messenger port over Slack's Web API, with retries on 429 (Retry-After) and 5xx."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.messenger import Message, MessageRef, UserInfo
from bot.settings import Settings

log = logging.getLogger(__name__)

# A file takes three calls (files.getUploadURLExternal, the bytes, files.completeUploadExternal);
# each may take this long. No retries: a completed upload that looked failed would post twice.
UPLOAD_TIMEOUT = 30


def make_web_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def make_upload_client(client: WebClient) -> WebClient:
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=UPLOAD_TIMEOUT,
        proxy=client.proxy,
        ssl=client.ssl,
        retry_handlers=[],
    )


class SlackMessenger:
    def __init__(self, client: WebClient):
        self.client = client
        # users.info may run before a person's first request (bot/users.py): a 1 s timeout and
        # no retries, so a slow or rate-limiting Slack never holds a request in Retry-After sleeps.
        self.lookups = WebClient(
            token=client.token, base_url=client.base_url, timeout=1, retry_handlers=[]
        )
        self.uploads = make_upload_client(client)

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> MessageRef:
        resp = self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return MessageRef(resp["channel"], resp["ts"])

    def update(self, ref: MessageRef, message: Message) -> None:
        self.client.chat_update(
            channel=ref.channel, ts=ref.ts, text=message.text, blocks=message.blocks or []
        )

    def dm(self, user_id: str, message: Message) -> MessageRef:
        # Posting to a user id lands in the app's DM with them; no conversations.open round trip.
        return self.post(user_id, message)

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        try:
            self.client.chat_postEphemeral(
                channel=channel, user=user_id, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            # Ephemerals fail where the bot is not in the channel; a DM still reaches the person.
            log.info("ephemeral to %s in %s failed (%s); sending a DM", user_id, channel, exc)
            self.dm(user_id, message)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user_id, view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def create_channel(self, name: str) -> str:
        resp = self.client.conversations_create(name=name)
        return resp["channel"]["id"]

    def invite(self, channel: str, user_ids: list[str]) -> None:
        if user_ids:
            self.client.conversations_invite(channel=channel, users=",".join(user_ids))

    def user_info(self, user_id: str) -> UserInfo | None:
        resp = self.lookups.users_info(user=user_id)
        user = resp.get("user") or {}
        return UserInfo(user_id, user.get("real_name") or user.get("name"), user.get("tz"))

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
        """Slack's external upload flow: files.getUploadURLExternal, POST the bytes to the URL it
        returns, then files.completeUploadExternal into the channel (files_upload_v2)."""
        channel = channel_or_user
        if channel[:1] in ("U", "W"):
            # completeUploadExternal wants a conversation id: the app's DM with the person.
            opened = self.uploads.conversations_open(users=channel)
            channel = opened["channel"]["id"]
        self.uploads.files_upload_v2(
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            initial_comment=initial_comment,
            thread_ts=thread_ts,
            alt_txt=alt_text,
        )
