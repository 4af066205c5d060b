"""A sweep with a backlog: 10,000 pending notices, 1,000 of them due, sent by the scheduler.

Not part of the default run; run it with
`.venv/bin/python -m pytest -m benchmark -s -n0 tests/benchmarks/test_notice_sweep.py`.
On PostgreSQL (and SQLite), a declared notice kind posts one message to one of 20 channels (50
due in each); 9,000 more are due over the next day. Ticks are run as the scheduler runs them
(up to its batches per tick, then a wake-up at the next due time) with a Slack stand-in that
answers at once, until the backlog is out. The runtime's clock runs on real time, and where the
scheduler would sleep until its wake-up the clock is moved there instead (as the console's
`clock` does), so a paced backlog takes its paced time on the clock but not on the wall.

Each database runs twice, taking turns: without pacing (as before it was added) and with the
default pacing (bot/pacing.py). It prints, for each: how long the backlog took by the clock,
how long the sweeps worked (wall time, the waits left out), the ticks, the statements per
notice, and how the posts were paced: the most posts one channel got within any 1 s, and the
per-channel rate (posts per second, from a channel's first post to its last, the slowest and
fastest channel). It asserts that exactly the 1,000 due were sent, each once, and with pacing
that no channel got more than its burst and one more within any second.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from bot.context import Ctx
from bot.messenger import Message
from bot.notices import Plan, Post, say
from bot.payloads import NoticePayload
from bot.runtime import Runtime
from bot.scheduler import MAX_BATCHES, wake_in
from storage.db import make_engine, unbounded
from storage.migrate import upgrade
from storage.models import Notice, NoticeStatus
from tests.conftest import PG_URL
from tests.recording import RecordingMessenger
from tests.scale import bench_runtime, counting
from tests.serving import free_port

pytestmark = pytest.mark.benchmark

PENDING = int(os.environ.get("OPSDESK_SWEEP_PENDING", "10000"))
DUE = int(os.environ.get("OPSDESK_SWEEP_DUE", "1000"))
CHANNELS = 20


class BenchPost(NoticePayload):
    channel: str
    n: int


def _post(ctx: Ctx, payload: BenchPost) -> Plan[Ctx]:
    return say(Post(payload.channel, Message(f"backlog {payload.n}")))


class TimedMessenger(RecordingMessenger):
    """Records when (by the runtime's clock, in seconds) each channel got each post."""

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.rt: Runtime | None = None

    def post(self, channel: str, message: Message, **kwargs: Any) -> Any:
        assert self.rt is not None
        self.times[channel].append(self.rt.clock.now().timestamp())
        return super().post(channel, message, **kwargs)


def _engine(kind: str, tmp_path: Path) -> tuple[Engine, str | None]:
    if kind == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'sweep.db'}"), None
    schema = f"opsdesk_sweep_{free_port()}"
    with make_engine(PG_URL).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}), schema


def _seed(engine: Engine, now: datetime) -> None:
    rows = []
    for i in range(PENDING):
        channel = f"C_BACKLOG_{i % CHANNELS:02d}"
        due = (
            now - timedelta(minutes=1)
            if i < DUE
            else now + timedelta(seconds=86400 * i / PENDING + 60)
        )
        rows.append(
            {
                "kind": "bench.post",
                "payload": {"channel": channel, "n": i},
                "dedupe_key": f"bench:{i}",
                "due_at": due,
                "status": NoticeStatus.PENDING,
                "attempts": 0,
                "created_at": now - timedelta(minutes=2),
                "progress": {},
                "claims": 0,
            }
        )
    with unbounded(), engine.begin() as conn:
        conn.execute(insert(Notice), rows)


def _max_per_second(stamps: list[float]) -> int:
    best, start = 0, 0
    for end, t in enumerate(stamps):
        while t - stamps[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _rate(stamps: list[float]) -> float:
    """Posts per second from a channel's first post to its last."""
    span = stamps[-1] - stamps[0]
    return (len(stamps) - 1) / span if span > 0 else float("inf")


def _sweep(rt: Runtime, until: datetime) -> tuple[int, int, float]:
    """Ticks as bot/scheduler.py runs them, each followed by its wake-up (the clock moved to it,
    not waited for), until nothing falls due before ``until``; (sent, ticks, wall seconds)."""
    sent, ticks, worked = 0, 0, 0.0
    while True:
        ticks += 1
        began = time.perf_counter()
        for _ in range(MAX_BATCHES):
            batch = rt.dispatcher.run_batch()
            sent += batch.sent
            if not (batch.sent or batch.paced):
                break
        due = rt.dispatcher.next_due()
        worked += time.perf_counter() - began
        if due is None or due >= until:
            return sent, ticks, worked
        now = rt.clock.now()
        rt.clock.set(now + wake_in(due, now))


@pytest.mark.parametrize("paced", [False, True], ids=["unpaced", "paced"])
@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_backlog_of_due_notices(kind: str, paced: bool, tmp_path: Path) -> None:
    engine, schema = _engine(kind, tmp_path)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        messenger = TimedMessenger()
        rt = bench_runtime(engine, messenger)
        messenger.rt = rt
        rt.dispatcher.pacing = paced
        rt.registry.add_notice_kind("bench.post", _post, payload=BenchPost)
        _seed(engine, now)  # after start-up, which refuses rows of a kind nobody declared
        began = rt.clock.now()
        with counting(engine) as seen:
            sent, ticks, worked = _sweep(rt, until=now + timedelta(hours=1))
        took = (rt.clock.now() - began).total_seconds()
        engine.dispose()
    finally:
        if schema:
            with make_engine(PG_URL).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    assert sent == DUE
    texts = [s.message.text for s in messenger.of("post") if s.message is not None]
    assert len(set(texts)) == DUE
    most = max(_max_per_second(stamps) for stamps in messenger.times.values())
    rates = [_rate(stamps) for stamps in messenger.times.values()]
    if paced:
        assert most <= rt.config.delivery.burst + 1
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n{kind} {'paced' if paced else 'unpaced'}: {PENDING:,} pending, {DUE:,} due over "
        f"{CHANNELS} channels: sent {sent:,} in {took:.1f} s by the clock, the sweeps working "
        f"{worked:.1f} s over {ticks} tick(s), {seen.count / sent:.1f} statements per notice; "
        f"most posts to one channel within 1 s: {most}; per channel {min(rates):.2f} to "
        f"{max(rates):.2f} posts/s; load average {load}"
    )
