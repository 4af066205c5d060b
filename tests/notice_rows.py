"""Rows of the notice queue written directly, for tests of the queue's own statements."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def notice_row(
    dedupe_key: str, status: str, *, due_at: datetime, created_at: datetime, **columns: Any
) -> dict[str, Any]:
    """A ``notices`` row with every column the table requires; ``columns`` add or override
    (``claimed_at``, ``attempts``...). Rows inserted together must name the same columns."""
    return {
        "kind": "k",
        "payload": {},
        "dedupe_key": dedupe_key,
        "due_at": due_at,
        "status": status,
        "attempts": 0,
        "created_at": created_at,
        "progress": {},
        "claims": 0,
        **columns,
    }
