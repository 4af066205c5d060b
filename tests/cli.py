"""`opsdesk ...` run in the test's process: what `python -m bot ...` would print and exit with.

Starting Python with the app takes a second or more per run; most CLI tests are about what a
command prints and its exit code, not about the process. The ``opsdesk`` fixture calls the
entry point (``bot.cli.main``, what ``python -m bot`` and the ``opsdesk`` script run) with the
environment and working directory a fresh process would get, its stdout and stderr captured,
logging set up as in that process, and an uncaught exception written to stderr as a traceback
with exit code 1, as the interpreter would. Tests where the process is the point (gunicorn,
the piped console, a process killed mid-batch, an exit code as the shell sees it) start a
real one and are marked ``processes``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60  # seconds, as for the commands run as processes


@dataclass(frozen=True)
class Ran:
    """What `subprocess.run(..., capture_output=True, text=True)` would have returned."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _exit_code(exc: SystemExit, stderr: io.StringIO) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=stderr)  # as the interpreter does with SystemExit("message")
    return 1


class Opsdesk:
    """``opsdesk("db", "upgrade", env={...}, cwd=tmp_path)`` -> ``Ran``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._monkeypatch = monkeypatch

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> Ran:
        from bot.cli import main

        out, err = io.StringIO(), io.StringIO()
        result: list[int] = []

        def call() -> None:
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        result.append(main(list(args)))
                    except SystemExit as exc:
                        result.append(_exit_code(exc, err))
                    except Exception:
                        err.write(traceback.format_exc())
                        result.append(1)
            except BaseException:  # pragma: no cover - reported below as no exit code
                err.write(traceback.format_exc())

        with self._monkeypatch.context() as mp, _own_logging():
            for name in list(os.environ):
                if name.startswith(("SLACK_", "OPSDESK_")) or name == "DATABASE_URL":
                    mp.delenv(name)
            for name, value in (env or {}).items():
                mp.setenv(name, value)
            mp.chdir(cwd or ROOT)
            # A thread, so that a command that should stop at start-up but serves instead
            # fails the test after the timeout rather than hang the run; a process's main
            # thread would install signal handlers, which a thread may not (that fails too).
            runner = threading.Thread(target=call, name=f"opsdesk {' '.join(args)}", daemon=True)
            runner.start()
            runner.join(TIMEOUT)
            if runner.is_alive():
                pytest.fail(f"`opsdesk {' '.join(args)}` still running after {TIMEOUT}s")
        assert result, f"`opsdesk {' '.join(args)}` ended without an exit code:\n{err.getvalue()}"
        return Ran(args, result[0], out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _own_logging() -> Iterator[None]:
    """The root logger as a new process has it (no handlers: ``logging.basicConfig`` then
    writes to the captured stderr), and everything put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("alembic",)}
    root.handlers = []
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = handlers
        root.setLevel(level)
        for name, was in levels.items():
            logging.getLogger(name).setLevel(was)
