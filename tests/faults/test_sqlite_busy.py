"""SQLite, the single-box mode: another writer holding the lock costs an apology, not 30 s."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine

from tests.e2e import SlackApp

pytestmark = pytest.mark.faults


def test_a_held_write_lock_gets_an_apology_within_slacks_limit(
    slack: SlackApp, engine: Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's lock waits: test_database_hangs.py")
    assert "went wrong" not in slack.slash("/incident", "list").text
    with engine.connect() as holder:
        # The engine begins every transaction with BEGIN IMMEDIATE: this holds the write lock,
        # as a long writer in another thread or process would.
        holder.exec_driver_sql("SELECT 1")
        started = time.monotonic()
        resp = slack.slash("/incident", "raise Printer on fire")
        took = time.monotonic() - started
        holder.rollback()
    assert resp.status == 200 and took < 3.0, f"answered after {took:.1f}s"
    assert "database is not answering" in resp.text and "nothing was changed" in resp.text
    assert "Printer on fire" not in slack.slash("/incident", "list").text
