"""One claimed notice through its three steps: prepare, call Slack, record (see bot/notices.py).

``Progress`` is what the row remembers between attempts: ``done`` (what each call delivered, by
key) and ``doubt`` (calls that were under way when their outcome got lost: a timeout, a dropped
connection, a process killed mid-call). A call in doubt is looked for before anything else
happens: found, it is done; not found, it is made again. Only posts, DMs, channel creations and
uploads can be in doubt (an upload cannot be looked for: it is made again); the idempotent calls
are simply made again.

Every write names the claim (``claims``): if this process stalled past its lease and another
took the notice over, the write changes nothing and this process stops (``LostClaim``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.context import Ctx, Outbox
from bot.messenger import DeliveryUnknown, MessageRef, Messenger, Tag
from bot.notices import (
    Archive,
    Call,
    CreateChannel,
    Dm,
    Invite,
    NotYet,
    Plan,
    Post,
    PublishHome,
    Sent,
    Skip,
    Update,
    Upload,
)
from bot.payloads import NoticePayload
from bot.registry import NoticeHandler
from storage import notices as queue
from storage.db import WriteNeeded, only_reading, transaction
from storage.notices import NoticeStatus

SENDING, CALLING = NoticeStatus.SENDING, NoticeStatus.CALLING
MAX_ROUNDS = 3
# How far before a call started its post is looked for (clocks of Slack and of this host differ).
LOOKBACK = timedelta(minutes=2)


class LostClaim(Exception):
    """This process held the notice past its lease and another took it over."""


class InDoubt(Exception):
    """A call that may post got no answer: the notice is in doubt until it is looked for."""


class Paced(Exception):
    """A conversation this round adds a message to has had its burst (bot/pacing.py): none of
    the round's calls was made; the notice is due again ``until``, its turn."""

    def __init__(self, until: datetime):
        super().__init__(f"paced until {until.isoformat()}")
        self.until = until


# Tokens for one message to each target, or when to come back (``Pacer.take`` as configured).
Pace = Callable[[int, list[str]], datetime | None]


@dataclass
class Progress:
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    doubt: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Progress:
        data = data or {}
        return cls(dict(data.get("done") or {}), dict(data.get("doubt") or {}))

    def json(self) -> dict[str, Any]:
        return {"done": dict(self.done), "doubt": dict(self.doubt)}

    def sent(self) -> Sent:
        return Sent({key: _result(value) for key, value in self.done.items()})


def _result(value: dict[str, Any]) -> Any:
    if "ts" in value:
        return MessageRef(value["channel"], value["ts"])
    return value.get("id")


def _where(call: Call) -> dict[str, Any]:
    """Enough about a call to look for it later, whatever the handler would plan by then."""
    if isinstance(call, Post):
        return {"type": "post", "channel": call.channel, "thread_ts": call.thread_ts}
    if isinstance(call, Dm):
        return {"type": "dm", "user": call.user}
    if isinstance(call, CreateChannel):
        return {"type": "channel", "name": call.name}
    if isinstance(call, Upload):
        return {"type": "upload", "target": call.target}
    raise TypeError(f"{type(call).__name__} is idempotent: it is made again, never looked for")


def perform(messenger: Messenger, call: Call, tag: Tag) -> dict[str, Any]:
    """Make one call; what it delivered, as the row keeps it."""
    match call:
        case Post(channel=channel, message=message, thread_ts=thread_ts):
            ref = messenger.post(channel, message, thread_ts=thread_ts, tag=tag)
            return {"channel": ref.channel, "ts": ref.ts}
        case Dm(user=user, message=message):
            ref = messenger.dm(user, message, tag=tag)
            return {"channel": ref.channel, "ts": ref.ts}
        case CreateChannel(name=name):
            return {"id": messenger.create_channel(name)}
        case Update(ref=ref, message=message):
            messenger.update(ref, message)
        case PublishHome(user=user, view=view):
            messenger.publish_home(user, view)
        case Invite(channel=channel, users=users):
            messenger.invite(channel, list(users))
        case Archive(channel=channel):
            messenger.archive(channel)
        case Upload(target=target, filename=filename, content=content, title=title):
            messenger.upload(target, filename, content, title, call.comment)
            return {"id": target}
    return {}


def look_for(messenger: Messenger, key: str, doubt: dict[str, Any]) -> dict[str, Any] | None:
    """Whether a call in doubt did reach Slack: what it delivered, or None."""
    where = doubt["call"]
    since = datetime.fromisoformat(doubt["since"]) - LOOKBACK
    tag = Tag(int(doubt["tag"]), key)
    if where["type"] == "upload":
        return None  # files carry no tag to look for: shared again (see bot/notices.Upload)
    if where["type"] == "channel":
        found_id = messenger.find_channel(where["name"])
        return {"id": found_id} if found_id else None
    target = where["channel"] if where["type"] == "post" else where["user"]
    ref = messenger.find_tagged(target, tag, since=since, thread_ts=where.get("thread_ts"))
    return {"channel": ref.channel, "ts": ref.ts} if ref else None


