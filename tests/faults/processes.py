"""Real Opsdesk processes for crash tests: a database of their own, start, SIGKILL, restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import PG_URL
from tests.serving import ROOT, server_env
from tests.slack_stub import SlackStub

# Short enough that a claim lapses within seconds (a lease is 12 timeouts), long enough for a
# loaded CI machine to answer the stand-in's quick posts.
SLACK_TIMEOUT = "0.3"


@dataclass
class Database:
    url: str  # DATABASE_URL for the processes
    engine: Engine  # for the test to set up and count


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[Database]:
    """A migrated database of its own: a SQLite file, or a PostgreSQL schema dropped after."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'opsdesk.db'}"
        engine = make_engine(url)
        upgrade(engine)
        yield Database(url, engine)
        engine.dispose()
        return
    schema = f"opsdesk_crash_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield Database(url, engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def environment(db: Database, stub: SlackStub, port: int, **extra: str) -> dict[str, str]:
    return server_env(
        db.url,
        stub,
        port,
        OPSDESK_SCHEDULER="on",
        OPSDESK_SLACK_TIMEOUT=SLACK_TIMEOUT,
        **extra,
    )


class Process:
    """``python -m bot <mode>`` in its own process group, so SIGKILL takes every worker."""

    def __init__(self, mode: str, env: dict[str, str], log: Path):
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", mode],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def kill(self) -> None:
        """As the kernel's OOM killer or a pulled plug would: no clean-up runs."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_healthy(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"not healthy: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)


def wait_until(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.2)
