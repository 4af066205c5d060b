"""Dedupe keys of maintenance notices, built in one place so a cancel's prefix always matches.

    maintenance:<id>:<start>:remind:<seconds>[:owner:<user>]
    maintenance:<id>:<start>:start and maintenance:<id>:<start>:finish
    maintenance:<id>:overlap:<booking> and maintenance:<id>:cancelled

``<start>`` is the occurrence's start in Unix seconds, so a restart, a second scheduler or the
planner run every sweep finds the same row. Cancelling a window cancels all of its keys.
"""

from __future__ import annotations

from datetime import datetime


def window(window_id: int) -> str:
    """The prefix of every key of the window."""
    return f"maintenance:{window_id}:"


def occurrence(window_id: int, start: datetime) -> str:
    """The prefix of one occurrence's reminders, start and finish."""
    return f"{window(window_id)}{int(start.timestamp())}:"


def remind(window_id: int, start: datetime, seconds: int) -> str:
    return f"{occurrence(window_id, start)}remind:{seconds}"


def remind_owner(window_id: int, start: datetime, seconds: int, owner: str) -> str:
    return f"{remind(window_id, start, seconds)}:owner:{owner}"


def start(window_id: int, start: datetime) -> str:
    return f"{occurrence(window_id, start)}start"


def finish(window_id: int, start: datetime) -> str:
    return f"{occurrence(window_id, start)}finish"


def overlap(window_id: int, booking_id: int) -> str:
    return f"{window(window_id)}overlap:{booking_id}"


def cancelled(window_id: int) -> str:
    return f"{window(window_id)}cancelled"
