"""What delivering a notice costs the database, held to a number: every statement is a round
trip, and the sweep and the after-response threads pay them for every notice they send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, event, func, select

from bot import delivery
from bot.context import Ctx
from bot.messenger import Message, MessageRef, Tag
from bot.notices import Plan, Post, Update, say
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime
from storage.db import WriteNeeded
from storage.models import AuditEvent, Notice
from tests.recording import RecordingMessenger
from tests.scale import counting

pytestmark = pytest.mark.areas()
NOW = "2026-12-01 09:00:00"


class Hello(NoticePayload):
    channel: str


class Nothing(NoticePayload):
    pass


def _hello(ctx: Ctx, payload: Hello) -> Plan[Ctx]:
    return say(Post(payload.channel, Message("hello")))


def _counted(ctx: Ctx, payload: Nothing) -> Plan[Ctx]:
    """Reads before it says anything, as most handlers do; in a savepoint, as digests do."""
    with ctx.session.begin_nested():
        count = ctx.session.scalar(select(func.count()).select_from(Notice))
    return say(Post("C1", Message(f"{count} notices")))


def _writes_and_swallows(ctx: Ctx, payload: Nothing) -> Plan[Ctx]:
    """A handler that writes while it plans, and catches what that raised (as a digest
    section that fails is left out): its plan where the write was refused is not used."""
    try:
        ctx.audit("test", 1, "prepared")
        ctx.session.flush()
        said = "written"
    except WriteNeeded:
        said = "refused"
    return say(Post("C1", Message(said)))


def _two_posts(ctx: Ctx, payload: Nothing) -> Plan[Ctx]:
    return say(Post("C1", Message("one")), Post("C2", Message("two")))


def _post_then_edit(ctx: Ctx, payload: Nothing) -> Plan[Ctx]:
    return say(Post("C1", Message("one")), Update(MessageRef("C2", "1.0"), Message("edited")))


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("test.hello", _hello, payload=Hello)
    registry.add_notice_kind("test.two", _two_posts, payload=Nothing)
    registry.add_notice_kind("test.edit", _post_then_edit, payload=Nothing)
    registry.add_notice_kind("test.counted", _counted, payload=Nothing)
    registry.add_notice_kind("test.writes", _writes_and_swallows, payload=Nothing)


def _row(runtime: Runtime, notice_id: int) -> tuple[str, list[str], list[str]]:
    """The notice as committed: its status, the calls done and those in doubt."""
    with runtime.sessions() as s:
        notice = s.scalars(select(Notice).where(Notice.id == notice_id)).one()
        return notice.status, sorted(notice.progress["done"]), sorted(notice.progress["doubt"])


def _watching(runtime: Runtime, messenger: RecordingMessenger, seen: list[Any]) -> None:
    """Each post and edit first notes the row as committed at that moment."""
    for method in ("post", "update"):
        real = getattr(messenger, method)

        def call(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            seen.append(_row(runtime, 1))
            return _real(*args, **kwargs)

        setattr(messenger, method, call)


def _sql(statements: list[str]) -> list[str]:
    """The statements without SQLite's BEGIN IMMEDIATE (PostgreSQL's BEGIN is no statement
    the engine sees)."""
    return [s for s in statements if s != "BEGIN IMMEDIATE"]


def _heads(statements: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]) for s in _sql(statements)]


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("kind", "payload", "writes"),
    [
        # The claim reads the row it takes (UPDATE ... RETURNING), the call is marked before it
        # is made, and the record marks it sent.
        ("test.hello", Hello(channel="C1"), 3),
        # Before the second post, one write records the first and marks the second.
        ("test.two", Nothing(), 4),
        # Before an edit, the post is recorded and nothing is left in doubt.
        ("test.edit", Nothing(), 4),
    ],
    ids=["one-post", "two-posts", "post-then-edit"],
)
def test_a_notice_is_claimed_called_and_recorded_in_one_statement_a_transaction(
    runtime: Runtime,
    unit,
    engine: Engine,
    messenger: RecordingMessenger,
    kind: str,
    payload: NoticePayload,
    writes: int,
) -> None:
    with unit() as ctx:
        notice_id = ctx.notify(kind, payload)
    assert notice_id is not None
    with counting(engine) as seen:
        assert runtime.dispatcher.dispatch([notice_id]) == 1
    assert len(messenger.sent) == (1 if kind == "test.hello" else 2)
    assert _heads(seen.statements) == ["UPDATE notices SET"] * writes
    assert "RETURNING" in _sql(seen.statements)[0]  # the claim
    # One BEGIN IMMEDIATE a transaction on SQLite: no transaction without its write.
    assert seen.count == writes * (2 if engine.dialect.name == "sqlite" else 1)


@freeze_time(NOW)
def test_a_handler_reads_outside_any_transaction(
    runtime: Runtime, unit, engine: Engine, messenger: RecordingMessenger
) -> None:
    """No BEGIN, ROLLBACK or (on SQLite) write lock around what a handler reads, nor a
    SAVEPOINT: one statement for its read, and the three writes."""
    inside: list[bool] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SELECT count(*)"):
            raw = conn.connection.dbapi_connection
            sqlite = engine.dialect.name == "sqlite"
            inside.append(raw.in_transaction if sqlite else raw.info.transaction_status != 0)

    with unit() as ctx:
        assert ctx.notify("test.counted", Nothing()) == 1
    event.listen(engine, "after_cursor_execute", record)
    try:
        with counting(engine) as seen:
            assert runtime.dispatcher.dispatch([1]) == 1
    finally:
        event.remove(engine, "after_cursor_execute", record)
    assert [s.message.text for s in messenger.of("post") if s.message] == ["1 notices"]
    assert inside == [False]
    assert [h.split()[0] for h in _heads(seen.statements)] == [
        "UPDATE",
        "SELECT",
        "UPDATE",
        "UPDATE",
    ]
    assert seen.count == {"sqlite": 7, "postgresql": 4}[engine.dialect.name]


@freeze_time(NOW)
def test_a_handler_that_writes_while_planning_plans_again_in_a_transaction_rolled_back(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with unit() as ctx:
        assert ctx.notify("test.writes", Nothing()) == 1
    assert runtime.dispatcher.dispatch([1]) == 1
    assert [s.message.text for s in messenger.of("post") if s.message] == ["written"]
    with runtime.sessions() as s:  # what it wrote while planning was rolled back
        assert s.scalars(select(AuditEvent).where(AuditEvent.entity == "test")).all() == []


@freeze_time(NOW)
def test_two_posts_share_a_write_between_them_and_each_is_marked_before_it_goes(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    """Before the second post, one write both records the first (done) and marks the second
    (in doubt), where two did."""
    seen: list[Any] = []
    _watching(runtime, messenger, seen)
    with unit() as ctx:
        assert ctx.notify("test.two", Nothing()) == 1
    assert runtime.dispatcher.dispatch([1]) == 1
    assert seen == [
        ("calling", [], ["post:C1:"]),
        ("calling", ["post:C1:"], ["post:C2:"]),
    ]
    assert _row(runtime, 1) == ("sent", ["post:C1:", "post:C2:"], [])


@freeze_time(NOW)
def test_a_post_followed_by_an_edit_still_leaves_doubt_before_the_edit(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    """An idempotent call is made with nothing in doubt: a process dying during it has the
    notice simply sent again, with no lookup."""
    seen: list[Any] = []
    _watching(runtime, messenger, seen)
    with unit() as ctx:
        assert ctx.notify("test.edit", Nothing()) == 1
    assert runtime.dispatcher.dispatch([1]) == 1
    assert seen == [("calling", [], ["post:C1:"]), ("sending", ["post:C1:"], [])]


class Crash(BaseException):
    """The process dies: nothing after this line of code runs."""


def test_a_process_dying_between_two_posts_has_the_first_found_not_posted_again(
    runtime: Runtime, unit, messenger: RecordingMessenger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the first post returned and before the write that records it: the row
    still shows the first post in doubt, so it is looked for (and found) before the second."""
    real_write = delivery.Job._write
    writes: list[int] = []

    def dies_at_the_second_mark(job: delivery.Job, values: dict[str, Any]) -> None:
        writes.append(1)
        if len(writes) == 2:
            raise Crash
        real_write(job, values)

    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            notice_id = ctx.notify("test.two", Nothing())
        assert notice_id is not None
        with monkeypatch.context() as m:
            m.setattr(delivery.Job, "_write", dies_at_the_second_mark)
            with pytest.raises(Crash):
                runtime.dispatcher.run_due()
        assert _row(runtime, notice_id) == ("calling", [], ["post:C1:"])
        frozen.tick(runtime.dispatcher.lease + timedelta(seconds=1))
        assert runtime.dispatcher.run_due() == 1
    assert [(s.target, s.message.text if s.message else None) for s in messenger.of("post")] == [
        ("C1", "one"),
        ("C2", "two"),
    ]
    assert messenger.looked_for == [Tag(notice_id, "post:C1:")]
    assert _row(runtime, notice_id) == ("sent", ["post:C1:", "post:C2:"], [])
