"""Dedupe keys of purchase notices, built in one place so a cancel's prefix always matches.

    purchase:<id>:wait:expire
    purchase:<id>:wait:s<step>:ask:<user> and purchase:<id>:wait:s<step>:remind:<user>:<n>
    purchase:<id>:s<step>:closed
    purchase:<id>:final:messages | requester | announce

Everything under ``wait:`` stops when the request is decided (one step's part when that step
is), so each approver's DM is its own notice, retried alone.
"""

from __future__ import annotations


def waiting(request_id: int) -> str:
    """The prefix of what waits on the request's decision: expiry, asks, reminders."""
    return f"purchase:{request_id}:wait:"


def expire(request_id: int) -> str:
    return f"{waiting(request_id)}expire"


def step_waiting(request_id: int, step: int) -> str:
    """The prefix of what waits on one step: its asks and reminders."""
    return _step(request_id, str(step))


def _step(request_id: int, step: str) -> str:
    return f"{waiting(request_id)}s{step}:"


def ask(request_id: int, step: int, user_id: str) -> str:
    return f"{step_waiting(request_id, step)}ask:{user_id}"


def asking_like(request_id: int, step: int | None) -> str:
    """A SQL LIKE pattern for the asks of one step, or of every step."""
    return f"{_step(request_id, '%' if step is None else str(step))}ask:%"


def remind(request_id: int, step: int, user_id: str, n: int) -> str:
    return f"{step_waiting(request_id, step)}remind:{user_id}:{n}"


def step_closed(request_id: int, step: int) -> str:
    return f"purchase:{request_id}:s{step}:closed"


def final(request_id: int, part: str) -> str:
    """``messages``, ``requester`` or ``announce``: what is said once the request is over."""
    return f"purchase:{request_id}:final:{part}"
