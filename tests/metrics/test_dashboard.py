"""docs/grafana-dashboard.json: importable, and about metrics /metrics really serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from tests.e2e import SlackApp

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
NAME = re.compile(r"\bopsdesk_[a-z_]+")


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in _panels(dashboard) for t in p.get("targets", [])]


def test_the_dashboard_imports_with_a_prometheus_data_source_chosen_at_import() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    [source] = dashboard["__inputs"]
    assert (source["name"], source["type"], source["pluginId"]) == (
        "DS_PROMETHEUS",
        "datasource",
        "prometheus",
    )
    ids = [p["id"] for p in _panels(dashboard)]
    assert len(ids) == len(set(ids))
    for panel in _panels(dashboard):
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}"
    assert "${DS_PROMETHEUS}" in json.dumps(dashboard["templating"])


def test_the_dashboard_only_references_metrics_that_exist_and_shows_each_one(
    slack: SlackApp,
) -> None:
    served: set[str] = set()  # what a query may name: counters' _total, histograms' parts
    histograms: set[str] = set()
    for family in text_string_to_metric_families(slack.get("/metrics").raw.decode()):
        served.update(family.name + suffix for suffix in SUFFIXES[family.type])
        if family.type == "histogram":
            histograms.add(family.name)
    dashboard = json.loads(DASHBOARD.read_text())
    used = {name for expr in _exprs(dashboard) for name in NAME.findall(expr)}
    assert used, "no metric in the dashboard"
    assert used <= served, f"not served: {sorted(used - served)}"
    # Every metric of the contract is served and shown (histograms through their buckets).
    shown = {re.sub(r"_(bucket|sum|count)$", "", name) for name in used}
    assert set(metrics.NAMES) <= served | histograms
    assert set(metrics.NAMES) == shown


def test_histogram_quantiles_read_buckets_by_le() -> None:
    for expr in _exprs(json.loads(DASHBOARD.read_text())):
        if "histogram_quantile" in expr:
            assert "_bucket" in expr and "by (le)" in expr, expr
