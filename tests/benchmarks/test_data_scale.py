"""How the read commands cost as history grows: the same commands at 1x and 10x data.

Not part of the default run (timings vary with the machine); run it with
`.venv/bin/python -m pytest -m benchmark -s tests/benchmarks/test_data_scale.py`. Each database
(SQLite, PostgreSQL) is seeded in bulk at each scale (tests/scale.py: at 1x 10k incidents, 20k
bookings over +-90 days, 5k purchases, 500 maintenance windows, 100 people), and each command
runs in-process through the real Bolt app with signed requests, the scales taking turns run by
run so that other load on the machine weighs on each alike. It prints, per command, the median
time, the ratio of the largest scale to the smallest (target: at most 1.5) and how many SQL
statements one run sends. It asserts only that every command answered.

OPSDESK_BENCH_SCALES=1,10 (the default) picks the scales, OPSDESK_BENCH_REPEAT=15 the timed
runs per command.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import PG_URL
from tests.scale import COMMANDS, DIGEST, InProcess, bench_runtime, counting, seed
from tests.serving import free_port

pytestmark = pytest.mark.benchmark

SCALES = [float(s) for s in os.environ.get("OPSDESK_BENCH_SCALES", "1,10").split(",")]
REPEAT = int(os.environ.get("OPSDESK_BENCH_REPEAT", "15"))
NAMES = [*COMMANDS, DIGEST]


@contextmanager
def _database(kind: str, tmp_path: Path, scale: float) -> Iterator[Engine]:
    """An empty, migrated database of its own for one scale."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / f'scale-{scale:g}.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    schema = f"opsdesk_scale_{free_port()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _app(engine: Engine, scale: float) -> InProcess:
    rt = bench_runtime(engine)
    began = time.perf_counter()
    seed(rt, scale, now=datetime.now(UTC))
    print(f"  seeded {scale:g}x in {time.perf_counter() - began:.1f} s", flush=True)
    return InProcess(rt)


def _measure(apps: dict[float, InProcess], name: str) -> dict[float, tuple[float, int]]:
    """Median ms and statement count of ``name`` at each scale, the scales taking turns."""
    counts = {}
    for scale, app in apps.items():
        for _ in range(2):  # warm: caches, first-use imports, the planner's statistics
            app.run(name)
        with counting(app.rt.engine) as seen:
            app.run(name)
        counts[scale] = seen.count
    times: dict[float, list[float]] = {scale: [] for scale in apps}
    for _ in range(REPEAT):
        for scale, app in apps.items():
            start = time.perf_counter()
            app.run(name)
            times[scale].append((time.perf_counter() - start) * 1000)
    return {scale: (statistics.median(times[scale]), counts[scale]) for scale in apps}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_data_scale(kind: str, tmp_path: Path) -> None:
    print(f"\n{kind}: scales {', '.join(f'{s:g}x' for s in SCALES)}, median of {REPEAT} runs")
    with ExitStack() as stack:
        apps = {s: _app(stack.enter_context(_database(kind, tmp_path, s)), s) for s in SCALES}
        measured = {name: _measure(apps, name) for name in NAMES}
    results = {s: {name: measured[name][s] for name in NAMES} for s in SCALES}
    low, high = SCALES[0], SCALES[-1]
    head = " | ".join(f"{s:g}x ms" for s in SCALES)
    print(f"| command | {head} | {high:g}x/{low:g}x | statements |")
    print("|---|" + "---|" * (len(SCALES) + 2))
    for name in NAMES:
        times = " | ".join(f"{results[s][name][0]:.1f}" for s in SCALES)
        ratio = results[high][name][0] / results[low][name][0]
        counts = sorted({results[s][name][1] for s in SCALES})
        print(f"| `{name}` | {times} | {ratio:.2f} | {' / '.join(map(str, counts))} |")
    assert all(results[s][n][1] > 0 for s in SCALES for n in NAMES)
