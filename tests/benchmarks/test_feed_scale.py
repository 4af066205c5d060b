"""What the calendar feeds and the read API cost as history grows: 1x and 10x data.

Not part of the default run; run it with
`.venv/bin/python -m pytest -m benchmark -s tests/benchmarks/test_feed_scale.py`. The data set
is tests/scale.py's (at 1x: 10k incidents, 20k bookings over +-90 days among 100 people, 500
maintenance windows of which 15% recur). Each endpoint is called in-process through the route
the app serves (no network), the scales taking turns; it prints the median time, the 10x/1x
ratio, the SQL statements one call sends and the size of the answer. Expect the team
maintenance feed to grow with the data: it holds every occurrence of every window, which is
the feed's point (10x the windows is 10x the events: at 10x, 60,000 occurrences in 120 days).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.api import routes as api
from bot.calendars import routes as feeds
from bot.http import HttpRequest, HttpResponse
from bot.runtime import Runtime
from storage.calendars import create_token
from tests.benchmarks.test_data_scale import _app, _database
from tests.scale import counting

pytestmark = pytest.mark.benchmark

SCALES = [float(s) for s in os.environ.get("OPSDESK_BENCH_SCALES", "1,10").split(",")]
REPEAT = int(os.environ.get("OPSDESK_BENCH_REPEAT", "7"))
TOKEN = "bench-token"
Route = Callable[[Runtime, HttpRequest], HttpResponse]
CALLS: dict[str, tuple[Route, dict[str, str], str]] = {
    "personal feed": (feeds.personal, {"token": TOKEN}, ""),
    "team oncall.ics": (feeds.team_oncall, {"token": TOKEN}, ""),
    "team maintenance.ics": (feeds.team_maintenance, {"token": TOKEN}, ""),
    "api oncall": (api.oncall, {}, ""),
    "api incidents (open, limit 50)": (api.incidents, {}, "open"),
    "api resources": (api.resources, {}, ""),
}


def _call(rt: Runtime, name: str) -> HttpResponse:
    fn, params, status = CALLS[name]
    req = HttpRequest(
        "GET", "/", params, {"status": [status]} if status else {},
        {"authorization": f"Bearer {TOKEN}"},
    )  # fmt: skip
    answer = fn(rt, req)
    assert answer.status == 200, (name, answer.body[:200])
    return answer


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_feed_scale(kind: str, tmp_path: Path) -> None:
    print(f"\n{kind}: scales {', '.join(f'{s:g}x' for s in SCALES)}, median of {REPEAT} runs")
    with ExitStack() as stack:
        apps = {s: _app(stack.enter_context(_database(kind, tmp_path, s)), s) for s in SCALES}
        for app in apps.values():
            rt = app.rt
            rt.settings = rt.settings.model_copy(
                update={"OPSDESK_API_TOKEN": TOKEN, "OPSDESK_CALENDAR_TOKEN": TOKEN}
            )
            with rt.transaction() as session:
                create_token(session, "U_0007", TOKEN, datetime.now(UTC))
        rows = []
        for name in CALLS:
            counts, sizes, times = {}, {}, {s: [] for s in apps}
            for s, app in apps.items():
                _call(app.rt, name)
                with counting(app.rt.engine) as seen:
                    sizes[s] = len(_call(app.rt, name).body)
                counts[s] = seen.count
            for _ in range(REPEAT):
                for s, app in apps.items():
                    began = time.perf_counter()
                    _call(app.rt, name)
                    times[s].append((time.perf_counter() - began) * 1000)
            med = {s: statistics.median(t) for s, t in times.items()}
            rows.append((name, med, counts, sizes))
    low, high = SCALES[0], SCALES[-1]
    print(f"| endpoint | {' | '.join(f'{s:g}x ms' for s in SCALES)} | ratio | statements | bytes |")
    print("|---|" + "---|" * (len(SCALES) + 3))
    for name, med, counts, sizes in rows:
        times_ = " | ".join(f"{med[s]:.1f}" for s in SCALES)
        stmts = " / ".join(str(counts[s]) for s in SCALES)
        size = " / ".join(f"{sizes[s]:,}" for s in SCALES)
        print(f"| {name} | {times_} | {med[high] / med[low]:.2f} | {stmts} | {size} |")
