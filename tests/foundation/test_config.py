"""The config file: the example is valid, and every mistake is reported where it is."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from tests.conftest import EXAMPLE


def test_the_shipped_example_is_valid_and_complete() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.admins == ["U_ALICE"]
    assert [r.up_to for r in cfg.purchases.rules][-1] is None
    assert cfg.purchases.remind_after == timedelta(hours=24)
    assert {r.name for r in cfg.resources} >= {"room-a", "staging-2"}
    rotation = cfg.rotation("primary")
    assert rotation is not None and rotation.length == timedelta(weeks=1)
    assert cfg.digests[0].at == time(9, 0) and cfg.digests[0].weekdays == frozenset(range(5))
    assert cfg.maintenance.remind_before == [timedelta(hours=24), timedelta(hours=1)]
    assert cfg.purchases.fallback == ["U_ALICE"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"timezone": "Mars/Base"}, "timezone: "),
        ({"admins": ["bob"]}, "admins[0]: "),
        ({"purchases": {"rules": [{"up_to": 500, "steps": []}]}}, "purchases.rules[0].steps"),
        (
            {"purchases": {"rules": [{"up_to": 5, "steps": [["nobody"]]}]}},
            "purchases.rules[0].steps[0][0]",
        ),
        (
            {"purchases": {"rules": [{"steps": [["U_A"]]}, {"up_to": 5, "steps": [["U_A"]]}]}},
            "rule 0 has no up_to",
        ),
        ({"purchases": {"remind_after": "soon"}}, "purchases.remind_after"),
        ({"purchases": {"currency": "euro"}}, "purchases.currency"),
        ({"purchases": {"fallback": ["bob"]}}, "purchases.fallback[0]"),
        ({"purchases": {"fallback": "U_BOB"}}, "purchases.fallback"),
        ({"resources": [{"name": "Room A"}]}, "resources[0].name"),
        ({"resources": [{"name": "a"}, {"name": "a"}]}, "used twice"),
        ({"resources": [{"name": "a", "capacity": 0}]}, "resources[0].capacity"),
        (
            {"rotations": [{"name": "p", "members": ["U_A"], "start": "monday", "length": "1w"}]},
            "rotations[0].start",
        ),
        ({"digests": [{"channel": "C_OPS", "at": "9 o'clock"}]}, "digests[0].at"),
        ({"incidnets": {}}, "incidnets: "),
    ],
)
def test_errors_are_located(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(data, "opsdesk.toml")
    assert any(expected in line for line in exc.value.errors), exc.value.errors


def test_broken_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "opsdesk.toml"
    path.write_text('admins = ["U_A"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.path == str(path)
    assert "not valid TOML" in exc.value.errors[0]


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.toml")
    assert "cannot read" in exc.value.errors[0]
