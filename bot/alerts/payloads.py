"""What monitoring systems send, read into one shape: a group of alerts, some firing.

Three formats (SPEC "Alerts in"): Prometheus Alertmanager's webhook (version 4), Grafana's
unified alerting webhook (the same shape plus ``title``, ``message`` and ``state``), and a
generic JSON for scripts and other monitors (one alert, grouped by its ``dedupe_key``).
Anything else is a ``BadPayload`` whose reason the sender gets back with a 400.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.config import AlertSourceConfig
from storage.incidents import SEVERITIES, Severity

Status = Literal["firing", "resolved"]
Labels = dict[str, str]


class BadPayload(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Lenient(BaseModel):
    # Senders add fields over the years (Grafana's values, silenceURL, ...): ignore what is unused.
    model_config = ConfigDict(extra="ignore", frozen=True)


class WebhookAlert(_Lenient):
    status: Status
    labels: Labels = Field(default_factory=dict)
    annotations: Labels = Field(default_factory=dict)
    startsAt: str | None = None
    endsAt: str | None = None
    generatorURL: str = ""
    fingerprint: str | None = None


class AlertmanagerPayload(_Lenient):
    """Alertmanager's webhook_config body; Grafana's contact point sends the same keys."""

    version: str | None = None
    groupKey: str = Field(min_length=1)
    status: Status
    receiver: str = ""
    groupLabels: Labels = Field(default_factory=dict)
    commonLabels: Labels = Field(default_factory=dict)
    commonAnnotations: Labels = Field(default_factory=dict)
    externalURL: str = ""
    truncatedAlerts: int = Field(default=0, ge=0)
    alerts: list[WebhookAlert] = Field(min_length=1)


class GrafanaPayload(AlertmanagerPayload):
    title: str = ""
    message: str = ""
    state: str = ""
    orgId: int | None = None


class GenericPayload(_Lenient):
    title: str = Field(min_length=1, max_length=1000)
    dedupe_key: str = Field(min_length=1, max_length=1000)
    status: Status = "firing"
    severity: Severity | None = None
    description: str | None = Field(default=None, max_length=10_000)
    resource: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)


@dataclass(frozen=True)
class Alert:
    fingerprint: str
    name: str
    summary: str
    firing: bool
    url: str


@dataclass(frozen=True)
class Batch:
    """One delivery, read: the group it belongs to and what it says of each alert."""

    group_key: str
    title: str
    severity: Severity | None
    resource: str | None
    description: str | None
    url: str | None  # the group's own link (the generic format's url, Grafana's rule)
    alerts: tuple[Alert, ...]
    truncated: int = 0  # alerts the sender left out (Alertmanager's max_alerts)

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.firing)


def parse(source: AlertSourceConfig, body: bytes) -> Batch:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadPayload("the body must be a JSON object")
    try:
        if source.format == "generic":
            return _generic(GenericPayload.model_validate(data))
        if source.format == "grafana":
            return _webhook(source, GrafanaPayload.model_validate(data))
        payload = AlertmanagerPayload.model_validate(data)
    except ValidationError as exc:
        raise BadPayload(_reason(exc)) from None
    if payload.version is not None and payload.version != "4":
        raise BadPayload(f"unsupported Alertmanager webhook version {payload.version[:10]!r} (4)")
    return _webhook(source, payload)


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ""
        for p in err["loc"]:
            loc += f"[{p}]" if isinstance(p, int) else (f".{p}" if loc else str(p))
        parts.append(f"{loc or 'body'}: {err['msg']}")
    more = len(exc.errors()) - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _fingerprint(alert: WebhookAlert) -> str:
    if alert.fingerprint:
        return alert.fingerprint[:64]
    canonical = json.dumps(sorted(alert.labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _severity(
    source: AlertSourceConfig, common: Mapping[str, str], alerts: list[WebhookAlert]
) -> Severity | None:
    """The common label's severity, else the worst of the firing alerts' labels."""
    mapped = source.severity_map.get(common.get(source.severity_label, ""))
    if mapped:
        return mapped
    found = [
        source.severity_map[a.labels[source.severity_label]]
        for a in alerts
        if a.status == "firing" and a.labels.get(source.severity_label) in source.severity_map
    ]
    return min(found, key=SEVERITIES.index) if found else None


def _resource(
    source: AlertSourceConfig, common: Mapping[str, str], alerts: list[WebhookAlert]
) -> str | None:
    label = source.resource_label
    if not label:
        return None
    if common.get(label):
        return common[label]
    values = {a.labels.get(label) for a in alerts if a.status == "firing"}
    return next(iter(values)) if len(values) == 1 and None not in values else None


def _webhook(source: AlertSourceConfig, payload: AlertmanagerPayload) -> Batch:
    common = payload.commonLabels
    grafana = payload if isinstance(payload, GrafanaPayload) else None
    title = (
        payload.commonAnnotations.get("summary")
        or common.get("alertname")
        or (grafana.title if grafana else "")
        or ", ".join(f"{k}={v}" for k, v in sorted(payload.groupLabels.items()))
        or f"Alerts from {source.name}"
    )
    description = payload.commonAnnotations.get("description") or (
        grafana.message if grafana else None
    )
    alerts = tuple(
        Alert(
            fingerprint=_fingerprint(a),
            name=a.labels.get("alertname") or title,
            summary=a.annotations.get("summary") or a.annotations.get("description") or "",
            firing=a.status == "firing",
            url=a.generatorURL,
        )
        for a in payload.alerts
    )
    return Batch(
        group_key=payload.groupKey,
        title=title,
        severity=_severity(source, common, payload.alerts),
        resource=_resource(source, common, payload.alerts),
        description=description or None,
        url=None,
        alerts=alerts,
        truncated=payload.truncatedAlerts,
    )


def _generic(payload: GenericPayload) -> Batch:
    alert = Alert(
        fingerprint=hashlib.sha256(payload.dedupe_key.encode()).hexdigest()[:16],
        name=payload.title,
        summary=payload.description or "",
        firing=payload.status == "firing",
        url=payload.url or "",
    )
    return Batch(
        group_key=payload.dedupe_key,
        title=payload.title,
        severity=payload.severity,
        resource=payload.resource,
        description=payload.description,
        url=payload.url,
        alerts=(alert,),
    )
