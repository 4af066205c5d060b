"""GET /metrics on its own port, for the processes that have no web server."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from bot import metrics
from bot.runtime import Runtime
from tests.metrics.helpers import parse

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with _opener.open(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        return int(err.code), err.read()


def test_the_metrics_port_answers_metrics_and_nothing_else(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = metrics.serve(runtime, 0, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        status, body = _get(base + "/metrics")
        assert status == 200
        assert "opsdesk_notice_oldest_pending_seconds" in parse(body.decode())
        assert _get(base + "/slack/events")[0] == 404
        monkeypatch.setattr(runtime.settings, "OPSDESK_METRICS_TOKEN", "port-token")
        assert _get(base + "/metrics")[0] == 401
        assert _get(base + "/metrics", "port-token")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
