"""Dedupe keys of shift notices, built in one place.

    shift:<rotation>:remind:<start, UTC>:<user>
    shift:<rotation>:handoff:<snapshot version>:<user>

Planning the same shift again, or a second scheduler seeing the same hand-off, finds the same
row instead of making another.
"""

from __future__ import annotations

from datetime import datetime


def rotation(name: str) -> str:
    """The prefix of every key of the rotation."""
    return f"shift:{name}:"


def remind(rotation_: str, start: datetime, user_id: str) -> str:
    return f"{rotation(rotation_)}remind:{start:%Y%m%dT%H%M%SZ}:{user_id}"


def handoff(rotation_: str, version: int, user_id: str) -> str:
    return f"{rotation(rotation_)}handoff:{version}:{user_id}"
