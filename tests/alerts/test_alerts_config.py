"""`[[alerts]]` in the config: defaults, and every mistake reported at its place."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from tests.cli import Opsdesk
from tests.conftest import EXAMPLE

GOOD = {"name": "prometheus", "format": "alertmanager", "token_env": "PROM_TOKEN"}


def test_the_example_declares_one_source_per_format() -> None:
    cfg = load_config(EXAMPLE)
    assert [(a.name, a.format) for a in cfg.alerts] == [
        ("prometheus", "alertmanager"),
        ("grafana", "grafana"),
        ("scripts", "generic"),
    ]
    prometheus = cfg.alert_source("prometheus")
    assert prometheus is not None and prometheus.severity_map["critical"] == "sev1"
    assert cfg.alert_source("nagios") is None


def test_defaults() -> None:
    source = parse_config({"alerts": [GOOD]}).alerts[0]
    assert source.auto_resolve is True
    assert source.reopen_within == timedelta(hours=1)
    assert source.severity_label == "severity" and source.resource_label == "resource"
    assert source.severity_map == {
        "critical": "sev1",
        "error": "sev2",
        "warning": "sev3",
        "info": "sev4",
    }
    assert source.channel is None


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"format": "nagios"}, "alerts[0].format: Input should be 'alertmanager', 'grafana'"),
        ({"severity_map": {"critical": "p1"}}, "alerts[0].severity_map.critical: "),
        ({"token_env": None}, "alerts[0].token_env: Field required"),
        ({"token_env": "not a variable"}, "alerts[0].token_env: "),
        ({"name": "Prometheus Prod"}, "alerts[0].name: "),
        ({"reopen_within": "soon"}, "alerts[0].reopen_within: "),
        ({"channel": "incidents"}, "alerts[0].channel: "),
        ({"auto_resolve": "maybe"}, "alerts[0].auto_resolve: "),
        ({"token": "s3cret"}, "alerts[0].token: Extra inputs are not permitted"),
    ],
)
def test_mistakes_are_located(change: dict, where: str) -> None:
    source = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as raised:
        parse_config({"alerts": [source]})
    assert any(e.startswith(where) for e in raised.value.errors), raised.value.errors


def test_a_name_used_twice_is_an_error() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"alerts": [GOOD, {**GOOD, "format": "grafana"}]})
    assert raised.value.errors == [
        "alerts[1].name: the name 'prometheus' is used twice (first at alerts[0].name)"
    ]


def test_check_config_reports_alert_errors_and_notes_unset_tokens(
    tmp_path: Path,
    opsdesk: Opsdesk,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[alerts]]\nname = "prometheus"\nformat = "zabbix"\ntoken_env = "T"\n'
        'severity_map = { critical = "urgent" }\n'
    )
    result = opsdesk("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "  - alerts[0].format:" in result.stderr
    assert "  - alerts[0].severity_map.critical:" in result.stderr

    good = tmp_path / "good.toml"
    good.write_text('[[alerts]]\nname = "prometheus"\nformat = "alertmanager"\ntoken_env = "T"\n')
    result = opsdesk("check-config", str(good), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 alert sources" in result.stdout
    assert "T not set here" in result.stderr


def test_the_manifest_lists_the_alert_hook_beside_slacks_endpoint(
    tmp_path: Path,
    opsdesk: Opsdesk,
) -> None:
    result = opsdesk("manifest", "--url", "https://ops.example.com", cwd=tmp_path)
    assert result.returncode == 0
    assert "POST https://ops.example.com/hooks/alerts/<name>" in result.stderr
    assert "hooks/alerts" not in result.stdout  # the Slack manifest itself stays Slack's
