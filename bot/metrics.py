"""Prometheus metrics (SPEC "Metrics"): ``GET /metrics``, counters where things happen, and
gauges read from the database when scraped.

Counters and histograms are recorded by the code that sees the event: the dispatcher (notices
sent and failed), the Slack client (every Web API call), the request unit of work
(``handlers/work.py``) and the scheduler. Under gunicorn with several workers each worker counts
in its own process; with ``PROMETHEUS_MULTIPROC_DIR`` set (``bot/gunicorn_conf.py`` sets it up)
prometheus-client's multiprocess mode keeps each process's values in files there and a scrape,
whichever worker answers it, adds them up. Without it, a plain registry per process.

What the database knows (the queue by status and kind, the oldest due notice, open incidents)
is read at scrape time with a few indexed, bounded queries, so every worker gives the same
answer and nothing has to be kept in step.

Every recording call is a dictionary look-up and an addition, and never raises: a metrics
failure is logged once a minute and the request or the delivery goes on.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.http import HttpRequest, HttpResponse, request_from
from bot.notice_health import FAILED_WINDOW
from bot.quietlog import OncePerMinute
from bot.registry import Registry
from bot.settings import Settings
from storage import incidents as incident_rows
from storage import notices as queue
from storage.db import deadline

log = logging.getLogger(__name__)
_trouble = OncePerMinute(log)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PATH = r"/metrics"
# The classic text format every Prometheus reads (newer clients announce 1.0.0 by default).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Slack's answers: most calls take 50-500 ms; the client gives up at OPSDESK_SLACK_TIMEOUT.
SLACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A request's unit of work: most take a few ms; Slack gives up at 3 s.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Every metric this module exposes (the dashboard test checks it references no other).
NAMES = (
    "opsdesk_notices",
    "opsdesk_notice_oldest_pending_seconds",
    "opsdesk_notices_sent_total",
    "opsdesk_notices_failed_total",
    "opsdesk_slack_api_calls_total",
    "opsdesk_slack_api_seconds",
    "opsdesk_requests_total",
    "opsdesk_request_seconds",
    "opsdesk_incidents_open",
    "opsdesk_scheduler_leader",
    "opsdesk_scheduler_last_tick_timestamp_seconds",
)


@dataclass(frozen=True)
class _Meters:
    registry: CollectorRegistry  # this process's own values (unused in multiprocess mode)
    sent: Counter
    failed: Counter
    slack_calls: Counter
    slack_seconds: Histogram
    requests: Counter
    request_seconds: Histogram
    leader: Gauge
    last_tick: Gauge


_lock = threading.Lock()
_meters: _Meters | None = None


def multiproc_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def _make() -> _Meters:
    path = multiproc_dir()
    if path:
        os.makedirs(path, exist_ok=True)  # `opsdesk serve` with the variable set, say
    # No "<name>_created" series beside each counter: they double the series and say little.
    disable_created_metrics()
    registry = CollectorRegistry(auto_describe=True)
    return _Meters(
        registry=registry,
        sent=Counter(
            "opsdesk_notices_sent",
            "Notices said in Slack, by kind.",
            ["kind"],
            registry=registry,
        ),
        failed=Counter(
            "opsdesk_notices_failed",
            "Notices given up on (status failed), by kind.",
            ["kind"],
            registry=registry,
        ),
        slack_calls=Counter(
            "opsdesk_slack_api_calls",
            "Slack Web API calls by method and outcome: ok, Slack's error code, ratelimited, "
            "timeout, connection_error or http_<status>.",
            ["method", "outcome"],
            registry=registry,
        ),
        slack_seconds=Histogram(
            "opsdesk_slack_api_seconds",
            "How long Slack Web API calls took, retries after a short rate limit included.",
            buckets=SLACK_BUCKETS,
            registry=registry,
        ),
        requests=Counter(
            "opsdesk_requests",
            "Slack requests (commands, actions, views, shortcuts, events) by kind and outcome: "
            "ok, user_error or error.",
            ["kind", "outcome"],
            registry=registry,
        ),
        request_seconds=Histogram(
            "opsdesk_request_seconds",
            "How long a Slack request's unit of work took.",
            buckets=REQUEST_BUCKETS,
            registry=registry,
        ),
        # A worker that dies stops counting as the leader (gunicorn_conf marks it dead) ...
        leader=Gauge(
            "opsdesk_scheduler_leader",
            "1 when a scheduler in this process is the active one.",
            registry=registry,
            multiprocess_mode="livemax",
        ),
        # ... but its last sweep stays the latest one, so "seconds since" keeps growing.
        last_tick=Gauge(
            "opsdesk_scheduler_last_tick_timestamp_seconds",
            "When the active scheduler last finished a sweep (Unix time).",
            registry=registry,
            multiprocess_mode="max",
        ),
    )


def _get() -> _Meters:
    """The process's meters, made on first use: after gunicorn forked the worker, so each
    worker writes its own files in multiprocess mode."""
    global _meters
    if _meters is None:
        with _lock:
            if _meters is None:
                _meters = _make()
    return _meters


def _safely(record: Callable[[_Meters], None]) -> None:
    try:
        record(_get())
    except Exception as exc:  # never let counting break what is counted
        _trouble.warning(f"could not record a metric: {type(exc).__name__}: {exc}")


# --- recording ----------------------------------------------------------------------------------


def notice_sent(kind: str) -> None:
    _safely(lambda m: m.sent.labels(kind).inc())


def notice_failed(kind: str) -> None:
    _safely(lambda m: m.failed.labels(kind).inc())


_NOT_A_LABEL = re.compile(r"[^A-Za-z0-9_.]+")


def _label(value: str) -> str:
    """Slack's method names and error codes are short snake_case words; anything else is
    squeezed to one, so a label never carries free text."""
    return _NOT_A_LABEL.sub("_", value)[:48] or "unknown"


def slack_call(method: str, outcome: str, seconds: float | None) -> None:
    """One Web API call; ``seconds`` None for an attempt that is retried within the call."""

    def record(m: _Meters) -> None:
        m.slack_calls.labels(_label(method), _label(outcome)).inc()
        if seconds is not None:
            m.slack_seconds.observe(seconds)

    _safely(record)


OK, USER_ERROR, ERROR = "ok", "user_error", "error"


def request_done(kind: str, outcome: str, seconds: float) -> None:
    """``kind``: a slash command and subcommand (``/incident list``), ``action:<action_id>``,
    ``view:<callback_id>``, ``shortcut:<callback_id>`` or ``event:<type>``: names the code
    declares, never text a user typed."""

    def record(m: _Meters) -> None:
        m.requests.labels(kind, outcome).inc()
        m.request_seconds.observe(seconds)

    _safely(record)


def scheduler_leader(leader: bool) -> None:
    _safely(lambda m: m.leader.set(1 if leader else 0))


def scheduler_ticked(at: float) -> None:
    _safely(lambda m: m.last_tick.set(at))


# --- scraping -----------------------------------------------------------------------------------


class Scraped(Protocol):
    """What a scrape reads from the runtime (``bot.runtime.Runtime``, which imports the
    dispatcher, which records here: named by shape to keep the import one way)."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    registry: Registry[Any]


