"""A sweep with a backlog: 10,000 pending notices, 1,000 of them due, sent by the scheduler.

Not part of the default run; run it with
`.venv/bin/python -m pytest -m benchmark -s -n0 tests/benchmarks/test_notice_sweep.py`.
On PostgreSQL (and SQLite), a declared notice kind posts one message to one of 20 channels (50
due in each); 9,000 more are due over the next day. Ticks are run as the scheduler runs them
(up to its batches per tick, a wake-up at the next due time) with a Slack stand-in that answers
at once, until nothing is due. It prints how long the backlog took, notices per second, the
statements per notice, and how the posts were paced per channel: the most posts any one
channel got within one second. It asserts that exactly the 1,000 due were sent.
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
from bot.scheduler import MAX_BATCHES
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
    """Records when (wall clock) each channel got each post."""

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, list[float]] = defaultdict(list)

    def post(self, channel: str, message: Message, **kwargs: Any) -> Any:
        self.times[channel].append(time.perf_counter())
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


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_backlog_of_due_notices(kind: str, tmp_path: Path) -> None:
    engine, schema = _engine(kind, tmp_path)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        messenger = TimedMessenger()
        rt = bench_runtime(engine, messenger)
        rt.registry.add_notice_kind("bench.post", _post, payload=BenchPost)
        _seed(engine, now)  # after start-up, which refuses rows of a kind nobody declared
        sent, ticks = 0, 0
        began = time.perf_counter()
        with counting(engine) as seen:
            while True:  # a tick as bot/scheduler.py runs it, then its wake-up at once
                ticks += 1
                batch = 0
                for _ in range(MAX_BATCHES):
                    n = rt.dispatcher.run_due()
                    batch += n
                    if n == 0:
                        break
                sent += batch
                if batch == 0:
                    break
        took = time.perf_counter() - began
        engine.dispose()
    finally:
        if schema:
            with make_engine(PG_URL).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    assert sent == DUE
    per_channel = [_max_per_second(stamps) for stamps in messenger.times.values()]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n{kind}: {PENDING:,} pending, {DUE:,} due over {CHANNELS} channels: sent {sent:,} "
        f"in {took:.1f} s over {ticks} tick(s) ({sent / took:.0f}/s), "
        f"{seen.count / sent:.1f} statements per notice; most posts to one channel within "
        f"1 s: {max(per_channel)}; load average {load}"
    )
