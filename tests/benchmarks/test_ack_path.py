"""The ack path side by side with its floor: Opsdesk and two bare Bolt apps, one machine, one run.

Not part of the default run; run it with
`.venv/bin/python -m pytest -m benchmark -s -n0 tests/benchmarks/test_ack_path.py`.
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

The bare apps get the same requests (a command or a click: they only ack), so each scenario has
a floor of its own. Every app is started once and they take turns: for each round, level and
scenario, each app in the same order, so a change in the machine's load falls on all alike.
OPSDESK_ACK_ROUNDS=1 sets the rounds; with several, each cell shows the range over the rounds.
``OPSDESK_ACK_BASELINE=<another checkout>`` also serves that checkout's Opsdesk (its code, its
example config, a schema of its own) as "before", taking turns with this one ("after").
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
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
ROUNDS = int(os.environ.get("OPSDESK_ACK_ROUNDS", "1"))
BASELINE = os.environ.get("OPSDESK_ACK_BASELINE")
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
FLOOR = "bolt floor"
Figures = tuple[float, float, float]  # req/s, median ms, p99 ms


@dataclass
class Served:
    name: str
    url: str
    figures: dict[tuple[str, int], list[Figures]] = field(default_factory=dict)


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


def _load(url: str, make: Callable[[], Payload], clients: int) -> Figures:
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


@contextmanager
def _schema() -> Iterator[str]:
    """A database URL on a schema of its own, dropped afterwards."""
    schema = f"opsdesk_ack_{free_port()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _span(values: list[float], fmt: str) -> str:
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}-{high}"


def _cell(runs: list[Figures]) -> str:
    rps, p50, p99 = ([r[i] for r in runs] for i in range(3))
    return f"{_span(rps, '.0f')} req/s, {_span(p50, '.1f')} / {_span(p99, '.1f')} ms"


def test_ack_path_against_bare_bolt(tmp_path: Path) -> None:
    opsdesks: list[tuple[str, Path | None]] = [("after" if BASELINE else "opsdesk", None)]
    if BASELINE:
        opsdesks.insert(0, ("before", Path(BASELINE).resolve()))
    served: list[Served] = []
    loads: list[str] = []
    with SlackStub() as stub, ExitStack() as stack:
        for name, checkout in opsdesks:
            port = free_port()
            env = server_env(stack.enter_context(_schema()), stub, port)
            if checkout is not None:  # that checkout's code and its example config
                env.update(
                    PYTHONPATH=str(checkout),
                    OPSDESK_CONFIG=str(checkout / "opsdesk.example.toml"),
                )
            migrate(env, checkout or tmp_path)
            url = stack.enter_context(
                running(gunicorn_command(port), env, checkout or tmp_path, port)
            )
            _setup(url)
            served.append(Served(name, url))
        bare_url = stack.enter_context(_schema())
        for name, flag in (("bolt defaults", "0"), (FLOOR, "1")):
            port = free_port()
            env = server_env(bare_url, stub, port, BARE_PROCESS_BEFORE_RESPONSE=flag)
            url = stack.enter_context(running(_bare_command(port), env, tmp_path, port))
            served.append(Served(name, url))
        for _ in range(ROUNDS):
            for clients in LEVELS:
                for scenario in COMMANDS:
                    for app in served:
                        figures = _load(app.url, COMMANDS[scenario], clients)
                        app.figures.setdefault((scenario, clients), []).append(figures)
            loads.append(", ".join(f"{x:.2f}" for x in os.getloadavg()))
    floor = next(app for app in served if app.name == FLOOR)
    print(
        f"\n{REQUESTS} requests per app, level and round, {ROUNDS} round(s); "
        f"req/s, median / p99 ms; load average after each round: {' | '.join(loads)}"
    )
    print("| app, scenario | " + " | ".join(f"{c} client(s)" for c in LEVELS) + " |")
    print("|---|" + "---|" * len(LEVELS))
    for scenario in COMMANDS:
        for app in served:
            cells = [_cell(app.figures[(scenario, c)]) for c in LEVELS]
            print(f"| {app.name} {scenario} | " + " | ".join(cells) + " |")
    for scenario in COMMANDS:
        for app in served:
            if not app.name.startswith(("opsdesk", "before", "after")):
                continue
            ratios = []
            for c in LEVELS:
                mine, base = app.figures[(scenario, c)], floor.figures[(scenario, c)]
                rps = [m[0] / b[0] for m, b in zip(mine, base, strict=True)]
                p99 = [m[2] / b[2] for m, b in zip(mine, base, strict=True)]
                ratios.append(f"{_span(rps, '.2f')}x throughput, {_span(p99, '.1f')}x p99")
            print(f"| {app.name} {scenario} / floor | " + " | ".join(ratios) + " |")
