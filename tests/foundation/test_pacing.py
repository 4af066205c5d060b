"""Pacing per conversation: a burst at once, then about one message a second, and a busy channel
never holds back another. Time is frozen and moved by hand; nothing sleeps."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.config import Config, ConfigError, load_config, parse_config
from bot.console.shell import build_console
from bot.context import Ctx
from bot.messenger import Message, MessageRef, RateLimited
from bot.notices import Dm, Plan, Post, Update, say
from bot.pacing import Pacer
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime, build_runtime
from bot.scheduler import Scheduler, wake_in
from bot.settings import Settings
from storage.models import Notice
from tests.conftest import EXAMPLE
from tests.foundation.test_cli import run
from tests.recording import RecordingMessenger

pytestmark = pytest.mark.areas()
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


class To(NoticePayload):
    channel: str
    n: int


class Busy(NoticePayload):
    channel: str


class Edit(NoticePayload):
    ts: str


def _post(ctx: Ctx, payload: To) -> Plan[Ctx]:
    return say(Post(payload.channel, Message(f"{payload.channel} {payload.n}")))


def _announce(ctx: Ctx, payload: Busy) -> Plan[Ctx]:
    """What one request may queue for one channel: an announcement, a note in its thread, an
    edit of an earlier message, and a word to the person who asked."""
    return say(
        Post(payload.channel, Message("announcement")),
        Post(payload.channel, Message("in the thread"), thread_ts="1.1", part="note"),
        Update(MessageRef(payload.channel, "1.0"), Message("edited")),
        Dm("U_ALICE", Message("done")),
    )


def _edit(ctx: Ctx, payload: Edit) -> Plan[Ctx]:
    return say(Update(MessageRef("C1", payload.ts), Message("edited")))


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("test.to", _post, payload=To)
    registry.add_notice_kind("test.busy", _announce, payload=Busy)
    registry.add_notice_kind("test.edit", _edit, payload=Edit)


def _clocked(messenger: RecordingMessenger, runtime: Runtime) -> list[tuple[str, datetime]]:
    """(channel, when) for every post from now on, by the runtime's clock."""
    seen: list[tuple[str, datetime]] = []
    real_post = messenger.post

    def post(channel: str, message: Message, **how: Any) -> Any:
        seen.append((channel, runtime.clock.now()))
        return real_post(channel, message, **how)

    messenger.post = post  # type: ignore[method-assign]
    return seen


def _queue(unit, *notices: tuple[str, int]) -> None:
    with unit() as ctx:
        for channel, n in notices:
            ctx.notify("test.to", To(channel=channel, n=n))


def _drain(scheduler: Scheduler, frozen) -> None:
    """Sweep now, then each time something falls due (as the scheduler's wake-ups would),
    until nothing is left."""
    while True:
        scheduler.tick()
        due = scheduler.rt.dispatcher.next_due()
        if due is None:
            return
        frozen.move_to(max(due, scheduler.rt.clock.now()))


