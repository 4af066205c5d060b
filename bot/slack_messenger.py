"""The Messenger port over Slack's Web API.

Retries: the SDK's default connection-error retry re-sends a request whose answer was lost,
which for chat.postMessage means a second message; it is off, as is the 5xx retry. The notice
queue decides instead (``bot/notices.py``): it looks for a post in doubt before posting again and
simply repeats idempotent calls. Only 429 is retried here, at most twice and only when Slack
asks for a short wait; a longer one comes back as ``RateLimited`` and the queue waits instead of
a thread. Calls made inside a request (views.open) are never retried nor slept on.
"""

from __future__ import annotations

import http.client
import logging
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot import metrics
from bot.messenger import (
    DeliveryUnknown,
    Message,
    MessageRef,
    RateLimited,
    Refused,
    Tag,
    UserInfo,
)
from bot.settings import Settings
from bot.slack_metered import MeteredWebClient, method_of

log = logging.getLogger(__name__)

# A file takes three calls (files.getUploadURLExternal, the bytes, files.completeUploadExternal);
# each may take this long. No retries: a completed upload that looked failed would post twice.
UPLOAD_TIMEOUT = 30

RATE_LIMIT_RETRIES = 2
# Longest Retry-After slept on in a worker thread; past it the notice is rescheduled instead.
RATE_LIMIT_MAX_WAIT = 5
INTERACTIVE_TIMEOUT = 2.5  # views.open must happen within Slack's 3 s trigger window
LOOKUP_PAGE = 200
LOOKUP_PAGES = 5  # a post in doubt is looked for among at most 1000 newer messages
CHANNEL_PAGES = 10


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 only when Slack asks to wait at most ``max_wait`` seconds."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        # The 429 is answered inside one api_call: counted here, as a request Slack limited.
        metrics.slack_call(method_of(request), "ratelimited", None)
        super().prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )

    def __init__(self, max_retry_count: int, max_wait: float):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response.headers) <= self.max_wait


def _retry_after(headers: Any) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def make_web_client(settings: Settings) -> WebClient:
    handlers: list[RetryHandler] = [
        ShortRateLimitRetryHandler(RATE_LIMIT_RETRIES, RATE_LIMIT_MAX_WAIT)
    ]
    return MeteredWebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        # slack_sdk annotates timeout as int; urllib takes seconds as a float, as sent here.
        timeout=cast(int, settings.OPSDESK_SLACK_TIMEOUT),
        retry_handlers=handlers,
    )


def make_upload_client(client: WebClient) -> WebClient:
    return MeteredWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=UPLOAD_TIMEOUT,
        proxy=client.proxy,
        ssl=client.ssl,
        retry_handlers=[],
    )


def _never_left(exc: BaseException) -> bool:
    """A failure before the request could reach Slack: refused, unreachable, no such host."""
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


class SlackMessenger:
    def __init__(self, client: WebClient):
        self.client = client
        # users.info may run before a person's first request (bot/users.py): a 1 s timeout and
        # no retries, so a slow or rate-limiting Slack never holds a request in Retry-After sleeps.
        self.lookups = MeteredWebClient(
            token=client.token, base_url=client.base_url, timeout=1, retry_handlers=[]
        )
        self.uploads = make_upload_client(client)
        # Inside a request: no retries, no Retry-After sleeps, never past Slack's 3 s.
        self.interactive = MeteredWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=cast(int, min(client.timeout, INTERACTIVE_TIMEOUT)),  # a float, as above
            retry_handlers=[],
        )

    def _call(self, method: str, fn: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        """One Web API call, its failure told as the notice queue needs it (bot/messenger.py)."""
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                raise RateLimited(method, _retry_after(exc.response.headers)) from exc
            if status >= 500:
                raise DeliveryUnknown(f"{method}: HTTP {status}") from exc
            raise Refused(method, str(exc.response.get("error") or f"HTTP {status}")) from exc
        except (OSError, http.client.HTTPException) as exc:
            if _never_left(exc):
                raise
            raise DeliveryUnknown(f"{method}: {type(exc).__name__}: {exc}") from exc

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        tag: Tag | None = None,
    ) -> MessageRef:
        extra: dict[str, Any] = {"metadata": tag.metadata()} if tag else {}
        resp = self._call(
            "chat.postMessage",
            self.client.chat_postMessage,
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        return MessageRef(resp["channel"], resp["ts"])

    def update(self, ref: MessageRef, message: Message) -> None:
        self._call(
            "chat.update",
            self.client.chat_update,
            channel=ref.channel,
            ts=ref.ts,
            text=message.text,
            blocks=message.blocks or [],
        )

    def dm(self, user_id: str, message: Message, *, tag: Tag | None = None) -> MessageRef:
        # Posting to a user id lands in the app's DM with them; no conversations.open round trip.
        return self.post(user_id, message, tag=tag)

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
        self._call("views.publish", self.client.views_publish, user_id=user_id, view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.interactive.views_open(trigger_id=trigger_id, view=view)

    def create_channel(self, name: str) -> str:
        resp = self._call("conversations.create", self.client.conversations_create, name=name)
        return resp["channel"]["id"]

    def invite(self, channel: str, user_ids: list[str]) -> None:
        if not user_ids:
            return
        try:
            self._call(
                "conversations.invite",
                self.client.conversations_invite,
                channel=channel,
                users=",".join(user_ids),
            )
        except Refused as exc:
            if exc.error != "already_in_channel":  # a repeated invite did its work the first time
                raise

    def archive(self, channel: str) -> None:
        try:
            self._call("conversations.archive", self.client.conversations_archive, channel=channel)
        except Refused as exc:
            if exc.error != "already_archived":  # a repeated archive did its work the first time
                raise

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

    def find_tagged(
        self, channel: str, tag: Tag, *, since: datetime, thread_ts: str | None = None
    ) -> MessageRef | None:
        if channel[:1] in ("U", "W"):
            opened = self._call("conversations.open", self.client.conversations_open, users=channel)
            channel = opened["channel"]["id"]
        args: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{since.timestamp():.6f}",
            "include_all_metadata": True,
            "limit": LOOKUP_PAGE,
        }
        method = "conversations.history"
        fn: Callable[..., SlackResponse] = self.client.conversations_history
        if thread_ts:  # replies are not in the history, only in their thread
            method, fn, args["ts"] = (
                "conversations.replies",
                self.client.conversations_replies,
                thread_ts,
            )
        cursor = None
        for _ in range(LOOKUP_PAGES):
            resp = self._call(method, fn, cursor=cursor, **args)
            for found in resp.get("messages") or []:
                if Tag.of(found) == tag:
                    return MessageRef(channel, str(found["ts"]))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        # Too many messages since to be sure: better undecided than posted twice.
        raise DeliveryUnknown(
            f"{method}: more than {LOOKUP_PAGES * LOOKUP_PAGE} messages to search"
        )

    def find_channel(self, name: str) -> str | None:
        cursor = None
        for _ in range(CHANNEL_PAGES):
            resp = self._call(
                "conversations.list",
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for channel in resp.get("channels") or []:
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        raise DeliveryUnknown(f"conversations.list: more than {CHANNEL_PAGES} pages of channels")
