"""The read commands stay flat as history grows: the same SQL statements at any size, each one
reading the big tables through an index, never a whole-table scan.

Counts are not timings: a command that ran one query per row, or per page of rows, would show
here as a count that grows with the data. The plans are the database's own (EXPLAIN), on data
large enough that PostgreSQL's planner would rather scan than use a poor index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, event

from storage import incidents as incident_repo
from storage import users
from storage.db import transaction
from tests.conftest import _wipe
from tests.scale import COMMANDS, DIGEST, InProcess, counting, seed

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BIG = (
    "incidents",
    "bookings",
    "purchase_requests",
    "maintenance_windows",
    "maintenance_occurrences",
)
EXPECTED_INDEX = {
    "/incident list": {"ix_incidents_open_severity"},
    "/incident list all": {"ix_incidents_open_severity", "ix_incidents_created_times"},
    "/incident stats 30d": {"ix_incidents_created_times"},
    "/purchase list all": {"ix_purchase_requests_created"},
    "/resource bookings": {"ix_bookings_status_start"},
    # Either index reads live bookings only (ended ones are history): the planner may choose.
    # Maintenance in a period: the occurrence rows by resource (or by start), each window by key.
    "/resource list": {
        "ix_bookings_live_window|ix_bookings_status_start",
        "ix_maintenance_occurrences_resource|ix_maintenance_occurrences_start",
    },
    "/resource available room tomorrow 10:00 for 1h": {
        "ix_bookings_live_window|ix_bookings_status_start",
        "ix_maintenance_occurrences_resource|ix_maintenance_occurrences_start",
    },
    "/maintenance list": {"ix_maintenance_next"},
    DIGEST: {"ix_maintenance_occurrences_start"},
}


@pytest.fixture
def frozen() -> Iterator[None]:
    with freeze_time(NOW):
        yield


def _counts(app: InProcess) -> dict[str, int]:
    runtime = app.rt
    found = {}
    for name in [*COMMANDS, DIGEST]:
        # Warm: the first request fills the user cache and may sync the config's resources,
        # the second finds them synced (the process remembers it); the third is the norm.
        app.run(name)
        app.run(name)
        with counting(runtime.engine) as seen:
            app.run(name)
        found[name] = seen.count
    return found


def test_statement_counts_do_not_grow_with_the_data(frozen, runtime, engine) -> None:
    app = InProcess(runtime)  # one app per runtime: its listeners declare mention routes once
    seed(runtime, 0.1, now=NOW)
    small = _counts(app)
    _wipe(engine)
    seed(runtime, 0.3, now=NOW)
    large = _counts(app)
    # A page that is not full is the whole list and is not counted: one statement fewer.
    short_page = {"/incident list": small["/incident list"] + 1}
    assert large == {**small, **{k: v for k, v in short_page.items() if large[k] == v}}


def test_a_known_person_s_incident_list_is_one_statement(frozen, runtime) -> None:
    # Their zone comes from the process's memory; a short page needs no count.
    app = InProcess(runtime)
    with transaction(runtime.sessions) as session:
        users.remember(session, "U_ALICE", name="Alice", tz="Europe/Berlin", at=NOW)
    app.slash("/incident", "raise sev2 db is slow")
    app.slash("/incident", "list")
    with counting(runtime.engine) as seen:
        answer = app.slash("/incident", "list")
    assert "db is slow" in str(answer)
    sent = [s for s in seen.statements if not s.lstrip().upper().startswith("BEGIN")]
    assert len(sent) == 1, sent
    assert sent[0].lstrip().upper().startswith("SELECT")


def _plans(engine: Engine, run: Any) -> list[tuple[str, list[str]]]:
    """Each SELECT ``run`` sends, with the plan the database chooses for it."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    plans = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            if engine.dialect.name == "postgresql":
                rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
                plans.append((statement, list(rows)))
            else:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plans.append((statement, [r[3] for r in rows]))
    return plans


def _whole_table_scans(plans: list[tuple[str, list[str]]]) -> list[str]:
    tables = "|".join(BIG)
    pg = re.compile(rf"Seq Scan on ({tables})\b")
    lite = re.compile(rf"^SCAN ({tables})$")
    return [
        f"{line.strip()}  <-  {statement.split(chr(10))[0][:120]}"
        for statement, lines in plans
        for line in lines
        if pg.search(line) or lite.match(line.strip())
    ]


def _missing(wanted: set[str], plans: list[tuple[str, list[str]]]) -> list[str]:
    """Which of ``wanted`` (each "a|b": either will do) no plan uses."""
    used = {m for _, lines in plans for line in lines for m in re.findall(r"\bix_\w+", line)}
    return sorted(w for w in wanted if not used & set(w.split("|")))


def test_read_commands_use_their_indexes(frozen, runtime, engine) -> None:
    # 500 windows are a few pages, which PostgreSQL rightly reads whole: 5,000 then.
    seed(runtime, 1.0, now=NOW, windows=10.0)
    app = InProcess(runtime)
    problems = []
    for name in [*COMMANDS, DIGEST]:
        app.run(name)
        plans = _plans(engine, lambda name=name: app.run(name))
        problems += [f"{name}: {scan}" for scan in _whole_table_scans(plans)]
        missing = _missing(EXPECTED_INDEX.get(name, set()), plans)
        if missing:
            problems.append(f"{name}: does not use {sorted(missing)}")

    def storage_reads() -> None:
        with transaction(runtime.sessions) as session:
            incident_repo.open_incidents(session, limit=20, include_resolved=True)
            incident_repo.involving(session, "U_0007", limit=10)

    plans = _plans(engine, storage_reads)
    problems += _whole_table_scans(plans)
    wanted = {
        "ix_incidents_closed_severity",
        "ix_incidents_open_commander",
        "ix_incidents_open_reporter",
    }
    if _missing(wanted, plans):
        problems.append(f"list all / Home: does not use {_missing(wanted, plans)}")
    assert problems == [], "\n".join(problems)


def test_long_lists_count_up_to_a_cap_and_say_so(frozen, runtime) -> None:
    seed(runtime, 0.21, now=NOW)  # 2,100 incidents, 1,050 purchases, 4,200 bookings
    app = InProcess(runtime)
    everything = str(app.slash("/incident", "list all"))
    assert "Incidents (1000+)" in everything and "Showing 20 of 1000+, worst first" in everything
    open_only = str(app.slash("/incident", "list"))
    assert re.search(r"Open incidents \(\d+\)", open_only), "few enough to count exactly"
    first = str(app.slash("/purchase", "list all"))
    assert "Purchases (1000+)" in first and "Next: `/purchase list all 2`" in first
    last = str(app.slash("/purchase", "list all 53"))
    assert "Showing 1041–1050 of 1050." in last, "near the end the count is exact again"
    assert "there are 1050 in all" in str(app.slash("/purchase", "list all 54"))
    bookings = str(app.slash("/resource", "bookings"))
    assert "Showing the first 25 of 1000+" in bookings
