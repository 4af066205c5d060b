"""Run the app as production does (gunicorn or `opsdesk serve`) in a subprocess, for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from tests.conftest import PG_URL
from tests.slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[1]
SECRET = "serving-secret"


def database_url(engine: Engine) -> str:
    """The test's database for another process (on PostgreSQL, this test's own schema)."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, stub: SlackStub, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPSDESK_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-serve",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=stub.base_url,
        OPSDESK_SCHEDULER="off",
        OPSDESK_CONFIG=str(ROOT / "opsdesk.example.toml"),
        PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def gunicorn_command(port: int, workers: int = 2, threads: int = 4) -> list[str]:
    """The Procfile's web line (tests/foundation/test_cli.py checks they agree)."""
    return [
        sys.executable, "-m", "gunicorn", "-c", "python:bot.gunicorn_conf", "bot.wsgi:create()",
        "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip


@contextmanager
def running(cmd: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[str]:
    """Start the server, wait until /healthz answers, yield its base URL, stop it."""
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise AssertionError(f"server exited: {err}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("server did not become healthy") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        # gunicorn gives its workers graceful_timeout (30 s by default) to finish; on a busy
        # machine a worker it has just started again (a test killed one) may still be booting.
        proc.wait(timeout=35)


def migrate(env: dict[str, str], cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, check=True, cwd=cwd)