def _rows(runtime: Runtime) -> list[tuple[str, int, str | None]]:
    with runtime.sessions() as s:
        rows = s.execute(
            select(Notice.status, Notice.attempts, Notice.last_error).order_by(Notice.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# --- the buckets on their own ---------------------------------------------------------------


def _taker(pacer: Pacer, burst: int = 4, per_second: float = 1.0) -> Callable[..., Any]:
    def take(notice_id: int, *targets: str, at: datetime) -> datetime | None:
        return pacer.take(notice_id, targets, at, burst=burst, per_second=per_second)

    return take


def test_a_burst_goes_at_once_then_one_a_second_each_turn_reserved() -> None:
    take = _taker(Pacer())
    assert [take(n, "C1", at=T0) for n in range(1, 5)] == [None] * 4
    assert [take(n, "C1", at=T0) for n in range(5, 8)] == [T0 + SECOND * k for k in (1, 2, 3)]
    assert take(9, "C2", at=T0) is None  # another channel has its own bucket
    assert take(6, "C1", at=T0 + SECOND) == T0 + 2 * SECOND  # looked at early: the same turn
    assert take(5, "C1", at=T0 + SECOND) is None  # its turn: it goes without a new token
    assert take(10, "C1", at=T0 + SECOND) == T0 + 4 * SECOND  # behind those waiting


def test_turns_that_came_due_together_go_no_faster_than_the_pace() -> None:
    """The sweep fell behind: by the time it comes back to them, eight turns are due."""
    take = _taker(Pacer())
    assert [take(n, "C1", at=T0) for n in range(1, 13)][4:] == [
        T0 + SECOND * k for k in range(1, 9)
    ]
    late = T0 + 10 * SECOND
    outcomes = [take(n, "C1", at=late) for n in range(5, 13)]
    assert outcomes[:4] == [None] * 4  # the bucket has refilled: a burst, no more
    assert outcomes[4:] == [late + SECOND * k for k in (1, 2, 3, 4)]  # the rest: the back
    assert take(13, "C1", at=late) == late + 5 * SECOND  # a newcomer queues behind them
    assert take(9, "C1", at=late + SECOND) is None


def test_the_rate_and_the_burst_are_as_configured() -> None:
    take = _taker(Pacer(), burst=2, per_second=4)
    quarter = SECOND / 4
    assert [take(n, "C1", at=T0) for n in range(4)] == [None, None, T0 + quarter, T0 + 2 * quarter]


def test_one_round_needs_a_token_per_message_and_more_than_a_burst_waits_for_a_full_one() -> None:
    take = _taker(Pacer(), burst=4)
    assert take(1, "C1", "C1", "C2", at=T0) is None
    assert take(2, "C1", "C1", "C1", at=T0) == T0 + SECOND  # two left in C1: one more second
    assert take(3, *["C3"] * 6, at=T0) is None  # more than a burst: the bucket is full, it goes
    assert take(4, "C3", at=T0) == T0 + 3 * SECOND  # and C3 owes the two beyond its burst


def test_idle_buckets_and_unused_turns_are_forgotten() -> None:
    pacer = Pacer()
    take = _taker(pacer, burst=1)
    for n in range(200):
        take(n, f"C{n % 100}", at=T0)
    assert pacer.busy() == 100
    take(1000, "C_OTHER", at=T0 + timedelta(minutes=2))
    assert pacer.busy() == 1  # only the one just used
    take(2000, "C_OTHER", at=T0 + timedelta(hours=1))
    assert pacer._turns == {}  # the turns nobody came back for


def test_a_clock_set_back_forgets_rather_than_holds() -> None:
    take = _taker(Pacer(), burst=1)
    take(1, "C1", at=T0 + timedelta(days=30))
    assert take(2, "C1", at=T0) is None
    assert take(3, "C1", at=T0) == T0 + SECOND  # and from then on it paces as before


# --- the sweep ----------------------------------------------------------------------------------


def test_a_backlog_to_one_channel_goes_a_burst_then_one_a_second(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    seen = _clocked(messenger, runtime)
    with freeze_time(T0) as frozen:
        _queue(unit, *[("C1", n) for n in range(12)])
        _drain(Scheduler(runtime), frozen)
    assert [at for _, at in seen] == [T0] * 4 + [T0 + SECOND * k for k in range(1, 9)]
    assert [s.message.text for s in messenger.of("post")] == [f"C1 {n}" for n in range(12)]
    # Waiting for its turn is neither an attempt nor an error.
    assert _rows(runtime) == [("sent", 1, None)] * 12


def test_a_backlog_on_one_channel_does_not_delay_another(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    seen = _clocked(messenger, runtime)
    with freeze_time(T0):
        # More than two batches of the sweep for C1 first (the second sends nothing at all):
        # C2's are behind all of them.
        _queue(unit, *[("C1", n) for n in range(250)], ("C2", 0), ("C2", 1))
        assert Scheduler(runtime).tick() == 4 + 2
    assert [(c, at) for c, at in seen if c == "C2"] == [("C2", T0), ("C2", T0)]
    with runtime.sessions() as s:
        waiting = s.scalars(select(Notice.due_at).where(Notice.status == "pending")).all()
        attempts = set(s.scalars(select(Notice.attempts).where(Notice.status == "pending")))
    assert len(waiting) == 246 and attempts == {0}
    # Each has its own turn, a second apart: the next sweeps find one at a time.
    assert sorted(w.replace(tzinfo=UTC) for w in waiting) == [
        T0 + SECOND * k for k in range(1, 247)
    ]


def test_what_one_request_queues_for_a_channel_goes_at_once(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(T0):
        for notices in (
            [Busy(channel="C1"), To(channel="C1", n=1)],
            [Edit(ts="1.0"), To(channel="C1", n=2)],  # the burst's last post
            [Edit(ts="1.0"), To(channel="C1", n=3)],  # its turn is in a second: the edit is not
        ):
            with unit() as ctx:
                for payload in notices:
                    kind = {Busy: "test.busy", To: "test.to", Edit: "test.edit"}[type(payload)]
                    ctx.notify(kind, payload)
            runtime.after_response(ctx.outbox)
    assert [(s.method, s.target) for s in messenger.sent] == [
        ("post", "C1"),
        ("post", "C1"),
        ("update", "C1"),
        ("dm", "U_ALICE"),
        ("post", "C1"),
        ("update", "C1"),
        ("post", "C1"),
        ("update", "C1"),
    ]
    statuses = [status for status, _, _ in _rows(runtime)]
    assert statuses == ["sent"] * 5 + ["pending"]


def test_a_request_whose_channel_is_busy_leaves_its_notice_to_the_sweep(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    scheduler = Scheduler(runtime)
    with freeze_time(T0) as frozen:
        _queue(unit, *[("C1", n) for n in range(4)])
        scheduler.tick()
        with unit() as ctx:
            ctx.notify("test.to", To(channel="C1", n=4))
        runtime.after_response(ctx.outbox)
        assert len(messenger.of("post")) == 4
        assert runtime.dispatcher.next_due() == T0 + SECOND
        _drain(scheduler, frozen)
    assert [s.message.text for s in messenger.of("post")][-1] == "C1 4"


def test_a_notice_put_back_is_sent_once_by_the_next_process(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(T0) as frozen:
        _queue(unit, *[("C1", n) for n in range(7)])
        first = Scheduler(runtime)
        assert first.tick() == 4
        # The process stops; another starts on the same database, with buckets of its own.
        first.shutdown()
        other = RecordingMessenger()
        restarted = build_runtime(
            runtime.settings,
            runtime.config,
            other,
            runtime.registry,
            clock=runtime.clock,
            engine=runtime.engine,
            synchronous=True,
        )
        seen = _clocked(other, restarted)
        _drain(Scheduler(restarted), frozen)
        assert runtime.dispatcher.run_due() == 0  # nothing left for the first, were it running
    assert [at for _, at in seen] == [T0 + SECOND * k for k in (1, 2, 3)]
    texts = [s.message.text for s in (*messenger.of("post"), *other.of("post"))]
    assert sorted(texts) == sorted(f"C1 {n}" for n in range(7))
    assert [tag.notice_id for tag in (s.tag for s in other.of("post")) if tag] == [5, 6, 7]
    assert _rows(runtime) == [("sent", 1, None)] * 7


def test_a_429_still_waits_for_retry_after_and_counts_as_an_attempt(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    real_post = messenger.post
    limited = {"C1"}

    def post(channel: str, message: Message, **how: Any) -> Any:
        if channel in limited:
            limited.discard(channel)
            raise RateLimited("chat.postMessage", 90)
        return real_post(channel, message, **how)

    messenger.post = post  # type: ignore[method-assign]
    with freeze_time(T0) as frozen:
        _queue(unit, ("C1", 0), ("C2", 0))
        scheduler = Scheduler(runtime)
        scheduler.tick()
        with runtime.sessions() as s:
            row = s.scalars(select(Notice).where(Notice.id == 1)).one()
            assert (row.status, row.attempts) == ("pending", 1)
            assert row.due_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=90)
            assert "rate limit" in (row.last_error or "")
        assert [s.target for s in messenger.of("post")] == ["C2"]
        _drain(scheduler, frozen)
        assert runtime.clock.now() == T0 + timedelta(seconds=90)
    assert sorted(s.message.text for s in messenger.of("post")) == ["C1 0", "C2 0"]


# --- settings -----------------------------------------------------------------------------------


def test_the_defaults_are_a_burst_of_four_and_one_a_second() -> None:
    delivery = load_config(EXAMPLE).delivery
    assert (delivery.burst, delivery.per_second) == (4, 1.0)


@pytest.mark.parametrize(
    ("section", "where", "says"),
    [
        ({"burst": 0}, "delivery.burst", "greater than or equal to 1"),
        ({"per_second": 0}, "delivery.per_second", "greater than 0"),
        ({"per_second": "fast"}, "delivery.per_second", "number"),
        ({"rate": 1}, "delivery.rate", "Extra inputs"),
    ],
)
def test_bad_delivery_settings_are_located_errors(section: dict, where: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"delivery": section}, "opsdesk.toml")
    text = "\n".join(caught.value.errors)
    assert where in text and says.lower() in text.lower(), text


def test_check_config_names_a_bad_delivery_setting(tmp_path: Path) -> None:
    bad = tmp_path / "opsdesk.toml"
    bad.write_text("[delivery]\nburst = 100\n")
    result = run("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "delivery.burst" in result.stderr and "Traceback" not in result.stderr


def test_a_slower_pace_from_the_config(
    runtime: Runtime, unit, messenger: RecordingMessenger, config: Config
) -> None:
    runtime.dispatcher.config = config.model_copy(
        update={"delivery": parse_config({"delivery": {"burst": 1, "per_second": 0.5}}).delivery}
    )
    seen = _clocked(messenger, runtime)
    with freeze_time(T0) as frozen:
        _queue(unit, *[("C1", n) for n in range(3)])
        _drain(Scheduler(runtime), frozen)
    assert [at for _, at in seen] == [T0, T0 + 2 * SECOND, T0 + 4 * SECOND]


def test_the_console_does_not_pace(settings: Settings, config: Config, engine) -> None:
    console = build_console(settings, config, engine, io.StringIO())
    with freeze_time(T0):
        console.run_lines([f"/incident raise Outage {n} sev3" for n in range(6)])
    out = console.out.getvalue()  # type: ignore[attr-defined]
    for n in range(6):  # each announced right after its command, in one frozen instant
        assert f"#incidents  @opsdesk:\n  INC-{n + 1} · SEV3 · OUTAGE {n}" in out


def test_the_scheduler_wakes_at_most_once_a_second() -> None:
    """Turns of many channels fall anywhere within a second: one wake-up sends them together."""
    assert wake_in(T0 + SECOND / 5, T0) == SECOND
    assert wake_in(T0 - SECOND, T0) == SECOND  # more is due at once: a second's pause
    assert wake_in(T0 + 40 * SECOND, T0) == 40 * SECOND
