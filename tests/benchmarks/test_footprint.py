"""Start-up time and resident memory after load, of `opsdesk serve` and of the gunicorn app.

Not part of the default run; run it with
`.venv/bin/python -m pytest -m benchmark -s -n0 tests/benchmarks/test_footprint.py`.
Each server is started as production starts it (PostgreSQL, the example config, the scheduler
off, the Slack stand-in), timed from the process start until `/healthz` answers 200; then
OPSDESK_FOOTPRINT_REQUESTS (default 600) signed requests, a mix of read commands, a write and a
button click, are sent from 4 clients, and each process's resident memory (VmRSS, and its peak
VmHWM) is read from /proc. The targets of the performance issue: start-up under 2 s and under
150 MB per process. It asserts only that every answer was a 200.

Start-up is also given in CPU seconds (user and system, of the server and its workers, read
from /proc when /healthz first answers): on a shared machine the wall time mostly says how busy
the machine was. OPSDESK_FOOTPRINT_STARTS (default 1) starts each server that many times and
gives the median and the fastest; the last start is the one loaded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.console import payloads
from storage.db import make_engine
from tests.conftest import PG_URL
from tests.serving import SECRET, free_port, gunicorn_command, migrate, server_env
from tests.signing import post_signed
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.benchmark

REQUESTS = int(os.environ.get("OPSDESK_FOOTPRINT_REQUESTS", "600"))
STARTS = max(1, int(os.environ.get("OPSDESK_FOOTPRINT_STARTS", "1")))
MIX = [
    ("/incident", "list"),
    ("/resource", "available room tomorrow 10:00 for 1h"),
    ("/resource", "list"),
    ("/shift", "now"),
    ("/purchase", "list"),
    ("/incident", "stats 30d"),
    ("/incident", "raise sev3 footprint check"),
]


def _started(
    cmd: list[str], env: dict[str, str], cwd: Path, port: int
) -> tuple[subprocess.Popen, float]:
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stderr=subprocess.DEVNULL)
    while True:
        if proc.poll() is not None:
            raise AssertionError("server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return proc, time.perf_counter() - began
        except OSError:
            if time.perf_counter() - began > 30:
                raise AssertionError("server did not become healthy") from None
            time.sleep(0.01)


def _family(pid: int) -> list[int]:
    """``pid`` and its children (gunicorn's workers)."""
    return [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def _cpu_seconds(pid: int) -> float:
    """User and system time of ``pid`` and its children so far."""
    ticks = 0
    for p in _family(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> dict[int, tuple[float, float]]:
    """VmRSS and VmHWM in MB of ``pid`` and its children (gunicorn's workers)."""
    found = {}
    for p in _family(pid):
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines()
        )
        found[p] = (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)
    return found


def _load(url: str) -> None:
    def one(i: int) -> None:
        command, words = MIX[i % len(MIX)]
        body, ctype = payloads.slash_command(command, words, user_id="U_ALICE", channel_id="C_OPS")
        status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET)
        assert status == 200

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(REQUESTS)))


def test_start_up_time_and_memory_after_load(tmp_path: Path) -> None:
    schema = f"opsdesk_footprint_{free_port()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    rows = []
    try:
        with SlackStub() as stub:
            migrate(server_env(database_url, stub, free_port()), tmp_path)
            servers = {
                "opsdesk serve": lambda port: [sys.executable, "-m", "bot", "serve"],
                "gunicorn 2x4": gunicorn_command,
            }
            for name, command in servers.items():
                times: list[tuple[float, float]] = []
                for start in range(STARTS):
                    port = free_port()
                    env = server_env(database_url, stub, port)
                    proc, took = _started(command(port), env, tmp_path, port)
                    times.append((took, _cpu_seconds(proc.pid)))
                    if start < STARTS - 1:
                        proc.terminate()
                        proc.wait(timeout=15)
                took = statistics.median(t for t, _ in times)
                fastest = min(t for t, _ in times)
                cpu = statistics.median(c for _, c in times)
                try:
                    before = _memory(proc.pid)
                    _load(f"http://127.0.0.1:{port}")
                    after = _memory(proc.pid)
                finally:
                    proc.terminate()
                    proc.wait(timeout=15)
                for pid, (rss, hwm) in after.items():
                    role = "master" if pid == proc.pid and len(after) > 1 else "process"
                    if pid != proc.pid:
                        role = "worker"
                    start_rss = before.get(pid, (0.0, 0.0))[0]
                    rows.append((name, role, (took, fastest, cpu), start_rss, rss, hwm))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{STARTS} start(s) each, {REQUESTS} requests after the last; load average {load}")
    print(
        "| server | process | start-up to /healthz (median, fastest) | CPU to /healthz "
        "| RSS at start | RSS after load | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    shown = set()
    for name, role, (took, fastest, cpu), start_rss, rss, hwm in rows:
        timing = "| | |" if name in shown else f"| {took:.2f} s, {fastest:.2f} s | {cpu:.2f} s |"
        shown.add(name)
        print(f"| {name} | {role} {timing} {start_rss:.0f} MB | {rss:.0f} MB | {hwm:.0f} MB |")
