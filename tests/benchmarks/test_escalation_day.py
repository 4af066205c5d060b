"""A sev1 nobody acknowledges for a day, under the default policy (5m, then every 15m), with
the scheduler sweeping every minute: how many pages, how many queue rows, how long a sweep takes.

Not part of the default run; `.venv/bin/python -m pytest -m benchmark -s
tests/benchmarks/test_escalation_day.py`. It asserts the pacing and that the queue holds one
escalation row ahead at a time, and prints the numbers.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from freezegun import freeze_time

from tests.incidents.escalation_helpers import escalation_rows, pages, raise_, utc

pytestmark = pytest.mark.benchmark

START = "2026-12-01 09:00:00"


def _wall() -> float:
    """Real elapsed seconds: freezegun stops perf_counter and monotonic, not clock_gettime."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def test_a_day_unacknowledged(runtime, unit, messenger, sessions, backend) -> None:
    sweeps: list[float] = []
    most_pending = 0
    with freeze_time(START) as frozen:
        raise_(unit, runtime)
        for minute in range(1, 24 * 60 + 1):
            frozen.move_to(utc(START) + timedelta(minutes=minute))
            began = _wall()
            runtime.dispatcher.run_due()
            sweeps.append(_wall() - began)
            if minute % 60 == 0:
                most_pending = max(most_pending, len(escalation_rows(sessions, "pending")))
    paged = len(pages(messenger))
    rows = len(escalation_rows(sessions))
    # 5m, 20m, ... up to 1440m: 1 + (1440 - 5) // 15 pages.
    assert paged == 1 + (24 * 60 - 5) // 15 == 96
    assert most_pending == 1 and rows == paged + 1  # the pages sent and the next one
    ms = sorted(s * 1000 for s in sweeps)
    print(
        f"\n[{backend.dialect.name}] 1 day, 1440 sweeps: {paged} pages, {rows} escalation rows, "
        f"at most {most_pending} pending; sweep median {statistics.median(ms):.2f} ms, "
        f"p95 {ms[int(len(ms) * 0.95)]:.2f} ms, max {ms[-1]:.2f} ms"
    )
