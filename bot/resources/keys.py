"""Dedupe keys of booking notices, built in one place so a cancel's prefix always matches.

    booking:<id>:v<version>:remind and booking:<id>:v<version>:end
    booking:<id>:promoted and booking:<id>:cancelled
    booking_wait:<id>:cancelled

Extending a booking bumps its version: the old version's reminders are cancelled by their
prefix and the new ones keyed afresh. Releasing it cancels all of the booking's.
"""

from __future__ import annotations


def booking(booking_id: int) -> str:
    """The prefix of every key of the booking."""
    return f"booking:{booking_id}:"


def version(booking_id: int, version: int) -> str:
    """The prefix of one version's reminder and end."""
    return f"{booking(booking_id)}v{version}:"


def remind_end(booking_id: int, version_: int) -> str:
    return f"{version(booking_id, version_)}remind"


def end(booking_id: int, version_: int) -> str:
    return f"{version(booking_id, version_)}end"


def promoted(booking_id: int) -> str:
    return f"{booking(booking_id)}promoted"


def cancelled(booking_id: int) -> str:
    return f"{booking(booking_id)}cancelled"


def wait_cancelled(entry_id: int) -> str:
    return f"booking_wait:{entry_id}:cancelled"
