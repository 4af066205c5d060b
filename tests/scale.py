"""A company's worth of history, seeded in bulk, and the read commands measured against it.

At scale 1: 10k incidents over a year, 20k bookings over +-90 days, 5k purchases, 500
maintenance windows and 100 people; every count is multiplied by the scale, the resources and
the time span stay. The benchmark (tests/benchmarks/test_data_scale.py) times the commands at
1x and 10x; unit tests count their SQL statements at two small scales.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, event, text

from bot.app import CONSOLE_SECRET, create_app, start_runtime
from bot.clock import Clock
from bot.config import load_config
from bot.console import payloads
from bot.context import Actor, Ctx
from bot.digests.assemble import build_digest
from bot.maintenance.occurrences import current_or_next, keep_ahead
from bot.messenger import Messenger
from bot.runtime import Runtime
from bot.settings import Settings
from bot.tz import zone
from storage import incidents, maintenance_rows, purchases, resources
from storage.db import transaction, unbounded
from storage.maintenance import MaintenanceWindow
from storage.models import SlackUser

PEOPLE = [f"U_{i:04d}" for i in range(100)]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
RESOURCES = (
    [(f"room-{c}", "room") for c in "cdefghijklmnopqrst"]
    + [(f"staging-{i}", "environment") for i in range(3, 20)]
    + [(f"van-{i}", "vehicle") for i in range(2, 12)]
)
SEVERITIES = ["sev1"] * 3 + ["sev2"] * 12 + ["sev3"] * 50 + ["sev4"] * 35
BATCH = 5000
SEEDED = ["slack_users", "resources", "incidents", "bookings", "purchase_requests"]
SEEDED += ["maintenance_windows", "maintenance_occurrences", "notices"]

# name -> (slash command, text); the digest is built directly (it is not a command).
COMMANDS: dict[str, tuple[str, str]] = {
    "/incident list": ("/incident", "list"),
    "/incident list all": ("/incident", "list all"),
    "/incident stats 30d": ("/incident", "stats 30d"),
    "/purchase list all": ("/purchase", "list all"),
    "/resource list": ("/resource", "list"),
    "/resource available room tomorrow 10:00 for 1h": (
        "/resource",
        "available room tomorrow 10:00 for 1h",
    ),
    "/resource bookings": ("/resource", "bookings"),
    "/maintenance list": ("/maintenance", "list"),
}
DIGEST = "digest build"


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def _incidents(rng: random.Random, n: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        created = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
        recent = now - created < timedelta(days=7)
        status = rng.choice(["open", "acknowledged", "resolved"]) if recent else "resolved"
        acked = created + timedelta(seconds=rng.randrange(30, 7200))
        acked_at = acked if status != "open" and acked < now else None
        resolved_at = None
        if status == "resolved":
            resolved_at = min(
                now, (acked_at or created) + timedelta(minutes=rng.randrange(5, 3000))
            )
        reporter = rng.choice(PEOPLE)
        rows.append(
            {
                "title": f"Incident {i}: {rng.choice(['API', 'DB', 'VPN', 'Billing'])} errors",
                "severity": rng.choice(SEVERITIES),
                "status": status,
                "reporter": reporter,
                "commander": rng.choice(PEOPLE) if acked_at else None,
                "created_at": created,
                "acknowledged_at": acked_at,
                "acknowledged_by": reporter if acked_at else None,
                "resolved_at": resolved_at,
                "last_update_at": resolved_at or acked_at or created,
                "reopened": 0,
            }
        )
    return rows


def _bookings(
    rng: random.Random, n: int, now: datetime, resource_ids: list[int]
) -> list[dict[str, Any]]:
    rows = []
    for _ in range(n):
        start = now + timedelta(minutes=15 * rng.randrange(-90 * 96, 90 * 96))
        end = start + timedelta(minutes=30 * rng.randrange(1, 5))
        over = end <= now
        rows.append(
            {
                "resource_id": rng.choice(resource_ids),
                "owner": rng.choice(PEOPLE),
                "start": start,
                "end": end,
                "status": (rng.choice(["ended"] * 9 + ["released"]) if over else "active"),
                "version": 1,
                "created_at": start - timedelta(days=rng.randrange(0, 14)),
                "closed_at": end if over else None,
            }
        )
    return rows


def _purchases(rng: random.Random, n: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        created = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
        pending = now - created < timedelta(days=14) and rng.random() < 0.3
        amount = rng.randrange(500, 2_000_000)
        rows.append(
            {
                "requester": rng.choice(PEOPLE),
                "amount_minor": amount,
                "currency": "EUR",
                "policy_minor": amount,
                "policy_currency": "EUR",
                "description": f"Purchase {i}: {rng.choice(['laptops', 'licences', 'chairs'])}",
                "steps": [["U_BOB"]],
                "step": 0,
                "status": "pending" if pending else rng.choice(["approved", "rejected"]),
                "created_at": created,
                "step_started_at": created,
                "decided_at": None if pending else created + timedelta(hours=rng.randrange(1, 72)),
                "decided_by": None if pending else "U_BOB",
            }
        )
    return rows


def _windows(
    rng: random.Random, n: int, now: datetime, resource_ids: list[int]
) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        kind = rng.random()
        every = (
            "day" if kind < 0.10 else "week" if kind < 0.13 else "month" if kind < 0.15 else None
        )
        if every:
            start = now - timedelta(minutes=rng.randrange(0, 180 * 24 * 60))
            length = timedelta(minutes=30 * rng.randrange(1, 8))
        else:
            start = now + timedelta(minutes=rng.randrange(-90 * 24 * 60, 90 * 24 * 60))
            length = timedelta(minutes=30 * rng.randrange(1, 12))
        over = every is None and start + length <= now
        row = {
            "resource_id": rng.choice(resource_ids),
            "start": start,
            "end": start + length,
            "every": every,
            "tz": rng.choice(ZONES),
            "description": f"Maintenance {i}",
            "status": "done" if over else "scheduled",
            "created_by": "U_ALICE",
            "created_at": start - timedelta(days=7),
            "closed_at": start + length if over else None,
        }
        # What the planner keeps: each window's occurrence in progress or next.
        nxt = current_or_next(MaintenanceWindow(**row), now) if every else None
        row["next_start"], row["next_end"] = nxt or (row["start"], row["end"])
        rows.append(row)
    return rows


def seed(
    rt: Runtime, scale: float, *, now: datetime, windows: float | None = None, seed: int = 7
) -> None:
    """Bulk-insert ``scale`` times the 1x data set (config resources come from the config);
    ``windows`` scales the maintenance windows differently."""
    rng = random.Random(seed)
    with transaction(rt.sessions) as session:
        session.execute(
            SlackUser.__table__.insert(),
            [
                {"id": u, "name": u.lower(), "tz": rng.choice(ZONES), "fetched_at": now}
                for u in [*PEOPLE, "U_ALICE", "U_BOB"]
            ],
        )
        resources.insert_resources(
            session,
            [
                {"name": name, "kind": kind, "capacity": 1, "active": True, "source": "chat"}
                | {"created_at": now - timedelta(days=400)}
                for name, kind in RESOURCES
            ],
        )
        ids = sorted(r.id for r in resources.named(session, [n for n, _ in RESOURCES]).values())
    parts: list[tuple[Callable[[Any, list[dict[str, Any]]], None], list[dict[str, Any]]]] = [
        (incidents.insert_incidents, _incidents(rng, int(10_000 * scale), now)),
        (resources.insert_bookings, _bookings(rng, int(20_000 * scale), now, ids)),
        (purchases.insert_requests, _purchases(rng, int(5_000 * scale), now)),
        (maintenance_rows.insert_many, _windows(rng, int(500 * (windows or scale)), now, ids)),
    ]
    for insert, rows in parts:
        for chunk in _chunks(rows):
            with transaction(rt.sessions) as session:
                insert(session, chunk)
    with transaction(rt.sessions) as session:
        keep_ahead(session, now)  # what the planner keeps: occurrence rows two weeks ahead
    if rt.engine.dialect.name == "postgresql":
        # The seeded tables only (a bare ANALYZE reads every schema of the database), with no
        # statement timeout: on a busy machine statistics may take longer than a request may.
        # Compacted and vacuumed first: the plans must not depend on what earlier tests of this
        # process left in the tables (the pages of the rows they deleted made a table twice the
        # size, and a read that used its index here read the whole table instead).
        tables = ", ".join(SEEDED)
        with unbounded(), rt.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(text(f"VACUUM FULL {tables}"))
            conn.execute(text(f"VACUUM ANALYZE {tables}"))
    else:
        with rt.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


@dataclass
class Counted:
    statements: list[str]
    parameters: list[Any] = field(default_factory=list)  # each statement's, as the driver got them

    @property
    def count(self) -> int:
        return len(self.statements)

    def inserts(self, table: str) -> list[int]:
        """How many rows each INSERT into ``table`` carried, in the order sent."""
        found = []
        for statement, parameters in zip(self.statements, self.parameters, strict=True):
            if not statement.startswith(f"INSERT INTO {table} ("):
                continue
            if isinstance(parameters, list):  # a driver's executemany: one set a row
                found.append(len(parameters))
                continue
            # One statement of many rows (insertmanyvalues): every column a parameter each row.
            columns = statement.partition("(")[2].partition(")")[0].count(",") + 1
            found.append(len(parameters) // columns)
        return found


@contextmanager
def counting(engine: Engine) -> Iterator[Counted]:
    """Every SQL statement sent to the database inside the block."""
    seen = Counted([])

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.statements.append(statement)
        seen.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class InProcess:
    """The real Bolt app with every listener, called in-process with signed requests: what a
    request costs the server without the network."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.app: App = create_app(rt, console=True)
        self._verifier = SignatureVerifier(CONSOLE_SECRET)

    def slash(self, command: str, text: str, *, user: str = "U_ALICE") -> dict[str, Any]:
        body, content_type = payloads.slash_command(
            command, text, user_id=user, channel_id="C_GENERAL", trigger_id="T_1"
        )
        ts = str(int(time.time()))
        headers = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [ts],
            "x-slack-signature": [self._verifier.generate_signature(timestamp=ts, body=body)],
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        assert response.status == 200, response.body
        return json.loads(response.body) if response.body else {}

    def digest(self) -> dict[str, Any]:
        with transaction(self.rt.sessions) as session:
            now = self.rt.clock.now()
            ctx = Ctx(session, now, self.rt.config, Actor("U_ALICE", zone("UTC")), self.rt.registry)
            message = build_digest(
                ctx, since=now - timedelta(days=1), tz=zone("UTC"), title="Digest", quiet=False
            )
        assert message is not None
        return {"text": message.text, "blocks": message.blocks}

    def run(self, name: str) -> dict[str, Any]:
        if name == DIGEST:
            return self.digest()
        command, words = COMMANDS[name]
        return self.slash(command, words)


def bench_runtime(
    engine: Engine, messenger: Messenger | None = None, *, synchronous: bool = True
) -> Runtime:
    """A runtime over ``engine`` as the benchmarks run it: the example config, no scheduler of
    its own, a recording messenger unless one is given, the clock on real time."""
    from tests.conftest import EXAMPLE  # conftest is the tests' root; it imports nothing here
    from tests.recording import RecordingMessenger

    settings = Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url),
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench",
        OPSDESK_SCHEDULER="off",
    )
    return start_runtime(
        settings,
        load_config(EXAMPLE),
        messenger or RecordingMessenger(),
        clock=Clock(),
        engine=engine,
        synchronous=synchronous,
    )
