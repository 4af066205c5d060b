"""What one scheduler tick with nothing due costs, at 1x and 10x data, on SQLite and PostgreSQL.

Run from the repository root: `PYTHONPATH=. .venv/bin/python tests/benchmarks/tick_cost.py`
(`--scales 1,10`, `--repeat 21`, `--databases sqlite,postgresql`). Each database is seeded as in
tests/benchmarks/test_data_scale.py, every area's planner runs (the example config), a few ticks
plan and send what there is, then the idle ticks are timed (median) and one is counted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.scheduler import Scheduler
from tests.benchmarks.test_data_scale import _database
from tests.scale import bench_runtime, counting, seed


def measure(kind: str, scale: float, repeat: int, tmp: Path) -> tuple[float, int, Counter[str]]:
    with _database(kind, tmp, scale) as engine:
        rt = bench_runtime(engine)
        seed(rt, scale, now=datetime.now(UTC))
        scheduler = Scheduler(rt)
        try:
            while scheduler.tick():  # plan and send the backlog first
                pass
            scheduler.tick()
            with counting(engine) as seen:
                scheduler.tick()
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                scheduler.tick()
                times.append((time.perf_counter() - began) * 1000)
        finally:
            scheduler.shutdown()
        kinds = Counter(" ".join(s.split()[:3]) for s in seen.statements)
        return statistics.median(times), seen.count, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print("| database | scale | idle tick (median) | statements | of which INSERT |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases.split(","):
            for scale in (float(s) for s in args.scales.split(",")):
                ms, count, kinds = measure(kind, scale, args.repeat, Path(tmp))
                inserts = sum(n for k, n in kinds.items() if k.startswith("INSERT"))
                print(f"| {kind} | {scale:g}x | {ms:.1f} ms | {count} | {inserts} |", flush=True)


if __name__ == "__main__":
    main()
