"""Alert payloads in the shapes the senders document: Alertmanager's webhook_config body
(version 4) and Grafana's webhook contact point body (the same keys plus title, message, state,
orgId and per-alert extras), and the generic JSON of SPEC "Alerts in"."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from typing import Any

TOKENS = {
    "OPSDESK_ALERTS_PROMETHEUS_TOKEN": "prom-s3cret",
    "OPSDESK_ALERTS_GRAFANA_TOKEN": "graf-s3cret",
    "OPSDESK_ALERTS_SCRIPTS_TOKEN": "scripts-s3cret",
}
TOKEN_OF = {
    "prometheus": "prom-s3cret",
    "grafana": "graf-s3cret",
    "scripts": "scripts-s3cret",
}
GROUP_KEY = '{}:{alertname="HighErrorRate", job="checkout"}'


def _fingerprint(name: str, instance: str) -> str:
    return hashlib.sha256(f"{name}/{instance}".encode()).hexdigest()[:16]


def am_alert(
    name: str = "HighErrorRate",
    *,
    status: str = "firing",
    instance: str = "checkout-1:9090",
    severity: str = "critical",
    resource: str | None = None,
    fingerprint: str | None = None,
    summary: str | None = None,
) -> dict[str, Any]:
    labels = {"alertname": name, "job": "checkout", "instance": instance, "severity": severity}
    if resource:
        labels["resource"] = resource
    alert: dict[str, Any] = {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": summary or f"{name} on {instance}",
            "description": "5xx ratio above 5% for 10 minutes",
        },
        "startsAt": "2026-12-01T09:51:03.157076+01:00",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-01T10:30:00Z",
        "generatorURL": f"http://prometheus.example:9090/graph?g0.expr=errors%7Binstance%3D%22{instance}%22%7D",
        "fingerprint": fingerprint or _fingerprint(name, instance),
    }
    return alert


def alertmanager(
    alerts: list[dict[str, Any]],
    *,
    group_key: str = GROUP_KEY,
    common: dict[str, str] | None = None,
    summary: str | None = "Checkout error rate is high",
    truncated: int = 0,
) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    common_labels = common if common is not None else {
        "alertname": "HighErrorRate", "job": "checkout", "severity": "critical"
    }  # fmt: skip
    annotations = {"summary": summary} if summary else {}
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": truncated,
        "status": "firing" if firing else "resolved",
        "receiver": "opsdesk",
        "groupLabels": {"alertname": "HighErrorRate", "job": "checkout"},
        "commonLabels": common_labels,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager.example:9093",
        "alerts": alerts,
    }


def grafana(*, status: str = "firing", group_key: str = "{}/{}:{}") -> dict[str, Any]:
    alerts = [
        {
            "status": status,
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://runbooks.example/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2026-12-01T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://grafana.example/alerting/silence/new?matchers=alertname%3DT2",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": status,
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1"},
            "annotations": {
                "description": "The system has high CPU usage",
                "runbook_url": "https://runbooks.example/1234",
                "summary": "This alert was triggered for zone eu-1",
            },
            "startsAt": "2026-12-01T09:56:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://grafana.example/alerting/silence/new?matchers=alertname%3DT1",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
    ]
    return {
        "receiver": "My Super Webhook",
        "status": status,
        "orgId": 1,
        "alerts": alerts,
        "groupLabels": {},
        "commonLabels": {"team": "blue"},
        "commonAnnotations": {},
        "externalURL": "https://grafana.example/",
        "version": "1",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "title": "[FIRING:2]  (blue)",
        "state": "alerting" if status == "firing" else "ok",
        "message": "**Firing**\n\nLabels:\n - alertname = High memory usage\n",
    }


def generic(**fields: Any) -> dict[str, Any]:
    body = {
        "title": "Nightly backup failed",
        "dedupe_key": "backup-nightly",
        "status": "firing",
        "severity": "sev2",
        "description": "pg_dump exited 1",
        "url": "https://ci.example/jobs/42",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def post(
    base: str,
    name: str,
    body: Any,
    *,
    token: str | None = "default",
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(base + f"/hooks/alerts/{name}", data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    if token == "default":
        token = TOKEN_OF.get(name, "x")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        text = err.read()
        return err.code, json.loads(text) if text else {}
