"""How fast Slack gets its answer, measured as deployed: gunicorn, 2 workers x 4 threads.

Not part of the default run (timings vary with the machine); run it with
`.venv/bin/python -m pytest -m benchmark -s tests/benchmarks`. It prints median, p95 and
throughput per scenario, on SQLite and PostgreSQL; it asserts only that every answer was a 200.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.commands import REGISTRY
from bot.console import payloads as slack_payloads
from handlers import load_areas
from storage.db import make_engine
from tests.conftest import PG_URL
from tests.serving import SECRET, free_port, gunicorn_command, migrate, running, server_env
from tests.signing import post_signed
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.benchmark

REQUESTS = 300
CONCURRENCY = 4

Scenario = Callable[[int], tuple[str, str]]

SCENARIOS: dict[str, Scenario] = {
    "mention (event ack)": lambda i: slack_payloads.event(
        slack_payloads.app_mention_event("help", user_id="U_ALICE", channel_id="C_OPS")
    ),
    "/incident list": lambda i: slack_payloads.slash_command(
        "/incident", "list", user_id="U_ALICE"
    ),
    "/resource list": lambda i: slack_payloads.slash_command(
        "/resource", "list", user_id="U_ALICE"
    ),
    "/shift now": lambda i: slack_payloads.slash_command("/shift", "now", user_id="U_ALICE"),
    "/purchase list": lambda i: slack_payloads.slash_command(
        "/purchase", "list", user_id="U_ALICE"
    ),
    "/resource available": lambda i: slack_payloads.slash_command(
        "/resource", "available room tomorrow 9am for 1h", user_id="U_ALICE"
    ),
    # A write: a row, its timeline and audit, notices; the announcement goes out after the response.
    "/incident raise": lambda i: slack_payloads.slash_command(
        "/incident", f"raise Benchmark {i} sev4", user_id="U_ALICE"
    ),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bench.db'}"
        return
    schema = f"opsdesk_bench_{free_port()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _measure(url: str, scenario: Scenario) -> list[float]:
    def one(i: int) -> float:
        body, ctype = scenario(i)
        start = time.perf_counter()
        status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET)
        elapsed = time.perf_counter() - start
        assert status == 200
        return elapsed

    for i in range(20):  # warm-up: connections, users.info cache, imports
        one(i)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, range(REQUESTS)))


def test_latency(database_url: str, tmp_path: Path) -> None:
    load_areas()
    with SlackStub() as stub:
        port = free_port()
        env = server_env(database_url, stub, port)
        migrate(env, tmp_path)
        with running(gunicorn_command(port), env, tmp_path, port) as url:
            print(f"\n{database_url.split(':')[0]}: {REQUESTS} requests, {CONCURRENCY} clients")
            for name, scenario in SCENARIOS.items():
                if name.startswith("/") and name.split()[0] not in REGISTRY:
                    continue  # that area is not built yet
                wall = time.perf_counter()
                times = _measure(url, scenario)
                wall = time.perf_counter() - wall
                ms = sorted(t * 1000 for t in times)
                print(
                    f"  {name:22} median {statistics.median(ms):6.1f} ms   "
                    f"p95 {ms[int(len(ms) * 0.95)]:6.1f} ms   {len(ms) / wall:6.0f} req/s"
                )
