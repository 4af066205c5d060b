"""What a scrape of /metrics costs as the notice history grows, and what counting costs a call.

Not part of the default run: `.venv/bin/python -m pytest -m benchmark -s
tests/benchmarks/test_metrics_scrape.py`. Each database gets 10k incidents (tests/scale.py at 1x)
and 10k, then 100k, sent notices beside a queue of 30 due, 200 planned and 5 failed; it prints
the median time of a scrape (the counters and the database's gauges, rendered as text).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from bot import metrics
from bot.app import start_runtime
from bot.clock import Clock
from bot.config import load_config
from bot.settings import Settings
from tests.benchmarks.test_data_scale import _database
from tests.conftest import EXAMPLE
from tests.metrics.test_metrics_scale import _notices
from tests.recording import RecordingMessenger
from tests.scale import seed

pytestmark = pytest.mark.benchmark
REPEAT = 30


def _median_ms(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_scrape_cost(kind: str, tmp_path: Path) -> None:
    print(f"\n{kind}: median of {REPEAT} scrapes")
    for history in (10_000, 100_000):
        with _database(kind, tmp_path, history) as engine:
            settings = Settings(
                _env_file=None, DATABASE_URL=str(engine.url), SLACK_BOT_TOKEN="xoxb-bench"
            )
            rt = start_runtime(
                settings, load_config(EXAMPLE), RecordingMessenger(), clock=Clock(), engine=engine
            )
            seed(rt, 1.0, now=datetime.now(UTC))
            _notices(engine, history)
            scrape = partial(metrics.exposition, rt)
            size = len(scrape())
            took = _median_ms(scrape)
            print(f"  {history:>7,} sent notices: {took:.1f} ms ({size:,} bytes)")


def test_recording_cost() -> None:
    n = 100_000
    for name, fn in [
        ("request_done", lambda: metrics.request_done("/incident list", "ok", 0.003)),
        ("slack_call", lambda: metrics.slack_call("chat.postMessage", "ok", 0.12)),
        ("notice_sent", lambda: metrics.notice_sent("incident.announce")),
    ]:
        fn()
        start = time.perf_counter()
        for _ in range(n):
            fn()
        print(f"\n  {name}: {(time.perf_counter() - start) / n * 1e6:.1f} us a call")
