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


def replaced(rotation_: str, new: int, old: int) -> str:
    """The DM telling someone that override ``new`` hides their own override ``old``."""
    return f"{rotation(rotation_)}replaced:{new}:{old}"


def swap(request_id: int) -> str:
    """The prefix of every notice about one swap request."""
    return f"shift:swap:{request_id}:"


def swap_ask(request_id: int) -> str:
    return f"{swap(request_id)}ask"


def swap_expire(request_id: int) -> str:
    return f"{swap(request_id)}expire"


def swap_closed(request_id: int) -> str:
    return f"{swap(request_id)}closed"


def swapped(override_id: int, user_id: str) -> str:
    """A DM to someone who takes, or loses, a shift by a swap."""
    return f"shift:swapped:{override_id}:{user_id}"


def away(away_id: int, rotation_: str, what: str) -> str:
    """``planned`` or ``cancelled``: what the rotation's channel hears of a time off."""
    return f"shift:away:{away_id}:{rotation_}:{what}"
