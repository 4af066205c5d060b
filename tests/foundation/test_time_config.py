"""`[time] tonight`: what "tonight" means, validated and located like every other key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from tests.cli import ROOT, Opsdesk


def test_the_example_says_what_tonight_means() -> None:
    assert load_config(ROOT / "opsdesk.example.toml").time.tonight == time(20, 0)
    assert parse_config({}).time.tonight == time(20, 0), "the default without a [time] section"
    assert parse_config({"time": {"tonight": "21:30"}}).time.tonight == time(21, 30)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("9:00", "an evening time between 12:00 and 23:59"),
        ("late", 'a local time of day such as "20:00"'),
        ("25:00", 'a local time of day such as "20:00"'),
        (20, 'a local time of day such as "20:00"'),
    ],
)
def test_a_bad_tonight_is_located(value: object, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"time": {"tonight": value}})
    (line,) = caught.value.errors
    assert line.startswith("time.tonight: tonight is ") and words in line


def test_check_config_names_a_bad_tonight(tmp_path: Path, opsdesk: Opsdesk) -> None:
    bad = tmp_path / "opsdesk.toml"
    bad.write_text('[time]\ntonight = "8pm"\n')
    result = opsdesk("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "time.tonight:" in result.stderr and "20:00" in result.stderr
    assert "Traceback" not in result.stderr
