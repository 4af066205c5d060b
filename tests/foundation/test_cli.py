"""The command line as an operator meets it: one-screen errors, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
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


def test_bad_environment_names_the_setting(tmp_path: Path) -> None:
    result = run("db", "upgrade", env={"OPSDESK_SCHEDULER": "maybe"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "OPSDESK_SCHEDULER" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_time_zone_names_the_setting(tmp_path: Path) -> None:
    result = run("db", "upgrade", env={"OPSDESK_TIMEZONE": "Mars/Base"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "OPSDESK_TIMEZONE" in result.stderr and "IANA" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_lists_every_error(tmp_path: Path) -> None:
    bad = tmp_path / "opsdesk.toml"
    bad.write_text('timezone = "Nowhere"\n[[purchases.rules]]\nup_to = 5\nsteps = []\n')
    result = run("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "timezone:" in result.stderr and "purchases.rules[0].steps" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_accepts_the_example(tmp_path: Path) -> None:
    result = run("check-config", str(ROOT / "opsdesk.example.toml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_bad_config_stops_start_up_with_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "opsdesk.toml").write_text("admins = [1]\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = run("console", env={"DATABASE_URL": db}, cwd=tmp_path)
    assert result.returncode == 2
    assert "admins[0]" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
    }
    result = run("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_works_from_any_directory(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run("db", "upgrade", env={"DATABASE_URL": db}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh.db").exists()


def test_manifest_declares_every_command_and_what_the_app_uses() -> None:
    result = run("manifest", "--url", "https://ops.example.com")
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    features, settings = manifest["features"], manifest["settings"]
    commands = {c["command"] for c in features["slash_commands"]}
    from bot.app import build_registry

    assert commands == {c.slash for c in build_registry().command_sets()}
    spec = {"/incident", "/purchase", "/resource", "/shift", "/maintenance", "/digest"}
    assert commands == spec, "the six commands of SPEC, no more and no fewer"
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
    # Reading its own messages back, to find a post whose answer was lost (docs/RELIABILITY.md).
    assert {"channels:history", "groups:history", "im:history"} <= scopes


def test_socket_manifest_has_no_urls() -> None:
    result = run("manifest", "--socket")
    manifest = json.loads(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]
