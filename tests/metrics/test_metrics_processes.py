"""Several processes, one answer: prometheus-client's multiprocess mode, as gunicorn runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import gunicorn_conf, metrics
from bot.console import payloads
from tests.e2e import SlackApp
from tests.metrics.helpers import parse, total, value
from tests.serving import SECRET, free_port, gunicorn_command, migrate, running, server_env
from tests.signing import post_signed
from tests.slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import os, sys
from bot import metrics
n, leader, tick = int(sys.argv[1]), sys.argv[2] == "1", float(sys.argv[3])
for _ in range(n):
    metrics.notice_sent("metrics.test")
    metrics.request_done("/incident list", "ok", 0.01)
metrics.slack_call("chat.postMessage", "ok", 0.2)
metrics.scheduler_leader(leader)
metrics.scheduler_ticked(tick)
print(os.getpid())
"""


def _workers(folder: Path, *runs: tuple[int, bool, float]) -> list[int]:
    """Start one process per (notices sent, leader, last tick), all at once; their pids."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), metrics.MULTIPROC_ENV: str(folder)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(sent), "1" if leader else "0", str(tick)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for sent, leader, tick in runs
    ]
    pids = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        pids.append(int(out.strip()))
    return pids


def test_two_processes_writing_to_one_directory_are_scraped_as_their_sum(
    slack: SlackApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if slack.runtime.engine.dialect.name != "sqlite":
        pytest.skip("about processes, not databases: the scrape's queries are tested on both")
    folder = tmp_path / "prometheus"
    leader, _ = _workers(folder, (3, True, 1_800_000_100.0), (4, False, 0.0))
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(folder))

    samples = parse(slack.get("/metrics").raw.decode())
    assert value(samples, "opsdesk_notices_sent_total", kind="metrics.test") == 7
    list_ok = {"kind": "/incident list", "outcome": "ok"}
    assert value(samples, "opsdesk_requests_total", **list_ok) == 7
    assert value(samples, "opsdesk_request_seconds_count") == 7
    assert value(samples, "opsdesk_slack_api_seconds_count") == 2
    assert value(samples, "opsdesk_scheduler_leader") == 1
    assert value(samples, "opsdesk_scheduler_last_tick_timestamp_seconds") == 1_800_000_100.0
    # The database's gauges come with them, read by whichever process answers.
    assert total(samples, "opsdesk_incidents_open") == 0
    assert "opsdesk_notice_oldest_pending_seconds" in samples

    # The leader's worker exits: gunicorn's master marks it dead. It is no longer the leader,
    # but its counts stay, and so does its last sweep (seconds since it keep growing).
    gunicorn_conf.child_exit(None, SimpleNamespace(pid=leader))
    samples = parse(slack.get("/metrics").raw.decode())
    assert value(samples, "opsdesk_scheduler_leader") == 0
    assert value(samples, "opsdesk_scheduler_last_tick_timestamp_seconds") == 1_800_000_100.0
    assert value(samples, "opsdesk_notices_sent_total", kind="metrics.test") == 7


def test_gunicorn_conf_empties_a_given_directory_and_makes_one_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = tmp_path / "given"
    given.mkdir()
    (given / "counter_12345.db").write_bytes(b"old run")
    (given / "notes.txt").write_text("not ours")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(given))
    assert gunicorn_conf.metrics_dir() == str(given)
    assert sorted(p.name for p in given.iterdir()) == ["notes.txt"]

    monkeypatch.delenv(metrics.MULTIPROC_ENV)
    made = Path(gunicorn_conf.metrics_dir())
    assert made.is_dir() and os.environ[metrics.MULTIPROC_ENV] == str(made)
    gunicorn_conf.on_exit(None)
    assert not made.exists()


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with SlackStub() as s:
        yield s


def _scrape(url: str) -> float:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + "/metrics", timeout=10) as resp:
        samples = parse(resp.read().decode())
    return value(samples, "opsdesk_requests_total", kind="/incident list", outcome="ok")


def test_under_gunicorn_every_worker_answers_the_same_totals_even_after_one_dies(
    tmp_path: Path, stub: SlackStub
) -> None:
    port = free_port()
    folder = tmp_path / "prometheus"
    env = server_env(f"sqlite:///{tmp_path / 'm.db'}", stub, port)
    env[metrics.MULTIPROC_ENV] = str(folder)
    migrate(env, tmp_path)
    with running(gunicorn_command(port, workers=2, threads=2), env, tmp_path, port) as url:
        commands = 8
        for _ in range(commands):
            body, ctype = payloads.slash_command("/incident", "list", user_id="U_ALICE")
            status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET)
            assert status == 200
        # Each scrape may land on either worker; each one adds every worker's counts up.
        assert [_scrape(url) for _ in range(6)] == [commands] * 6

        counted_by = {int(p.stem.rsplit("_", 1)[1]) for p in folder.glob("counter_*.db")}
        os.kill(min(counted_by), signal.SIGKILL)
        deadline = time.monotonic() + 20
        while True:  # the master starts another worker; the dead one's counts remain
            try:
                assert [_scrape(url) for _ in range(4)] == [commands] * 4
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def test_the_scheduler_alone_serves_its_own_metrics_on_the_metrics_port(
    tmp_path: Path, stub: SlackStub
) -> None:
    """`opsdesk scheduler` has no web server: with OPSDESK_METRICS_PORT it says it leads and
    when it last swept, which the web processes cannot know."""
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'clock.db'}", stub, free_port())
    env.update(OPSDESK_METRICS_PORT=str(port), OPSDESK_METRICS_TOKEN="clock-token")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], env=env, cwd=tmp_path)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer clock-token"}
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "the scheduler exited"
            try:
                with opener.open(request, timeout=2) as resp:
                    samples = parse(resp.read().decode())
                if value(samples, "opsdesk_scheduler_last_tick_timestamp_seconds") > 0:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "no sweep seen on the metrics port"
            time.sleep(0.2)
        assert value(samples, "opsdesk_scheduler_leader") == 1
        swept = value(samples, "opsdesk_scheduler_last_tick_timestamp_seconds")
        assert abs(swept - time.time()) < 60
        assert "opsdesk_notices" in samples  # the database's gauges too
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(f"http://127.0.0.1:{port}/metrics", timeout=2)
        assert refused.value.code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=15)
