"""The notice queue: announcements, reminders and digests as rows, each delivered exactly once.

Areas declare a handler per notice kind, with the model of what its rows carry (a
``NoticePayload``, bot/payloads.py), and, where they have recurring work, a planner that writes
upcoming rows (``add_notice_kind``, ``add_planner`` in bot/registry.py).

A handler never talks to Slack. It *plans* what to say, and the dispatcher says it, so that no
database transaction (nor SQLite's write lock) is ever held while Slack is called:

1. **prepare** (the handler itself): ``handler(ctx, payload) -> Plan``, run in a unit of work
   that only reads (no transaction around its statements; a handler that tries to write runs
   again in a transaction that is rolled back, so what it wrote is never committed). It loads
   what it needs, renders, and returns the calls to make
   (``Post``, ``Dm``, ``Update``, ``PublishHome``, ``CreateChannel``, ``Invite``, ``Archive``,
   ``Upload``), or raises
   ``Skip`` (nothing to say any more) or ``NotYet`` (it depends on a notice not out yet).
2. **call**: the dispatcher makes the calls in order, outside any transaction, committing
   before each call that may post that it is about to start it, and after it what it delivered.
3. **record**: ``plan.record(ctx, sent)`` runs in a fresh unit of work, with what was delivered
   (``sent[call]``: a ``MessageRef`` for posts and DMs, a channel id for ``CreateChannel``), and
   writes what must follow (a message ts to edit later, the next reminder, an audit record). The
   notice is marked sent in that same transaction. Record loads rows again by id: what prepare
   loaded belongs to a unit of work that is gone.

``Plan.again`` asks for another round (prepare, call, record) once this one is recorded, for a
call that needs an earlier one's result (a post in a channel just created). ``Plan(record=...,
skip="why")`` says nothing but still writes (e.g. the next reminder of a quiet incident).

Each call has a ``key`` (its method and target unless given): calls already delivered by an
earlier attempt of the same notice are not made again, and their results still reach record.
Posts and DMs carry Slack message metadata naming the notice and the key, so one whose answer
was lost is found in the conversation's history instead of being posted twice. Updates, Home
publishes and invites are idempotent and are simply repeated.

Each call's ``adds_to`` names the conversation it adds a message to (posts, DMs, files; None for
the rest): those are paced per conversation (bot/pacing.py); a notice whose round would add one
to a conversation that has had its burst is put back until its turn before that round's calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar

from bot.messenger import Message, MessageRef

C = TypeVar("C")  # the unit of work record is handed: bot.context.Ctx


class Skip(Exception):
    """Raised by a handler when its notice is no longer relevant (e.g. the incident is resolved)."""


class NotYet(Exception):
    """Raised by a handler whose notice depends on another that has not gone out yet.

    Two requests a moment apart (raise, then acknowledge) flush on different threads, so the
    edit of an announcement can come before the announcement. It is retried within seconds.
    ``behind`` (a SQL LIKE pattern of dedupe keys) names the notices it waits on: it then waits
    as long as one of them is on its way (they are made again when they fail), and is skipped
    once none is, instead of waiting a fixed hour and failing.
    """

    def __init__(self, reason: str, *, behind: str | None = None):
        super().__init__(reason)
        self.behind = behind


@dataclass(frozen=True)
class Post:
    channel: str
    message: Message
    thread_ts: str | None = None
    part: str | None = None  # the key, when one notice posts twice to the same place

    idempotent = False

    @property
    def key(self) -> str:
        return self.part or f"post:{self.channel}:{self.thread_ts or ''}"

    @property
    def adds_to(self) -> str | None:
        return self.channel


@dataclass(frozen=True)
class Dm:
    user: str
    message: Message
    part: str | None = None

    idempotent = False

    @property
    def key(self) -> str:
        return self.part or self.key_for(self.user)

    @property
    def adds_to(self) -> str | None:
        return self.user  # the app's DM with them

    @staticmethod
    def key_for(user: str) -> str:
        return f"dm:{user}"


@dataclass(frozen=True)
class Update:
    ref: MessageRef
    message: Message

    idempotent = True
    adds_to = None  # an edit adds no message: it is not paced (bot/pacing.py)

    @property
    def key(self) -> str:
        return f"update:{self.ref.channel}:{self.ref.ts}"


@dataclass(frozen=True)
class PublishHome:
    user: str
    view: dict[str, Any]

    idempotent = True
    adds_to = None

    @property
    def key(self) -> str:
        return f"home:{self.user}"


@dataclass(frozen=True)
class CreateChannel:
    name: str

    idempotent = False
    adds_to = None

    @property
    def key(self) -> str:
        return f"channel:{self.name}"


@dataclass(frozen=True)
class Invite:
    channel: str
    users: tuple[str, ...]

    idempotent = True
    adds_to = None

    @property
    def key(self) -> str:
        return f"invite:{self.channel}"


@dataclass(frozen=True)
class Archive:
    channel: str

    idempotent = True  # archiving an archived channel changes nothing
    adds_to = None

    @property
    def key(self) -> str:
        return f"archive:{self.channel}"


@dataclass(frozen=True)
class Upload:
    """Share a file in a channel, or in the app's DM with a user (a ``U...`` id).

    A file cannot be looked for like a tagged post: one whose answer was lost is shared again
    (a second copy rather than none). ``part`` tells two files of one notice apart.
    """

    target: str
    filename: str
    content: bytes
    title: str
    comment: str | None = None
    part: str | None = None

    idempotent = False

    @property
    def key(self) -> str:
        return self.part or f"upload:{self.target}:{self.filename}"

    @property
    def adds_to(self) -> str | None:
        return self.target


Call: TypeAlias = Post | Dm | Update | PublishHome | CreateChannel | Invite | Archive | Upload


@dataclass(frozen=True)
class Sent:
    """What a notice's calls delivered, by key: every attempt's, not only this round's."""

    results: Mapping[str, Any] = field(default_factory=dict)

    def get(self, call: Call) -> Any:
        return self.results.get(call.key)

    def __getitem__(self, call: Post | Dm) -> MessageRef:
        found = self.results.get(call.key)
        if not isinstance(found, MessageRef):
            raise KeyError(call.key)
        return found

    def channel(self, call: CreateChannel) -> str:
        found = self.results.get(call.key)
        if not isinstance(found, str):
            raise KeyError(call.key)
        return found

    def __contains__(self, call: object) -> bool:
        key = getattr(call, "key", None)
        return isinstance(key, str) and self.results.get(key) is not None


Record: TypeAlias = Callable[[C, Sent], None]


@dataclass(frozen=True)
class Plan(Generic[C]):
    """What a notice says (``calls``, in order) and what it writes once they went out."""

    calls: tuple[Call, ...] = ()
    record: Record[C] | None = None
    again: bool = False  # prepare once more after recording: a later call needs this round's
    skip: str | None = None  # nothing to say, but ``record`` still runs: ends as skipped

    def __post_init__(self) -> None:
        keys = [c.key for c in self.calls]
        if len(keys) != len(set(keys)):
            raise ValueError(f"two calls of one plan share a key: {keys}; give them parts")
        if self.skip is not None and self.calls:
            raise ValueError("a plan that says nothing has no calls")


def say(*calls: Call, record: Record[C] | None = None) -> Plan[C]:
    """The common plan: make these calls, then (optionally) record what they delivered."""
    return Plan(tuple(calls), record)
