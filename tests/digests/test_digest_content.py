"""What a digest and a Home say, whatever the sections return: Slack's limits, failures, queries."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import event, text

from bot.console.plain import blocks_to_text
from bot.digests.assemble import build_digest, build_home
from bot.mrkdwn import escape
from bot.sections import DigestSection
from storage.incidents import Incident
from tests.digests.conftest import BERLIN

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)


def _texts(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _texts(item)


def _declare_flood(registry, sections: int, lines: int, width: int) -> None:
    for n in range(sections):

        def fn(ctx, since, tz, limit, n=n) -> DigestSection:
            body = [
                f"<@U_BOB> item {i} of section {n} " + escape("é&<x>") * width for i in range(lines)
            ]
            return DigestSection("Flood " * 40 + str(n), body, total=lines + 90, more="/flood list")

        registry.add_digest_section(f"test-flood-{n}", 50 + n, fn)


def test_a_full_digest_stays_within_slack_limits_and_reads_well_as_text(unit, registry) -> None:
    _declare_flood(registry, sections=40, lines=60, width=2000)
    with freeze_time(NOW), unit() as ctx:
        message = build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=False)
    assert message is not None and message.blocks is not None
    assert len(message.blocks) <= 50
    assert all(len(t) <= 3000 for t in _texts(message.blocks)) and len(message.text) <= 3000
    assert len(message.blocks[0]["text"]["text"]) <= 150  # header limit
    shown, _ = blocks_to_text(message.blocks)
    assert "DAILY DIGEST · MON 7 DEC" in shown
    # Five lines of 600 characters do not fit in 3,000: the fifth counts into "+N more".
    assert "+146 more · `/flood list` lists them all" in shown
    assert "Not shown, for lack of room: Flood" in shown
    assert "<!date" not in shown and "&lt;" not in shown and "é&<x>" in shown
    # No line was cut through a mention or an entity.
    for t in _texts(message.blocks):
        assert t.count("<") == t.count(">")
        assert "&" not in t.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


def test_each_section_is_capped_with_more_and_its_command(unit, registry) -> None:
    def small(ctx, since, tz, limit) -> DigestSection:
        return DigestSection(
            "Waiting purchases", [f"PUR-{i}" for i in range(limit)], 12, "/purchase list"
        )

    registry.add_digest_section("test-small", 60, small)

    with freeze_time(NOW), unit() as ctx:
        message = build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=False)
    shown, _ = blocks_to_text(message.blocks or [])
    assert "*Waiting purchases* (12)\nPUR-0\nPUR-1\nPUR-2\nPUR-3\nPUR-4" in shown
    assert "+7 more · `/purchase list` lists them all" in shown
    assert "Waiting purchases: 12" in message.text


@pytest.mark.areas("incidents", "digests")
def test_nothing_anywhere_is_one_all_clear_line_or_nothing_when_quiet(unit) -> None:
    with freeze_time(NOW), unit() as ctx:
        loud = build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=False)
        quiet = build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=True)
    assert loud is not None and "all clear" in loud.text and len(loud.blocks or []) == 1
    assert quiet is None


@pytest.mark.areas("incidents", "digests")
def test_a_failing_section_is_logged_and_left_out(unit, registry, caplog) -> None:
    def broken_sql(ctx, since, tz, limit) -> DigestSection:
        ctx.session.execute(text("SELECT * FROM no_such_table"))
        raise AssertionError("unreachable")

    def broken(ctx, since, tz, limit) -> DigestSection:
        raise RuntimeError("provider bug")

    def fine(ctx, since, tz, limit) -> DigestSection:
        return DigestSection("Still here", ["one"], 1)

    registry.add_digest_section("test-broken-sql", 1, broken_sql)
    registry.add_digest_section("test-broken", 2, broken)
    registry.add_digest_section("test-fine", 3, fine)

    with caplog.at_level(logging.ERROR), freeze_time(NOW), unit() as ctx:
        message = build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=False)
        # The failed statement did not poison the transaction the rest shares.
        assert ctx.session.scalar(text("SELECT 1")) == 1
    shown, _ = blocks_to_text(message.blocks or [])
    assert "Still here" in shown and "2 sections could not be shown" in shown
    assert "test-broken" in caplog.text and "provider bug" in caplog.text


def test_home_stays_within_100_blocks_and_trims_texts(unit, registry) -> None:
    def huge(ctx, viewer) -> list[dict[str, Any]]:
        return [
            {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 5000},
             "fields": [{"type": "mrkdwn", "text": "f" * 2500}] * 12}
            for _ in range(300)
        ]  # fmt: skip

    def long_header(ctx, viewer) -> list[dict[str, Any]]:
        return [{"type": "header", "text": {"type": "plain_text", "text": "H" * 400}}]

    def raises(ctx, viewer) -> list[dict[str, Any]]:
        raise ValueError("home bug")

    registry.add_home_section("test-huge", 1, huge)
    registry.add_home_section("test-header", 2, long_header)
    registry.add_home_section("test-raises", 3, raises)
    for n in range(6):
        registry.add_home_section(
            f"test-more-{n}",
            10 + n,
            lambda ctx, viewer, n=n: (
                [{"type": "section", "text": {"type": "mrkdwn", "text": f"more {n}"}}] * 40
            ),
        )

    with freeze_time(NOW), unit("U_BOB") as ctx:
        view = build_home(ctx, "U_BOB")
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert all(len(t) <= 3000 for t in _texts(view["blocks"]))
    headers = [blk for blk in view["blocks"] if blk["type"] == "header"]
    assert all(len(h["text"]["text"]) <= 150 for h in headers)
    assert all(len(blk.get("fields", [])) <= 10 for blk in view["blocks"])
    assert all(len(f["text"]) <= 2000 for blk in view["blocks"] for f in blk.get("fields", []))
    shown = json.dumps(view)
    assert "more 0" in shown, "one section with 300 blocks does not crowd out the next"
    assert "Not shown, for lack of room" in shown
    assert "YOUR OPEN INCIDENTS" in blocks_to_text(view["blocks"])[0]


@contextmanager
def _counting(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _seed(sessions, n: int) -> None:
    with sessions.begin() as session:
        for i in range(n):
            at = NOW - timedelta(hours=i % 20 + 1)
            session.add(
                Incident(
                    title=f"Incident {i}", severity=f"sev{i % 4 + 1}", reporter="U_BOB",
                    commander="U_BOB" if i % 2 else None,
                    status="resolved" if i % 3 == 0 else "open", created_at=at - timedelta(hours=1),
                    last_update_at=at, resolved_at=at if i % 3 == 0 else None, reopened=0,
                )
            )  # fmt: skip


def _statements_for(engine, sessions, unit, n: int) -> tuple[int, int]:
    _seed(sessions, n)
    with freeze_time(NOW), unit("U_BOB") as ctx:
        ctx.session.scalar(text("SELECT 1"))  # the connection is checked out before counting
        # A first build may do one-off work (shift ids are assigned the first time a shift is
        # shown); the property is that the steady state does not grow with the data.
        build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=False)
        build_home(ctx, "U_BOB")
        with _counting(engine) as digest_statements:
            message = build_digest(ctx, since=SINCE, tz=BERLIN, title="Daily digest", quiet=False)
        with _counting(engine) as home_statements:
            view = build_home(ctx, "U_BOB")
    assert message is not None and "Open incidents" in str(message.blocks)
    assert "Incident" in json.dumps(view)
    with sessions.begin() as session:
        session.execute(text("DELETE FROM incidents"))
    return len(digest_statements), len(home_statements)


def test_digest_and_home_take_the_same_number_of_queries_for_5_or_200_incidents(
    engine, sessions, unit
) -> None:
    small = _statements_for(engine, sessions, unit, 5)
    large = _statements_for(engine, sessions, unit, 200)
    assert small == large
    # 30 for the digest here: no planner has run, so maintenance reads its plan row, finds
    # none, and expands the windows (one statement more than once the rows are planned).
    assert small[0] <= 30 and small[1] < 30
