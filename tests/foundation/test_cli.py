"""The command line as an operator meets it: one-screen errors, never a traceback.

Most tests call the entry point in this process (the ``opsdesk`` fixture, tests/cli.py); those
marked ``processes`` start a real one where the process is the point: gunicorn's start-up, and
the exit code and message the shell sees.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import ROOT, Opsdesk, Ran

# Every migration that ships, counted from the package so a new one needs no test edit.
_MIGRATIONS = len(
    list((Path(__file__).resolve().parents[2] / "storage/migrations/versions").glob("0*.py"))
)


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` as a process, with none of this environment's Slack or Opsdesk
    settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPSDESK_"))}
    base.pop("DATABASE_URL", None)
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd or ROOT,
        timeout=60,
    )


def test_bad_environment_names_the_setting(tmp_path: Path, opsdesk: Opsdesk) -> None:
    result = opsdesk("db", "upgrade", env={"OPSDESK_SCHEDULER": "maybe"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "OPSDESK_SCHEDULER" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_time_zone_names_the_setting(tmp_path: Path, opsdesk: Opsdesk) -> None:
    result = opsdesk("db", "upgrade", env={"OPSDESK_TIMEZONE": "Mars/Base"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "OPSDESK_TIMEZONE" in result.stderr and "IANA" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_lists_every_error(tmp_path: Path, opsdesk: Opsdesk) -> None:
    bad = tmp_path / "opsdesk.toml"
    bad.write_text('timezone = "Nowhere"\n[[purchases.rules]]\nup_to = 5\nsteps = []\n')
    result = opsdesk("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "timezone:" in result.stderr and "purchases.rules[0].steps" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_accepts_the_example(tmp_path: Path, opsdesk: Opsdesk) -> None:
    result = opsdesk("check-config", str(ROOT / "opsdesk.example.toml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_bad_config_stops_start_up_with_a_located_error(tmp_path: Path, opsdesk: Opsdesk) -> None:
    (tmp_path / "opsdesk.toml").write_text("admins = [1]\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = opsdesk("console", env={"DATABASE_URL": db}, cwd=tmp_path)
    assert result.returncode == 2
    assert "admins[0]" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path, opsdesk: Opsdesk) -> None:
    env = {
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
    }
    result = opsdesk("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_works_from_any_directory(tmp_path: Path, opsdesk: Opsdesk) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = opsdesk("db", "upgrade", env={"DATABASE_URL": db}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh.db").exists()


def test_manifest_declares_every_command_and_what_the_app_uses(opsdesk: Opsdesk) -> None:
    result = opsdesk("manifest", "--url", "https://ops.example.com")
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    features, settings = manifest["features"], manifest["settings"]
    commands = {c["command"] for c in features["slash_commands"]}
    from bot.app import build_registry

    assert commands == {c.slash for c in build_registry().command_sets()}
    spec = {"/incident", "/purchase", "/resource", "/shift", "/maintenance", "/digest", "/report"}
    assert commands == spec, "the seven commands of SPEC, no more and no fewer"
    assert all(
        c["url"] == "https://ops.example.com/slack/events" for c in features["slash_commands"]
    )
    assert all(c["should_escape"] for c in features["slash_commands"])
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"] == "https://ops.example.com/slack/events"
    assert set(settings["event_subscriptions"]["bot_events"]) >= {
        "app_home_opened",
        "app_mention",
        "message.im",
    }
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["shortcuts"][0]["callback_id"] == "raise_incident_from_message"
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read", "app_mentions:read"} <= scopes
    assert "files:write" in scopes, "report charts and exports are uploaded files"
    # Reading its own messages back, to find a post whose answer was lost (docs/RELIABILITY.md).
    assert {"channels:history", "groups:history", "im:history"} <= scopes


def test_socket_manifest_has_no_urls(opsdesk: Opsdesk) -> None:
    result = opsdesk("manifest", "--socket")
    manifest = json.loads(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]


def _procfile_web(port: int) -> list[str]:
    """The Procfile's web command, run with this interpreter's gunicorn on a free port."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    words = shlex.split(line.removeprefix("web:"))
    words = [w for w in words if "=" not in w or w.startswith("-")]  # env assignments go
    assert words[0] == "gunicorn", line
    bind = words.index("--bind")
    words[bind + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *words]


