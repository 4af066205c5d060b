"""Concurrent deliveries of one alert group never make two incidents.

Alertmanager retries, several Alertmanagers in a cluster send the same group, and gunicorn
answers with several threads and processes: identical requests arrive at once. The group's row
is locked per delivery (storage/alerts.py), so they take turns and see each other's work.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.alerts import AlertGroup
from storage.incidents import Incident
from tests.alerts.samples import TOKENS, alertmanager, am_alert, post
from tests.e2e import SlackApp
from tests.serving import free_port, gunicorn_command, migrate, running, server_env
from tests.slack_stub import SlackStub

# The endpoints over a real socket, as Alertmanager, Grafana and scripts reach them.
pytestmark = pytest.mark.wire


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.postgres_only
def test_identical_requests_at_once_make_one_incident(slack: SlackApp, engine: Engine) -> None:
    body = alertmanager([am_alert(instance="checkout-1"), am_alert(instance="checkout-2")])
    threads = 16
    start = Barrier(threads)

    def one(_: int) -> tuple[int, dict]:
        start.wait()
        return post(slack.url, "prometheus", body)

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(one, range(threads)))
    assert {status for status, _ in answers} == {202}
    actions = Counter(answer["action"] for _, answer in answers)
    assert actions == {"created": 1, "unchanged": threads - 1}
    assert {answer["incident"] for _, answer in answers} == {"INC-1"}
    assert _count(engine, Incident) == 1
    assert _count(engine, AlertGroup) == 1
    slack.runtime.drain()
    assert len(slack.stub.calls_to("chat.postMessage")) == 1


@pytest.mark.postgres_only
def test_different_groups_at_once_each_get_their_incident(slack: SlackApp, engine: Engine) -> None:
    groups = 8
    start = Barrier(groups * 2)

    def one(i: int) -> tuple[int, dict]:
        body = alertmanager([am_alert(instance=f"n{i % groups}")], group_key=f"g{i % groups}")
        start.wait()
        return post(slack.url, "prometheus", body)

    with ThreadPoolExecutor(groups * 2) as pool:
        answers = list(pool.map(one, range(groups * 2)))
    actions = Counter(answer["action"] for _, answer in answers)
    assert actions == {"created": groups, "unchanged": groups}
    assert _count(engine, Incident) == groups


@pytest.mark.postgres_only
def test_a_burst_against_gunicorn_workers_makes_one_incident_per_group(
    engine: Engine, tmp_path: Path
) -> None:
    """2 processes x 4 threads, 8 clients, 5 groups, 200 requests: every answer a 202, in time,
    and one incident per group. (The 50 requests a second for a minute run is the benchmark
    in tests/benchmarks/test_alerts_load.py.)"""
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    url = engine.url.set(query={"options": f"-csearch_path={schema}"})
    groups, requests = 5, 200
    with SlackStub() as stub:
        port = free_port()
        env = server_env(url.render_as_string(hide_password=False), stub, port, **TOKENS)
        migrate(env, tmp_path)
        with running(gunicorn_command(port), env, tmp_path, port) as base:

            def one(i: int) -> tuple[int, dict, float]:
                body = alertmanager(
                    [am_alert(instance=f"node-{i % groups}")], group_key=f"burst-{i % groups}"
                )
                began = time.perf_counter()
                status, answer = post(base, "prometheus", body)
                return status, answer, time.perf_counter() - began

            with ThreadPoolExecutor(8) as pool:
                # Warm-up: each worker's imports and first database connections.
                for _ in pool.map(
                    lambda i: post(
                        base, "prometheus", alertmanager([am_alert()], group_key="warm-up")
                    ),
                    range(16),
                ):
                    pass
                answers = list(pool.map(one, range(requests)))
    assert {status for status, _, _ in answers} == {202}
    actions = Counter(answer["action"] for _, answer, _ in answers)
    assert actions == {"created": groups, "unchanged": requests - groups}
    took = sorted(t for _, _, t in answers)
    # SPEC's 1 s is measured by the load benchmark on its own; here the suite's other workers
    # share the CPU, so the bound only catches a delivery that waits on a lock it should not.
    assert took[-1] < 2.0, f"slowest answer {took[-1]:.3f}s"
    print(
        f"\nalerts burst: median {statistics.median(took) * 1000:.1f} ms, "
        f"max {took[-1] * 1000:.1f} ms"
    )
    assert _count(engine, Incident) == groups + 1  # and the warm-up's
