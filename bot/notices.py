"""The notice queue: announcements, reminders and digests as rows, sent exactly once.

Areas declare a handler per notice kind and, where they have recurring work, a planner that
writes upcoming rows (``add_notice_kind``, ``add_planner`` in bot/registry.py). The dispatcher
claims a due row with a conditional update, hands it to its handler with a fresh unit of work,
and marks it sent in that same transaction. A failed send goes back to pending with
back-off until it expires; a row claimed by a process that then died is never re-sent, because
the Web API has no idempotency key and a duplicate page at 3am is worse than a logged gap.
"""

from __future__ import annotations


class Skip(Exception):
    """Raised by a handler when its notice is no longer relevant (e.g. the incident is resolved)."""


class NotYet(Exception):
    """Raised by a handler whose notice depends on another that has not gone out yet.

    Two requests a moment apart (raise, then acknowledge) flush on different threads, so the
    edit of an announcement can come before the announcement. It is retried within seconds.
    """