@dataclass
class Job:
    """One claim on one notice: rounds of prepare -> call -> record until its plan is said."""

    sessions: sessionmaker[Session]
    reads: sessionmaker[Session]  # units that only read (storage/db.py): where handlers plan
    messenger: Messenger
    make_ctx: Callable[[Session, datetime], Ctx]
    live: Callable[[str], bool]
    handler: NoticeHandler[Ctx]
    notice_id: int
    claims: int
    payload: NoticePayload
    now: datetime
    expires_at: datetime | None
    progress: Progress
    pace: Pace
    status: str = SENDING
    outbox: Outbox = field(default_factory=Outbox)

    def run(self) -> bool:
        """Deliver the notice; True when it ended sent, False when skipped."""
        for _ in range(MAX_ROUNDS):
            if self.progress.doubt:
                self._resolve()
            plan = self._prepare()
            self._call(plan)
            self._record(plan)
            if not plan.again:
                return self.status == NoticeStatus.SENT
        raise RuntimeError(f"notice {self.notice_id} asked for more than {MAX_ROUNDS} rounds")

    # --- the steps ------------------------------------------------------------------------------

    def _resolve(self) -> None:
        """Look for each call in doubt; a lookup that fails leaves the notice in doubt."""
        for key, doubt in list(self.progress.doubt.items()):
            found = look_for(self.messenger, key, doubt)
            if found is not None:
                self.progress.done[key] = found
            del self.progress.doubt[key]
            self._write({"progress": self.progress.json()})

    def _prepare(self) -> Plan[Ctx]:
        """The handler's plan, from a unit of work that only reads (see ``_plan``)."""
        if not self.progress.done and self.expires_at is not None and self.expires_at < self.now:
            raise Skip("expired before it could be sent")
        waited = False
        while True:
            try:
                return self._plan()
            except NotYet as exc:
                if exc.behind is None or self.live(exc.behind):
                    raise
                if waited:
                    raise Skip(f"{exc}, and what it waits on ended without going out") from exc
                waited = True  # it may have gone out a moment ago: look once more

    def _plan(self) -> Plan[Ctx]:
        """Run the handler where it can only read: no transaction around its statements (on
        PostgreSQL no BEGIN and ROLLBACK; on SQLite no write lock while it renders). A handler
        that tries to write or lock (even one that then catches the refusal) runs again from
        the start in a transaction that is rolled back, as every handler once did."""
        plan = only_reading(
            self.reads, lambda s: self.handler(self.make_ctx(s, self.now), self.payload)
        )
        if not isinstance(plan, WriteNeeded):
            return plan
        with self.sessions() as session:
            try:
                return self.handler(self.make_ctx(session, self.now), self.payload)
            finally:
                session.rollback()

    def _call(self, plan: Plan[Ctx]) -> None:
        todo = [c for c in plan.calls if c.key not in self.progress.done]
        targets = [c.adds_to for c in todo if c.adds_to is not None]
        if targets and (until := self.pace(self.notice_id, targets)) is not None:
            raise Paced(until)
        for i, call in enumerate(todo):
            if call.idempotent:
                perform(self.messenger, call, Tag(self.notice_id, call.key))
                continue
            self.progress.doubt[call.key] = {
                "tag": self.notice_id,
                "since": self.now.isoformat(),
                "call": _where(call),
            }
            # Committed before the call: if this process dies now, the call is in doubt. After
            # another call that may post, this also commits that one's result (see below).
            values: dict[str, Any] = {"claimed_at": self.now, "progress": self.progress.json()}
            if self.status != CALLING:
                values["status"] = CALLING
            self._write(values)
            try:
                result = perform(self.messenger, call, Tag(self.notice_id, call.key))
            except DeliveryUnknown as exc:
                raise InDoubt(str(exc)) from exc
            except Exception:
                del self.progress.doubt[call.key]  # Slack answered: it did not happen
                raise
            del self.progress.doubt[call.key]
            self.progress.done[call.key] = result
            # Its result is committed with the next write: the record after the last call, the
            # next call's own write before one that may post. Only idempotent calls next need
            # one of their own, so that the row is not in doubt while they are made. Until then
            # the row still shows this call in doubt: a process dying meanwhile has it looked
            # for and found, never made again.
            if i < len(todo) - 1 and todo[i + 1].idempotent:
                self._write({"status": SENDING, "progress": self.progress.json()})

    def _record(self, plan: Plan[Ctx]) -> None:
        """The plan's writes and the notice's new status, in one transaction."""
        with transaction(self.sessions) as session:
            ctx = self.make_ctx(session, self.now)
            if plan.record is not None:
                plan.record(ctx, self.progress.sent())
            if plan.again:  # claimed still, for the next round
                values: dict[str, Any] = {"status": SENDING} if self.status == CALLING else {}
            elif plan.skip is not None and not self.progress.done:
                values = {"status": NoticeStatus.SKIPPED, "last_error": plan.skip[:2000]}
            else:  # said, if only by an earlier attempt
                values = {"status": NoticeStatus.SENT, "sent_at": self.now, "last_error": plan.skip}
            self._move(session, {**values, "progress": self.progress.json()})
            outbox = ctx.outbox
        self.status = values.get("status", self.status)
        self.outbox.extend(outbox)

    # --- writing to the claimed row -------------------------------------------------------------

    def _write(self, values: dict[str, Any]) -> None:
        with transaction(self.sessions) as session:
            self._move(session, values)
        self.status = values.get("status", self.status)

    def _move(self, session: Session, values: dict[str, Any]) -> None:
        if not queue.move(
            session, self.notice_id, self.claims, expected={self.status}, values=values
        ):
            raise LostClaim(f"notice {self.notice_id}: another process took it over")
