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


def test_every_mistake_is_reported_in_one_pass_each_at_its_place() -> None:
    data = {
        "timezone": "Nowhere/Land",
        "admins": ["alice"],
        "purchases": {
            "remind_after": "soon",
            "rules": [
                {"up_to": 1000, "steps": [["U_BOB"]]},
                {"up_to": 500, "steps": [["U_CAROL"]]},
                {"steps": [["nobody"]]},
            ],
        },
        "resources": [{"name": "room-a"}, {"name": "room-b"}, {"name": "van"}, {"name": "room-a"}],
        "rotations": [
            {"name": "p", "members": ["U_A"], "start": "2026-11-30 09:00", "length": "1w"},
            {"name": "p", "members": ["U_B"], "start": "2026-11-30 09:00", "length": "1w"},
        ],
    }
    with pytest.raises(ConfigError) as exc:
        parse_config(data, "opsdesk.toml")
    where = [line.split(":")[0] for line in exc.value.errors]
    assert where == [  # in the order they stand in the file
        "timezone",
        "admins[0]",
        "purchases.remind_after",
        "purchases.rules[1].up_to",
        "purchases.rules[2].steps[0][0]",
        "resources[3].name",
        "rotations[1].name",
    ], exc.value.errors
    assert "(top level)" not in " ".join(exc.value.errors)
    assert "resources[3].name: the name 'room-a' is used twice (first at resources[0].name)" in (
        exc.value.errors
    )
    assert any("rules must be in increasing order of up_to; 500" in e for e in exc.value.errors)


def test_a_rule_without_up_to_must_be_last_even_beside_other_errors() -> None:
    data = {
        "timezone": "Nowhere/Land",
        "purchases": {"rules": [{"steps": [["U_A"]]}, {"up_to": 5, "steps": [["U_A"]]}]},
    }
    with pytest.raises(ConfigError) as exc:
        parse_config(data)
    assert exc.value.errors[0].startswith("timezone:")
    assert "purchases.rules[0].up_to: rule 0 has no up_to, so it must be the last rule" in (
        exc.value.errors
    )


def test_digest_and_report_times_are_read_and_refused_alike() -> None:
    good = parse_config(
        {
            "digests": [{"channel": "C1", "at": " 09:30 "}],
            "reports": [{"channel": "C1", "at": "7:05"}],
        }
    )
    assert (good.digests[0].at, good.reports[0].at) == (time(9, 30), time(7, 5))
    with pytest.raises(ConfigError) as bad:
        parse_config(
            {
                "digests": [{"channel": "C1", "at": "9am"}],
                "reports": [{"channel": "C1", "at": "25:00"}],
            }
        )
    said = str(bad.value)
    for where in ("digests[0].at", "reports[0].at"):
        assert f'{where}: at is a local time of day such as "09:00"' in said