def test_the_procfile_runs_what_the_serving_tests_run() -> None:
    from tests.serving import gunicorn_command

    web = _procfile_web(1234)
    assert web[: web.index("--workers")] == gunicorn_command(1234)[: web.index("--workers")]


def _start_up(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPSDESK_"))}
    base.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{cwd / 'start.db'}", **env)
    return subprocess.run(cmd, capture_output=True, text=True, env=base, cwd=cwd, timeout=60)


def _stopped_with(result: subprocess.CompletedProcess[str] | Ran, title: str) -> None:
    assert result.returncode == 2, result.stderr
    assert f"opsdesk: {title}\n  - SLACK_" in result.stderr, "where to find what is missing"
    for noise in ("Traceback", "Worker failed to boot", "Booting worker", "Opsdesk console"):
        assert noise not in result.stderr + result.stdout


@pytest.mark.processes
@pytest.mark.parametrize(
    ("env", "title"),
    [
        ({"SLACK_SIGNING_SECRET": "x"}, "HTTP mode needs SLACK_BOT_TOKEN"),
        ({}, "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_slack_credentials_stop_the_procfile_web_command_before_any_worker(
    tmp_path: Path, env: dict[str, str], title: str
) -> None:
    result = _start_up(_procfile_web(0), {"OPSDESK_SCHEDULER": "off", **env}, tmp_path)
    _stopped_with(result, title)


@pytest.mark.parametrize(
    ("how", "env", "title"),
    [
        ("serve", {"SLACK_SIGNING_SECRET": "x"}, "HTTP mode needs SLACK_BOT_TOKEN"),
        ("serve", {"SLACK_BOT_TOKEN": "xoxb-x"}, "HTTP mode needs SLACK_SIGNING_SECRET"),
        ("scheduler", {}, "the scheduler needs SLACK_BOT_TOKEN"),
        ("socket", {"SLACK_BOT_TOKEN": "xoxb-x"}, "Socket Mode needs SLACK_APP_TOKEN"),
        ("", {"SLACK_APP_TOKEN": "xapp-x"}, "Socket Mode needs SLACK_BOT_TOKEN"),
        ("", {"SLACK_SIGNING_SECRET": "x"}, "HTTP mode needs SLACK_BOT_TOKEN"),
        (
            "",
            {"SLACK_BOT_TOKEN": "xoxb-x"},
            "Slack mode needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)",
        ),
    ],
)
def test_missing_slack_credentials_stop_start_up_with_one_message(
    tmp_path: Path, opsdesk: Opsdesk, how: str, env: dict[str, str], title: str
) -> None:
    db = f"sqlite:///{tmp_path / 'start.db'}"
    env = {"DATABASE_URL": db, "OPSDESK_SCHEDULER": "off", **env}
    _stopped_with(opsdesk(*how.split(), env=env, cwd=tmp_path), title)


@pytest.mark.processes
def test_a_process_missing_a_token_exits_with_2_and_says_which(tmp_path: Path) -> None:
    """What a supervisor or the shell sees: the exit code of `python -m bot serve` itself."""
    cmd = [sys.executable, "-m", "bot", "serve"]
    env = {"OPSDESK_SCHEDULER": "off", "SLACK_SIGNING_SECRET": "x"}
    _stopped_with(_start_up(cmd, env, tmp_path), "HTTP mode needs SLACK_BOT_TOKEN")


@pytest.mark.processes
def test_the_procfile_web_command_with_a_bad_config_stops_before_any_worker(
    tmp_path: Path,
) -> None:
    (tmp_path / "opsdesk.toml").write_text("admins = [1]\n")
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "x"}
    result = _start_up(_procfile_web(0), env, tmp_path)
    assert result.returncode == 2
    assert "opsdesk: the config file opsdesk.toml has errors" in result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


def test_db_upgrade_says_what_it_applied(tmp_path: Path, opsdesk: Opsdesk) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    first = opsdesk("db", "upgrade", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"applied {_MIGRATIONS} migration(s)" in first.stdout
    assert "0002_incidents: Incidents and their timelines." in first.stdout
    again = opsdesk("db", "upgrade", env=env, cwd=tmp_path)
    assert "already up to date; nothing to apply" in again.stdout
    assert "applied" not in again.stdout


def test_a_heroku_style_postgres_url_is_postgresql_with_psycopg(
    tmp_path: Path, opsdesk: Opsdesk
) -> None:
    """What platforms hand out (postgres://...) works as it is."""
    from sqlalchemy import text

    from storage.db import make_engine
    from tests.conftest import PG_URL

    schema = f"opsdesk_cli_{os.getpid()}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the PostgreSQL half of the suite is skipped the same way
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    try:
        url = PG_URL.replace("postgresql+psycopg://", "postgres://", 1)
        env = {"DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}"}
        result = opsdesk("db", "upgrade", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"applied {_MIGRATIONS} migration(s)" in result.stdout
        assert "NoSuchModuleError" not in result.stderr
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://ops:s3cret@db/opsdesk", "DATABASE_URL: mysql:// is not supported"),
        ("postgresql+psycopg2://ops:s3cret@db/x", "postgresql+psycopg2:// is not supported"),
        ("ops:s3cret@db/opsdesk", "DATABASE_URL: not a database URL"),
    ],
)
def test_an_unsupported_database_url_is_one_clear_line(
    tmp_path: Path, url: str, expected: str, opsdesk: Opsdesk
) -> None:
    result = opsdesk("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr and "Opsdesk runs on SQLite" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db?sslmode=require", "postgresql+psycopg://u@h/db?sslmode=require"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///opsdesk.db", "sqlite:///opsdesk.db"),
    ],
)
def test_database_urls_are_normalised_in_the_settings(given: str, used: str) -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None, DATABASE_URL=given)
    assert used == settings.DATABASE_URL


