"""The ack path side by side with its floor: Opsdesk and two bare Bolt apps, one machine, one run.

Not part of the default run; run it with
`.venv/bin/python -m pytest -m benchmark -s -p no:xdist tests/benchmarks/test_ack_path.py`.
Each app is served by gunicorn, 2 workers x 4 threads, on PostgreSQL for Opsdesk (the
example config, little data); signed slash commands are sent over HTTP by 1, 10 and 50
concurrent clients. It prints requests per second, median and p99 per app and per level, and
Opsdesk's ratios to the floor (the bare app with ``process_before_response=True``). The
targets of the performance issue: p99 at most 1.5x the floor's and throughput at least 0.7x.
The clients run on the same cores as the servers, so every figure includes their cost alike.
It asserts only that every answer was a 200.

Scenarios: `/incident list`, `/resource available room tomorrow 10:00 for 1h` and a
`purchase_approve` click (U_BOB on a request he already approved: the click Slack sends again
when someone taps twice, answered with the request's outcome; the first click, before the
load, is a real approval). OPSDESK_ACK_REQUESTS=200 sets the requests per app and level.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.console import payloads
from storage.db import make_engine
from tests.conftest import PG_URL
from tests.serving import SECRET, free_port, gunicorn_command, migrate, running, server_env
from tests.signing import post_signed
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.benchmark

REQUESTS = int(os.environ.get("OPSDESK_ACK_REQUESTS", "200"))
LEVELS = [1, 10, 50]
Payload = tuple[str, str]
COMMANDS: dict[str, Callable[[], Payload]] = {
    "/incident list": lambda: payloads.slash_command(
        "/incident", "list", user_id="U_ALICE", channel_id="C_OPS"
    ),
    "/resource available": lambda: payloads.slash_command(
        "/resource", "available room tomorrow 10:00 for 1h", user_id="U_ALICE", channel_id="C_OPS"
    ),
    "purchase_approve": lambda: payloads.block_action(
        "purchase_approve", "1", user_id="U_BOB", channel_id="D_BOB"
    ),
}


def _setup(url: str) -> None:
    """Request #1 (50 EUR: one step, U_BOB) and approve it once, as the first click would."""
    for body, ctype in (
        payloads.slash_command(
            "/purchase", "request 50 chairs", user_id="U_ALICE", channel_id="C_OPS"
        ),
        COMMANDS["purchase_approve"](),
    ):
        status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET)
        assert status == 200


def _bare_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "tests.benchmarks.bare_bolt:create()",
        "--workers", "2", "--threads", "4",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip


def _load(url: str, make: Callable[[], Payload], clients: int) -> tuple[float, float, float]:
    """Requests per second, median ms and p99 ms of REQUESTS signed requests."""
    body, ctype = make()

    def one(_: int) -> float:
        start = time.perf_counter()
        status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET)
        assert status == 200
        return (time.perf_counter() - start) * 1000

    for i in range(20):  # warm: connections, caches, imports
        one(i)
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        ms = sorted(pool.map(one, range(REQUESTS)))
    wall = time.perf_counter() - began
    return REQUESTS / wall, statistics.median(ms), ms[int(len(ms) * 0.99) - 1]


def test_ack_path_against_bare_bolt(tmp_path: Path) -> None:
    schema = f"opsdesk_ack_{free_port()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    results: dict[tuple[str, int], tuple[float, float, float]] = {}
    try:
        with SlackStub() as stub:
            apps: list[tuple[str, list[str], dict[str, str], Callable[[str], list[str]]]] = []
            port = free_port()
            env = server_env(database_url, stub, port)
            migrate(env, tmp_path)
            apps.append(("opsdesk", gunicorn_command(port), env, lambda _: list(COMMANDS)))
            for name, flag in (("bolt defaults", "0"), ("bolt floor", "1")):
                p = free_port()
                bare_env = server_env(database_url, stub, p, BARE_PROCESS_BEFORE_RESPONSE=flag)
                apps.append((name, _bare_command(p), bare_env, lambda _: ["/incident list"]))
            for name, cmd, app_env, scenarios in apps:
                app_port = int(app_env["PORT"])
                with running(cmd, app_env, tmp_path, app_port) as url:
                    if name == "opsdesk":
                        _setup(url)
                    for scenario in scenarios(name):
                        for clients in LEVELS:
                            label = name if name != "opsdesk" else f"opsdesk {scenario}"
                            results[(label, clients)] = _load(url, COMMANDS[scenario], clients)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{REQUESTS} requests per app and level; req/s, median / p99 ms; load average {load}")
    print("| app | " + " | ".join(f"{c} client(s)" for c in LEVELS) + " |")
    print("|---|" + "---|" * len(LEVELS))
    labels = list(dict.fromkeys(label for label, _ in results))
    for label in labels:
        cells = [
            f"{rps:.0f} req/s, {p50:.1f} / {p99:.1f} ms"
            for rps, p50, p99 in (results[(label, c)] for c in LEVELS)
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for label in labels:
        if not label.startswith("opsdesk"):
            continue
        ratios = [
            f"{results[(label, c)][0] / results[('bolt floor', c)][0]:.2f}x throughput, "
            f"{results[(label, c)][2] / results[('bolt floor', c)][2]:.1f}x p99"
            for c in LEVELS
        ]
        print(f"| {label} / floor | " + " | ".join(ratios) + " |")
