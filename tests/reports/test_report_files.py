"""Charts are valid PNGs of a sensible size whatever the data; the console writes files to
./opsdesk-files/ and prints their paths; the config's [[reports]] errors are located."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from bot.config import Config, ConfigError, parse_config
from bot.console.messenger import ConsoleMessenger
from bot.console.shell import Console, build_console
from bot.reports import charts
from bot.reports.figures import IncidentFigures, PurchaseFigures, Ranked
from bot.reports.period import Period
from bot.reports.usage import OnCallFigures, OnCallRow, ResourceFigures, ResourceUse
from bot.settings import Settings
from storage.report_sql import Percentiles
from storage.reports import Money
from tests.reports.helpers import utc
from tests.reports.test_report_figures import UTC_ZONE

PERIOD = Period(utc("2026-11-02 00:00"), utc("2026-11-30 00:00"), UTC_ZONE, "four weeks")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _sensible(data: bytes) -> None:
    width, height = png_size(data)
    assert (width, height) == (1000, 700)
    assert 5_000 < len(data) < 2_000_000


def test_every_chart_is_a_png_of_sensible_size_even_with_awkward_labels() -> None:
    buckets = PERIOD.buckets()
    p = Percentiles(3, 600.0, 7200.0)
    inc = IncidentFigures(
        buckets,
        [{"sev1": 2, "sev3": 1}, {}, {"sev4": 7}, {"sev2": 1}],
        1,
        p,
        p,
        [p, Percentiles(0), p, p],
        [p, Percentiles(0), Percentiles(0), p],
        Ranked([("$HOME is $PATH", 3)], 9),
        p,
    )
    _sensible(charts.incidents(inc, "Incidents $5 and $6"))
    pur = PurchaseFigures(
        "EUR",
        buckets,
        [Money(1, 100_00)] * 4,
        [Money(0, 0)] * 4,
        {"approved": 1},
        p,
        Ranked([("U_BOB", 3, 1)], 1),
        Ranked([("U_A", 1, 100_00)], 1),
    )
    _sensible(charts.purchases(pur, "Purchases", {"U_BOB": "Bob $ Builder"}))
    res = ResourceFigures(
        [ResourceUse(f"room-{i}", "room", 1, i, 100.0, 0.0) for i in range(40)],
        [[h % 3 for h in range(24)] for _ in range(7)],
        {"booked": 1},
        p,
        UTC_ZONE,
    )
    _sensible(charts.resources(res, "Resources"))
    on = OnCallFigures([OnCallRow("primary", "U_AMY", 40, 20, 24, 5, 1)], {"U_AMY": (2, 1)}, 1)
    _sensible(charts.oncall(on, "On call", {"U_AMY": "Amy"}))
    empty = OnCallFigures([], {}, 1)
    _sensible(charts.oncall(empty, "On call", {}))


@pytest.fixture
def console(settings: Settings, config: Config, engine, tmp_path: Path, monkeypatch) -> Console:
    monkeypatch.chdir(tmp_path)
    return build_console(settings, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_the_console_writes_charts_and_csvs_and_prints_their_paths(
    console: Console, tmp_path: Path
) -> None:
    out = _run(
        console,
        "/incident raise Printer on fire sev2",
        "/report incidents week",
        "/report export incidents week",
    )
    assert "REPORT · THE LAST 7 DAYS" in out  # the console shows a header in capitals
    assert "1 incident raised (sev2 1)" in out
    written = sorted(p.relative_to(tmp_path) for p in (tmp_path / "opsdesk-files").iterdir())
    assert [p.suffix for p in written] == [".csv", ".png"]
    for path in written:
        assert f"file: {path}" in out
    png = (tmp_path / next(p for p in written if p.suffix == ".png")).read_bytes()
    assert png_size(png)[0] == 1000
    csv_text = (tmp_path / next(p for p in written if p.suffix == ".csv")).read_text("utf-8")
    assert csv_text.splitlines()[0].startswith("id,title,severity,status")
    assert "Printer on fire" in csv_text


def test_the_console_never_overwrites_a_file(tmp_path: Path) -> None:
    messenger = ConsoleMessenger(io.StringIO(), "UTC", files_dir=tmp_path)
    messenger.upload("U_ALICE", "../a b.csv", b"one", "A")
    messenger.upload("C_OPS", "../a b.csv", b"two", "A", thread_ts="1.1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-b-2.csv", "a-b.csv"]
    assert (tmp_path / "a-b-2.csv").read_bytes() == b"two"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"reports": [{"channel": "C_OPS", "at": "9"}]}, "reports[0].at: "),
        ({"reports": [{"channel": "ops", "at": "09:00"}]}, "reports[0].channel: "),
        ({"reports": [{"channel": "C_OPS", "at": "09:00", "day": "funday"}]}, "reports[0].day"),
        (
            {"reports": [{"channel": "C_OPS", "at": "09:00", "timezone": "Mars/Base"}]},
            "reports[0].timezone: ",
        ),
        (
            {"reports": [{"channel": "C_OPS", "at": "09:00", "sections": ["money"]}]},
            "reports[0].sections[0]: ",
        ),
        (
            {"reports": [{"channel": "C_OPS", "at": "09:00", "sections": []}]},
            "reports[0].sections: ",
        ),
        (
            {"reports": [{"channel": "C_X", "at": "09:00"}, {"channel": "C_X", "at": "10:00"}]},
            "reports[1] posts in C_X like reports[0]",
        ),
        ({"reports": [{"channel": "C_OPS", "at": "09:00", "every": "week"}]}, "reports[0].every"),
    ],
)
def test_report_config_errors_are_located(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(data, "opsdesk.toml")
    assert any(expected in line for line in exc.value.errors), exc.value.errors


def test_a_report_entry_has_defaults() -> None:
    cfg = parse_config({"reports": [{"channel": "C_OPS", "at": "08:30", "day": "Friday"}]})
    entry = cfg.reports[0]
    assert (entry.day, entry.weekday, entry.timezone) == ("fri", 4, None)
    assert entry.sections == ["incidents", "purchases", "resources", "oncall"]