def test_check_config_reports_every_mistake_in_one_pass(tmp_path: Path, opsdesk: Opsdesk) -> None:
    bad = tmp_path / "opsdesk.toml"
    bad.write_text(
        'timezone = "Nowhere"\n'
        'admins = ["alice"]\n'
        "[[purchases.rules]]\nup_to = 1000\nsteps = [['U_BOB']]\n"
        "[[purchases.rules]]\nup_to = 500\nsteps = [['U_CAROL']]\n"
        '[[resources]]\nname = "room-a"\n[[resources]]\nname = "van"\n'
        '[[resources]]\nname = "room-b"\n[[resources]]\nname = "room-a"\n'
        '[[resources]]\nname = "Room C"\n'
    )
    result = opsdesk("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "has 5 error(s)" in result.stderr
    for where in (
        "timezone:",
        "admins[0]:",
        "purchases.rules[1].up_to: rules must be in increasing order",
        "resources[3].name: the name 'room-a' is used twice",
        "resources[4].name:",
    ):
        assert f"  - {where}" in result.stderr, result.stderr
    assert "(top level)" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "say how Slack reaches Opsdesk: --url https://"),
        (("--url", "https://ops.example.com", "--socket"), "not both"),
        (("--url", "ops.example.com"), "--url must be the public HTTPS base URL"),
        (("--url", "http://ops.example.com"), "Slack only sends to https"),
        (("--url", "https://"), "--url must be the public HTTPS base URL"),
        (("--url", "https://ops.example.com/?x=1"), "--url must be the public HTTPS base URL"),
    ],
)
def test_a_manifest_slack_would_reject_is_refused_in_one_line(
    args: tuple[str, ...], expected: str, opsdesk: Opsdesk
) -> None:
    result = opsdesk("manifest", *args)
    assert result.returncode == 2
    assert result.stdout == "", "no manifest at all"
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_manifest_under_a_path_keeps_it(opsdesk: Opsdesk) -> None:
    result = opsdesk("manifest", "--url", "https://example.com/opsdesk/")
    manifest = json.loads(result.stdout)
    assert manifest["settings"]["interactivity"]["request_url"] == (
        "https://example.com/opsdesk/slack/events"
    )
