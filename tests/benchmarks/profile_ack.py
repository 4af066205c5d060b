"""Where one read command's ack goes: cProfile over repeated in-process requests.

`PYTHONPATH=. .venv/bin/python tests/benchmarks/profile_ack.py [sqlite|postgresql] [N] [scenario]`
serves N (default 500) signed requests through the real Bolt app in-process (the example config,
little data, the scheduler off) and prints the mean time per request, the SQL statements one
request sends, and the 25 functions with the most time of their own and cumulative. Scenarios:
`incident` (`/incident list`, the default), `available`
(`/resource available room tomorrow 10:00 for 1h`).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from storage import users
from storage.db import make_engine, transaction
from storage.migrate import upgrade
from tests.conftest import PG_URL
from tests.scale import InProcess, bench_runtime, counting
from tests.serving import free_port

SCENARIOS = {
    "incident": ("/incident", "list"),
    "available": ("/resource", "available room tomorrow 10:00 for 1h"),
}


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    command, words = SCENARIOS[sys.argv[3] if len(sys.argv) > 3 else "incident"]
    schema = None
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'profile.db'}")
    else:
        schema = f"opsdesk_profile_{free_port()}"
        with make_engine(PG_URL).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        rt = bench_runtime(engine)
        with transaction(rt.sessions) as session:  # a known person, as after their first request
            users.remember(session, "U_ALICE", name="Alice", tz="Europe/Berlin", at=rt.clock.now())
        app = InProcess(rt)
        app.slash("/incident", "raise sev2 db is slow")
        for _ in range(20):
            app.slash(command, words)
        with counting(engine) as seen:
            app.slash(command, words)
        print(f"{command} {words}: {len(seen.statements)} statements")
        for s in seen.statements:
            print("  ", " ".join(s.split())[:110])
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            app.slash(command, words)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(
            f"{wall / n * 1000:.2f} ms per request, unprofiled "
            f"({cpu / n * 1000:.2f} ms of CPU in this process, the database's not counted)"
        )
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            app.slash(command, words)
        profile.disable()
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    finally:
        engine.dispose()
        if schema:
            with make_engine(PG_URL).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
