"""A local stand-in for Slack's Web API that records every call.

Point the app's WebClient at `stub.base_url` (as `SLACK_API_URL`) and assert on what Slack would
have received. Modelled on bolt-python's `tests/mock_web_api_server`, but with one server per
stub on a free port, parsed parameters, and fault injection. `renew()` makes a running stub as
good as a new one (the tests' fixtures keep one per process and renew it for each test).

    with SlackStub() as stub:
        client = WebClient(token="xoxb-test", base_url=stub.base_url)
        ...
        [call] = stub.wait_for("chat.postMessage")
        assert call.params["channel"] == "C_GENERAL"

Answers are Slack-shaped: `ok`, plus the fields callers read (channel ids, message ts, view ids).
Methods without a token get `not_authed`, as on Slack, so a forgotten token shows up in tests.

Files follow Slack's external upload flow: `files.getUploadURLExternal` hands out a file id and an
upload URL on this server, the bytes POSTed there are recorded (method "upload", `Call.raw`), and
`files.completeUploadExternal` shares them; `stub.files()` lists what was shared, with the bytes.

Posted messages are kept per conversation, with their metadata, and served back by
conversations.history and conversations.replies (`include_all_metadata` shows the metadata).
The stub's ts are counters, not times: `oldest` and `latest` are compared with the time the stub
received each post. `stub.tagged()` counts delivered posts by the notice they carry.

Faults: `fail_next` answers 429 (with Retry-After) or 5xx without doing anything; `slow_next`
does the work and answers only after a delay (past the client's timeout, the caller sees a
timeout for a post that did arrive); `drop_next` does the work and closes the connection without
answering.

slack_sdk reads HTTPS_PROXY/HTTP_PROXY but ignores NO_PROXY: unset them where tests run behind
a proxy, or the client sends 127.0.0.1 traffic to the proxy.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

TEAM_ID = "T_OPSDESK"
BOT_USER_ID = "U_OPSDESK"
BOT_ID = "B_OPSDESK"
APP_ID = "A_OPSDESK"
RESPONSE_URL = "response_url"
UPLOAD_PATH = "upload"
_GENERATION = "g"  # /g3/api/chat.postMessage: the stub's URLs after its third renew()

# Methods Slack serves without a token.
_NO_TOKEN_METHODS = frozenset({"api.test", "oauth.v2.access", "oauth.access", "oauth.v2.exchange"})

Responder = Callable[["Call"], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request the stub received.

    `params` holds the form fields or the JSON body as sent. slack_sdk posts chat.* and views.*
    as JSON, so their `blocks` and `view` arrive decoded; sent as form fields they stay JSON
    strings. `json_param` (and `blocks`) give the decoded value either way.
    `headers` has lower-case names. `at` is `time.time()` when received (frozen under freezegun).
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    path: str = ""
    status: int = 200
    raw: bytes = b""
    # What the stub answered (the JSON body): the ts Slack gave a post is here, not in `params`.
    answer: dict[str, Any] = field(default_factory=dict, compare=False)

    def json_param(self, name: str, default: Any = None) -> Any:
        """`params[name]` decoded from JSON if it is a string, as given otherwise."""
        value = self.params.get(name, default)
        if isinstance(value, str | bytes):
            return json.loads(value)
        return value

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The decoded `blocks` parameter, or [] when none was sent."""
        return self.json_param("blocks") or []

    @property
    def token(self) -> str | None:
        """The token used, from the bearer header or, failing that, a `token` parameter."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :]
        token = self.params.get("token")
        return token if isinstance(token, str) else None


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    remaining: int
    # "status": answer `status`, do nothing; "slow": do it, answer after `delay` s;
    # "drop": do it, close the connection without an answer.
    mode: str = "status"
    delay: float = 0.0


@dataclass(frozen=True)
class _Stored:
    """A posted message as conversations.history shows it, and when the stub received it."""

    at: float
    message: dict[str, Any]


@dataclass
class SharedFile:
    """A file shared with files.completeUploadExternal: what Slack would show, bytes included."""

    id: str
    filename: str
    title: str | None
    content: bytes
    channel_id: str | None
    initial_comment: str | None
    thread_ts: str | None
    alt_txt: str | None


@dataclass
class _Upload:
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None


@dataclass
class _User:
    tz: str = "UTC"
    name: str | None = None
    real_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SlackStub:
    """Slack's Web API on 127.0.0.1, in a background thread. Thread-safe."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._overrides: dict[str, dict[str, Any] | Responder] = {}
        self._users: dict[str, _User] = {}
        self._uploads: dict[str, _Upload] = {}
        self._shared: list[SharedFile] = []

        self._messages: dict[str, list[_Stored]] = {}
        self._channels: dict[str, str] = {}  # name -> id, from conversations.create
        self._archived: set[str] = set()  # ids, from conversations.archive
        # Counters survive reset() so ids and ts never repeat (renew() restarts them).
        self._ts_seq = itertools.count(1)
        self._id_seq = itertools.count(1)
        # renew() bumps it; the stub's URLs carry it, and calls to an older one are refused.
        self._generation = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> SlackStub:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="slack-stub",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStub is not started")
        return int(self._server.server_address[1])

    @property
    def _root(self) -> str:
        prefix = f"/{_GENERATION}{self._generation}" if self._generation else ""
        return f"http://127.0.0.1:{self.port}{prefix}"

    @property
    def base_url(self) -> str:
        """The Web API base URL for WebClient(base_url=...) and SLACK_API_URL."""
        return f"{self._root}/api/"

    def response_url(self, name: str | None = None) -> str:
        """A response_url whose posts are recorded as method "response_url"."""
        return f"{self._root}/{RESPONSE_URL}/{name or next(self._id_seq)}"

    # recorded calls ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call received so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def clear_calls(self) -> None:
        with self._cond:
            self._calls.clear()

    def files(self) -> list[SharedFile]:
        """Every file shared so far (completed uploads), oldest first."""
        with self._cond:
            return list(self._shared)

    def upload_url(self, file_id: str) -> str:
        return f"{self._root}/{UPLOAD_PATH}/{file_id}"

    def reset(self) -> None:
        """Forget calls, pending faults, overrides and configured users."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()
            self._overrides.clear()
            self._users.clear()
            self._uploads.clear()
            self._shared.clear()

            self._messages.clear()
            self._channels.clear()
            self._archived.clear()

    def archived(self) -> set[str]:
        """The channels archived so far (conversations.archive; a second archive is refused)."""
        with self._cond:
            return set(self._archived)

    def renew(self) -> SlackStub:
        """As good as a new stub on the same server: forgets everything reset() does, restarts
        the ids and ts, and moves to new URLs (``base_url`` and the others): a client still
        holding an old one (a thread a previous test left behind) is answered 410 and not
        recorded, as a stopped stub would have refused it. The tests' fixtures share one stub
        per process this way instead of starting a server per test."""
        with self._cond:
            self.reset()
            self._ts_seq = itertools.count(1)
            self._id_seq = itertools.count(1)
            self._generation += 1
        return self

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages posted in `channel` (thread replies included), oldest first."""
        with self._cond:
            return [dict(m.message) for m in self._messages.get(channel, [])]

    def tagged(self) -> Counter[tuple[int, str]]:
        """How many delivered posts carry each (notice id, part) in their Opsdesk metadata.

        Posts answered late or never answered count too: they did reach "Slack".
        """
        counts: Counter[tuple[int, str]] = Counter()
        with self._cond:
            for stored in self._messages.values():
                for m in stored:
                    payload = (m.message.get("metadata") or {}).get("event_payload") or {}
                    if "notice_id" in payload:
                        counts[(int(payload["notice_id"]), str(payload.get("part", "")))] += 1
        return counts

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least `count` calls to `method` arrived; return all calls to it.

        The app talks to Slack after it has answered the request, from another thread, so a test
        must wait rather than look at once. On timeout this raises AssertionError naming what did
        arrive. Works under freezegun: the wait uses threading's clock, which freezegun leaves be.
        """

        def matching() -> list[Call]:
            return [c for c in self._calls if c.method == method]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            got = len(matching())
            seen = [c.method for c in self._calls]
        raise AssertionError(
            f"expected {count} call(s) to {method} within {timeout}s, got {got}; "
            f"calls received: {seen or 'none'}"
        )

    # behaviour --------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `method` with HTTP `status` (429 carries Retry-After).

        Failed calls are recorded too, with their status, so retries can be counted.
        """
        with self._cond:
            self._faults.setdefault(method, []).append(_Fault(status, retry_after, times))

    def slow_next(self, method: str, *, delay: float, times: int = 1) -> None:
        """Do the next `times` calls to `method`, but answer each only after `delay` seconds."""
        with self._cond:
            fault = _Fault(200, None, times, mode="slow", delay=delay)
            self._faults.setdefault(method, []).append(fault)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Do the next `times` calls to `method`, then close each connection without answering."""
        with self._cond:
            self._faults.setdefault(method, []).append(_Fault(200, None, times, mode="drop"))

    def respond_with(self, method: str, payload: dict[str, Any] | Responder | None) -> None:
        """Answer `method` with `payload` (or `payload(call)`) from now on; None restores."""
        with self._cond:
            if payload is None:
                self._overrides.pop(method, None)
            else:
                self._overrides[method] = payload

    def set_user(
        self,
        user_id: str,
        *,
        tz: str = "UTC",
        name: str | None = None,
        real_name: str | None = None,
        **extra: Any,
    ) -> None:
        """What users.info says about `user_id`; extra keys are merged into the user object."""
        ZoneInfo(tz)  # fail here, not inside the server thread, on a misspelt zone
        with self._cond:
            self._users[user_id] = _User(tz=tz, name=name, real_name=real_name, extra=extra)

    # request handling (server threads) --------------------------------------------------------

    def _handle(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: dict[str, str],
        raw: bytes,
        generation: int = 0,
    ) -> tuple[int, dict[str, str], dict[str, Any], _Fault | None]:
        """The answer, and the fault (slow or drop) that governs how it is delivered, if any."""
        with self._cond:
            fault = self._take_fault(method)
            override = self._overrides.get(method)
        delivery = fault if fault is not None and fault.mode != "status" else None
        if delivery is not None:
            fault = None
        call = Call(
            method=method, params=params, headers=headers, at=time.time(), path=path, raw=raw
        )
        try:
            status, extra, body = self._answer(call, fault, override)
        except Exception as error:  # a broken respond_with callable must not hang the client
            status, extra, body = 500, {}, {"ok": False, "error": f"stub_error: {error!r}"}
        # Recorded before the answer is sent, so a client holding its answer finds its call.
        with self._cond:
            if generation == self._generation:  # not renewed meanwhile
                self._calls.append(replace(call, status=status, answer=body))
            self._cond.notify_all()
        return status, extra, body, delivery

    def _answer(
        self, call: Call, fault: _Fault | None, override: dict[str, Any] | Responder | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if fault is not None:
            return fault.status, _fault_headers(fault), _fault_body(fault)
        if override is not None:
            return 200, {}, override(call) if callable(override) else override
        no_token = (RESPONSE_URL, UPLOAD_PATH, *_NO_TOKEN_METHODS)
        if call.method not in no_token and not call.token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        return 200, {}, self._default_answer(call)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    def _next_ts(self) -> str:
        # 1700000000.000100, .000200, ...: Slack-shaped, unique, and ordered as posted.
        n = next(self._ts_seq)
        return f"{1700000000 + n // 10000}.{n % 10000 * 100:06d}"

    def _default_answer(self, call: Call) -> dict[str, Any]:
        p = call.params
        m = call.method
        if m == RESPONSE_URL:
            return {"ok": True}
        if m == "auth.test":
            return {
                "ok": True,
                "url": "https://opsdesk.slack.com/",
                "team": "Opsdesk",
                "user": "opsdesk",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if m in ("chat.postMessage", "chat.scheduleMessage"):
            channel = _as_channel(str(p.get("channel", "")))
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if not (p.get("text") or p.get("blocks") or p.get("attachments")):
                return {"ok": False, "error": "no_text"}
            with self._cond:
                if channel in self._archived:
                    return {"ok": False, "error": "is_archived"}
            ts = self._next_ts()
            message = self._message(call, ts)
            if m == "chat.postMessage":
                self._store(channel, call, message)
            if m == "chat.scheduleMessage":
                sid = f"Q_{next(self._id_seq)}"
                return {
                    "ok": True,
                    "channel": channel,
                    "scheduled_message_id": sid,
                    "post_at": p.get("post_at"),
                    "message": message,
                }
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if m == "chat.update":
            channel, ts = str(p.get("channel", "")), str(p.get("ts", ""))
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "text": p.get("text", ""),
                "message": self._message(call, ts),
            }
        if m == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if m == "chat.delete":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if m == "chat.getPermalink":
            channel, ts = p.get("channel", ""), str(p.get("message_ts", ""))
            return {
                "ok": True,
                "channel": channel,
                "permalink": f"https://opsdesk.slack.com/archives/{channel}/p{ts.replace('.', '')}",
            }
        if m == "conversations.open":
            if p.get("channel"):
                return {"ok": True, "channel": {"id": p["channel"]}}
            users = [u for u in str(p.get("users", "")).split(",") if u]
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            cid = "D" + users[0] if len(users) == 1 else "G_" + "_".join(users)
            return {"ok": True, "channel": {"id": cid}}
        if m in ("conversations.history", "conversations.replies"):
            return self._history(call)
        if m == "conversations.list":
            with self._cond:
                channels = [{"id": cid, "name": name} for name, cid in self._channels.items()]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if m == "conversations.create":
            name = str(p.get("name", ""))
            if not name:
                return {"ok": False, "error": "invalid_name_required"}
            with self._cond:
                if name in self._channels:
                    return {"ok": False, "error": "name_taken"}
                self._channels[name] = cid = f"C_NEW_{next(self._id_seq)}"
            return {
                "ok": True,
                "channel": {
                    "id": cid,
                    "name": name,
                    "is_channel": True,
                    "is_private": _truthy(p.get("is_private")),
                    "created": int(call.at),
                    "creator": BOT_USER_ID,
                },
            }
        if m == "conversations.archive":
            cid = str(p.get("channel", ""))
            if not cid:
                return {"ok": False, "error": "channel_not_found"}
            with self._cond:
                if cid in self._archived:
                    return {"ok": False, "error": "already_archived"}
                self._archived.add(cid)
            return {"ok": True}
        if m in ("conversations.invite", "conversations.join", "conversations.info"):
            cid = str(p.get("channel", ""))
            return {"ok": True, "channel": {"id": cid, "name": cid.lower(), "is_channel": True}}
        if m in ("views.open", "views.update", "views.push", "views.publish"):
            return {"ok": True, "view": self._view(call)}
        if m == "users.info":
            return self._user_info(str(p.get("user", "")), call.at)
        if m == "files.getUploadURLExternal":
            return self._upload_url(call)
        if m == UPLOAD_PATH:
            return self._receive_bytes(call)
        if m == "files.completeUploadExternal":
            return self._complete_upload(call)
        return {"ok": True}

    # files: Slack's external upload flow --------------------------------------------------------

    def _upload_url(self, call: Call) -> dict[str, Any]:
        filename = str(call.params.get("filename") or "")
        try:
            length = int(call.params.get("length") or 0)
        except ValueError:
            length = 0
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F_{next(self._id_seq)}"
        with self._cond:
            self._uploads[file_id] = _Upload(filename, length, call.params.get("alt_txt"))
        return {"ok": True, "upload_url": self.upload_url(file_id), "file_id": file_id}

    def _receive_bytes(self, call: Call) -> dict[str, Any]:
        file_id = call.path.rsplit("/", 1)[-1]
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is None:
                return {"ok": False, "error": "unknown_upload"}
            upload.content = call.raw
        return {"ok": True}

    def _complete_upload(self, call: Call) -> dict[str, Any]:
        try:
            wanted = call.json_param("files") or []
        except ValueError:
            return {"ok": False, "error": "invalid_json"}
        channel = call.params.get("channel_id")
        if channel is not None and str(channel)[:1] not in ("C", "G", "D"):
            return {"ok": False, "error": "channel_not_found"}
        shared: list[SharedFile] = []
        with self._cond:
            for item in wanted:
                upload = self._uploads.get(str(item.get("id")))
                if upload is None or upload.content is None:
                    return {"ok": False, "error": "file_not_found"}
                if len(upload.content) != upload.length:
                    return {"ok": False, "error": "file_upload_size_mismatch"}
            for item in wanted:
                upload = self._uploads.pop(str(item["id"]))
                shared.append(
                    SharedFile(
                        id=str(item["id"]),
                        filename=upload.filename,
                        title=item.get("title"),
                        content=upload.content or b"",
                        channel_id=channel,
                        initial_comment=call.params.get("initial_comment"),
                        thread_ts=call.params.get("thread_ts"),
                        alt_txt=upload.alt_txt,
                    )
                )
            self._shared.extend(shared)
        return {
            "ok": True,
            "files": [
                {
                    "id": f.id,
                    "name": f.filename,
                    "title": f.title or f.filename,
                    "size": len(f.content),
                }
                for f in shared
            ],
        }

    def _store(self, channel: str, call: Call, message: dict[str, Any]) -> None:
        stored = dict(message)
        metadata = call.json_param("metadata")
        if isinstance(metadata, dict):
            stored["metadata"] = metadata
        with self._cond:
            self._messages.setdefault(channel, []).append(_Stored(call.at, stored))

    def _history(self, call: Call) -> dict[str, Any]:
        """conversations.history (top-level messages, newest first) or .replies (a thread,
        oldest first), paged by `limit` and `cursor`, limited by `oldest` and `latest`."""
        p = call.params
        channel = str(p.get("channel", ""))
        oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or "inf")
        thread = str(p.get("ts") or "") if call.method == "conversations.replies" else None
        with self._cond:
            stored = list(self._messages.get(channel, []))
        if thread is not None:
            shown = [s for s in stored if thread in (s.message["ts"], s.message.get("thread_ts"))]
        else:
            top = [s for s in stored if s.message.get("thread_ts") in (None, s.message["ts"])]
            shown = list(reversed(top))
        shown = [s for s in shown if oldest < s.at <= latest]
        start = int(p.get("cursor") or 0)
        limit = max(1, min(int(p.get("limit") or 100), 1000))
        page = shown[start : start + limit]
        with_metadata = _truthy(p.get("include_all_metadata"))
        messages = [
            {k: v for k, v in s.message.items() if with_metadata or k != "metadata"} for s in page
        ]
        more = start + limit < len(shown)
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _message(self, call: Call, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": call.params.get("text", ""),
            "blocks": call.blocks,
            "ts": ts,
        }
        if call.params.get("thread_ts"):
            message["thread_ts"] = call.params["thread_ts"]
        return message

    def _view(self, call: Call) -> dict[str, Any]:
        view = dict(call.json_param("view") or {})
        if call.method == "views.update" and call.params.get("view_id"):
            view_id = str(call.params["view_id"])
        else:
            view_id = f"V_{next(self._id_seq)}"
        view.setdefault("type", "home" if call.method == "views.publish" else "modal")
        view.setdefault("blocks", [])
        view.setdefault("private_metadata", "")
        view.setdefault("callback_id", "")
        view.update(
            id=view_id,
            team_id=TEAM_ID,
            app_id=APP_ID,
            bot_id=BOT_ID,
            root_view_id=view_id,
            state={"values": {}},
            hash=f"{int(call.at)}.{view_id}",
        )
        return view

    def _user_info(self, user_id: str, at: float) -> dict[str, Any]:
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        with self._cond:
            cfg = self._users.get(user_id, _User())
        name = cfg.name or _default_name(user_id)
        real_name = cfg.real_name or name.replace("_", " ").title()
        local = datetime.fromtimestamp(at, ZoneInfo(cfg.tz))
        offset = local.utcoffset()
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "tz": cfg.tz,
            "tz_label": local.tzname(),
            # Computed at the (possibly frozen) current time, so DST shows as Slack shows it.
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {"real_name": real_name, "display_name": name},
            **cfg.extra,
        }
        return {"ok": True, "user": user}


def _as_channel(channel: str) -> str:
    # Posting to a user id lands in the bot's DM with that user, as on Slack.
    if channel[:1] in ("U", "W"):
        return "D" + channel
    return channel


def _default_name(user_id: str) -> str:
    _, sep, tail = user_id.partition("_")
    return (tail if sep else user_id).lower()


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _fault_headers(fault: _Fault) -> dict[str, str]:
    if fault.status == 429 and fault.retry_after is not None:
        return {"Retry-After": str(fault.retry_after)}
    return {}


def _fault_body(fault: _Fault) -> dict[str, Any]:
    error = "ratelimited" if fault.status == 429 else "internal_error"
    return {"ok": False, "error": error}


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return body if isinstance(body, dict) else {"_": body}
    if "x-www-form-urlencoded" in content_type or not content_type:
        return _flatten(parse_qs(text, keep_blank_values=True))
    # multipart (file uploads) is not parsed; `Call.raw` has the bytes.
    return {}


def _flatten(query: dict[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in query.items()}


def _strip_generation(path: str) -> tuple[str, int]:
    """The path without its /g<n> prefix, and n (0 without one)."""
    first, sep, rest = path[1:].partition("/")
    if sep and first[:1] == _GENERATION and first[1:].isdigit():
        return "/" + rest, int(first[1:])
    return path, 0


def _make_handler(stub: SlackStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so stop() never waits on idle keep-alives.
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            path, generation = _strip_generation(url.path)
            if generation != stub._generation:
                self._send(410, {}, {"ok": False, "error": "stale_stub_url"})
                return
            url = url._replace(path=path)
            if url.path.startswith("/api/"):
                method = url.path[len("/api/") :]
            elif url.path.startswith(f"/{RESPONSE_URL}/"):
                method = RESPONSE_URL
            elif url.path.startswith(f"/{UPLOAD_PATH}/"):
                method = UPLOAD_PATH
            else:
                self._send(404, {}, {"ok": False, "error": "unknown_path"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            params = _flatten(parse_qs(url.query, keep_blank_values=True))
            if method != UPLOAD_PATH:  # the bytes of a file are not form fields
                params.update(_parse_body(raw, headers.get("content-type", "")))
            status, extra_headers, body, delivery = stub._handle(
                method, url.path, params, headers, raw, generation
            )
            if delivery is not None and delivery.mode == "drop":
                self.close_connection = True  # done, and no answer: the client sees a dropped line
                return
            if delivery is not None:
                time.sleep(delivery.delay)
            # A slow answer may find the client gone: there is nobody to tell.
            with contextlib.suppress(OSError):
                self._send(status, extra_headers, body)

        def _send(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean; the calls are recorded instead

    return Handler