def _from_database(rt: Scraped) -> Iterator[Metric]:
    """The gauges the database knows, zero for every kind and severity it has none of."""
    now = rt.clock.now()
    with deadline(rt.settings.OPSDESK_HEALTH_TIMEOUT_MS / 1000), rt.sessions() as session:
        counted = queue.by_status_and_kind(session, now, now - FAILED_WINDOW)
        oldest = queue.oldest_due(session, now)
        open_incidents = incident_rows.open_by_severity(session)
    notices = GaugeMetricFamily(
        "opsdesk_notices",
        "Notices by status and kind: pending (due now), sending, calling, unknown (in doubt), "
        f"and failed in the last {int(FAILED_WINDOW.total_seconds() // 3600)} hours.",
        labels=["status", "kind"],
    )
    kinds = sorted(set(rt.registry.notice_kinds()) | {kind for _, kind in counted})
    for status in queue.COUNTED:
        for kind in kinds:
            notices.add_metric([str(status), kind], counted.get((status, kind), 0))
    yield notices
    waited = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    yield GaugeMetricFamily(
        "opsdesk_notice_oldest_pending_seconds",
        "How long the longest-waiting due notice has waited (0 when none waits).",
        value=waited,
    )
    incidents = GaugeMetricFamily(
        "opsdesk_incidents_open",
        "Incidents not yet resolved, by severity.",
        labels=["severity"],
    )
    for severity in sorted(set(incident_rows.SEVERITIES) | set(open_incidents)):
        incidents.add_metric([severity], open_incidents.get(severity, 0))
    yield incidents


@dataclass(frozen=True)
class _Scrape:
    """One scrape's collectors: the processes' counters, then the database's gauges."""

    rt: Scraped

    def collect(self) -> Iterable[Metric]:
        path = multiproc_dir()
        if path:
            every_process = CollectorRegistry()
            MultiProcessCollector(every_process, path=path)
            yield from every_process.collect()
        else:
            yield from _get().registry.collect()
        try:
            yield from list(_from_database(self.rt))
        except Exception as exc:  # the counters still answer; the gauges are absent this time
            _trouble.warning(f"/metrics: could not read the database: {exc}")


def exposition(rt: Scraped) -> bytes:
    """The Prometheus text format of every metric, as ``GET /metrics`` answers it."""
    return generate_latest(_Scrape(rt))  # any object with collect() will do


def scrape(rt: Scraped, request: HttpRequest) -> HttpResponse:
    token = rt.settings.OPSDESK_METRICS_TOKEN
    if token and not request.bearer_matches(token):
        return HttpResponse(
            401,
            b'{"error": "a bearer token is required"}',
            headers=(("WWW-Authenticate", 'Bearer realm="opsdesk metrics"'),),
        )
    return HttpResponse(200, exposition(rt), CONTENT_TYPE)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # a scrape every 15 s is not news


def serve(rt: Scraped, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """``GET /metrics`` on ``port``, on a daemon thread, for a process that has no web server
    of its own (the scheduler alone, Socket Mode). ``shutdown()`` the server to stop it."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        known = environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET"
        answer = (
            scrape(rt, request_from(environ, {}, b""))
            if known
            else HttpResponse.error(404, "only GET /metrics here")
        )
        status = f"{answer.status} {HTTPStatus(answer.status).phrase}"
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        start_response(status, headers + list(answer.headers))
        return [answer.body]

    server = make_server(host, port, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="opsdesk-metrics", daemon=True).start()
    log.info("serving GET /metrics on port %s", server.server_port)
    return server


def register(registry: Registry[Any]) -> None:
    """Declare ``GET /metrics``; every process that serves HTTP has it (``bot/app.py``)."""
    registry.add_http_route("GET", PATH, scrape)
