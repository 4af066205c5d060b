"""`opsdesk scheduler` and `opsdesk serve` SIGKILLed in the middle of a batch and restarted.

Real processes on a real database, the Slack stand-in answering every post a little late (so
each kill lands while posts are on the wire), and the count that matters: how many times each
notice reached "Slack", read from the message metadata the stand-in received. Lost: a notice
never delivered; doubled: one delivered twice. Both must be 0.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import build_registry
from bot.config import load_config
from bot.console import payloads
from bot.context import SYSTEM_USER, Actor, Ctx
from bot.incidents import service as incidents
from bot.tz import zone
from storage.db import make_session_factory, transaction
from storage.models import Notice
from tests.conftest import EXAMPLE
from tests.faults.processes import Database, Process, database, environment, wait_until
from tests.serving import SECRET, free_port
from tests.signing import post_signed
from tests.slack_stub import SlackStub

pytestmark = [pytest.mark.faults, pytest.mark.processes]
LATENCY = 0.03  # each post is taken at once and answered this much later
ANNOUNCE = "post:C_INCIDENTS:"


def _fast_config(tmp_path: Path) -> dict[str, str]:
    """The example config paced at its fastest: these tests are about kills, and 60
    announcements to one channel at Slack's one a second would make each take a minute. A
    notice put back by pacing and a process restarted over it: tests/foundation/test_pacing.py."""
    text = EXAMPLE.read_text()
    paced = re.sub(r"(?m)^burst = \d+", "burst = 20", text)
    paced = re.sub(r"(?m)^per_second = [\d.]+", "per_second = 10.0", paced)
    assert paced != text, "the example config's [delivery] keys moved"
    path = tmp_path / "opsdesk.toml"
    path.write_text(paced)
    return {"OPSDESK_CONFIG": str(path)}


def _raise_incidents(db: Database, n: int) -> None:
    config = load_config(EXAMPLE)
    registry = build_registry()
    sessions = make_session_factory(db.engine)
    from datetime import UTC, datetime

    with transaction(sessions) as session:
        actor = Actor(SYSTEM_USER, zone("UTC"), is_admin=True)
        ctx = Ctx(session, datetime.now(UTC), config, actor, registry)
        for i in range(n):
            incidents.raise_incident(ctx, f"Outage {i}", "sev3", channel_id="C_GENERAL")


def _announcements(db: Database) -> tuple[set[int], int]:
    """The announcement notices, and how many are sent."""
    with db.engine.connect() as conn:
        ids = set(conn.scalars(select(Notice.id).where(Notice.kind == "incident.announce")))
        sent = conn.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.kind == "incident.announce", Notice.status == "sent")
        )
    return ids, int(sent or 0)


def _delivered(stub: SlackStub) -> Counter[int]:
    return Counter({nid: n for (nid, part), n in stub.tagged().items() if part == ANNOUNCE})


def _assert_each_once(db: Database, stub: SlackStub) -> None:
    ids, sent = _announcements(db)
    delivered = _delivered(stub)
    lost = ids - set(delivered)
    doubled = {nid: n for nid, n in delivered.items() if n > 1}
    assert (len(lost), doubled) == (0, {}), f"lost {sorted(lost)}, doubled {doubled}"
    assert sent == len(ids)
    # The same count read from the messages themselves: each title in the channel once.
    titles = Counter(
        re.findall(r"Outage \d+", m["text"])[0]
        for m in stub.messages("C_INCIDENTS")
        if not m.get("thread_ts")
    )
    assert len(titles) == len(ids) and set(titles.values()) == {1}, titles
    # The kills did land mid-call: some posts were in doubt, and were looked for.
    assert stub.calls_to("conversations.history")


@pytest.mark.parametrize("kind", ["postgresql"])
def test_the_scheduler_killed_twice_mid_batch_loses_and_doubles_nothing(
    kind: str, tmp_path: Path, slack_stub: SlackStub
) -> None:
    n = 60
    slack_stub.slow_next("chat.postMessage", delay=LATENCY, times=100_000)
    with database(kind, tmp_path) as db:
        _raise_incidents(db, n)
        env = environment(db, slack_stub, free_port(), **_fast_config(tmp_path))
        # The first kill lands mid-call (the stand-in has the post, its answer is on the way);
        # the second a moment later, wherever the process is then: recording, claiming, calling.
        for kill_after, then in ((15, 0.0), (35, 1.5 * LATENCY)):
            proc = Process("scheduler", env, tmp_path / "scheduler.log")
            slack_stub.wait_for("chat.postMessage", kill_after, timeout=60)
            time.sleep(then)
            proc.kill()
        proc = Process("scheduler", env, tmp_path / "scheduler.log")
        try:
            wait_until(lambda: _announcements(db)[1] == n, 60, "every announcement sent")
        finally:
            proc.stop()
        _assert_each_once(db, slack_stub)


def _raise_over_http(url: str, n: int, answered: list[int]) -> None:
    for i in range(n):
        body, ctype = payloads.slash_command(
            "/incident", f"raise Outage {i} sev3", user_id="U_ALICE", channel_id="C_GENERAL"
        )
        try:
            status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET, timeout=5)
        except OSError:
            return  # the server is gone
        answered.append(status)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_serve_killed_mid_batch_loses_and_doubles_nothing(
    kind: str, tmp_path: Path, slack_stub: SlackStub
) -> None:
    n = 50
    slack_stub.slow_next("chat.postMessage", delay=LATENCY, times=100_000)
    with database(kind, tmp_path) as db:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = environment(db, slack_stub, port, **_fast_config(tmp_path))
        proc = Process("serve", env, tmp_path / "serve.log")
        proc.wait_healthy(url)
        answered: list[int] = []
        sender = threading.Thread(target=_raise_over_http, args=(url, n, answered))
        sender.start()
        slack_stub.wait_for("chat.postMessage", 15, timeout=60)
        proc.kill()  # requests, after-response sends and the in-process sweep, all at once
        sender.join(timeout=30)
        assert 15 <= len(answered) < n + 1 and set(answered) == {200}
        proc = Process("serve", env, tmp_path / "serve.log")
        try:
            proc.wait_healthy(url)
            made = len(_announcements(db)[0])
            wait_until(lambda: _announcements(db)[1] == made, 60, "every announcement sent")
        finally:
            proc.stop()
        _assert_each_once(db, slack_stub)
