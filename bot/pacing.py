"""Per-conversation pacing: at most a small burst at once, then about one message a second.

Slack accepts about one message a second per channel (``chat.postMessage``; a short burst is
tolerated) and answers 429 past it. A backlog of due notices would otherwise reach one channel
as fast as the database lets the sweep go. Each conversation (a channel id, or a user id for the
app's DM with that person) has a token bucket of ``burst`` messages refilled at ``per_second``,
kept as its "theoretical arrival time" (GCRA): the bucket is full when that time is not after
now, and each message pushes it one interval later.

A notice whose conversation has no token is not sent and not slept on: it is given the time its
tokens will be there, and that time is *reserved* for it (the bucket moves on as if it had been
sent), so the notices queued behind one busy channel are spread one interval apart, each looked
at about twice (deferred, then sent), and a notice for another channel never waits on them. When
the notice comes back for its reservation it goes without taking tokens again.

What counts: posts, DMs and file shares, which put a message in the conversation. Edits
(``chat.update``), App Home publishes, invites and archiving do not: Slack's per-channel limit is
about posting messages, edits rewrite a message already there (Slack limits ``chat.update`` per
workspace, tier 3), and holding back the edit that shows an acknowledgement behind a backlog of
new posts would only make the channel look out of date.

Everything is in memory, in one process, and driven by the times it is handed (the runtime's
clock, so freezegun moves it). A bucket that has refilled is the same as no bucket, so it is
forgotten; a reservation is forgotten once it is used or long after its time; all of it when
the clock is set back. Nothing here is
needed for correctness: a process that starts afresh (or another process sending to the same
channel) simply starts with full buckets. Claims on the notice rows keep "sent once" true.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

# How often idle buckets and stale reservations are looked for, and how long a reservation
# waits for its notice (taken over by another process, cancelled...) before it is dropped.
PRUNE_EVERY = timedelta(minutes=1)
RESERVATION_KEPT = timedelta(minutes=10)
# Times below this are the same time (a datetime keeps microseconds; intervals are divided).
SLACK = timedelta(milliseconds=1)
# A clock set back by more than this (not two threads' readings a moment apart) would hold every
# busy conversation for as long: everything is forgotten instead.
SET_BACK = timedelta(minutes=1)


class Pacer:
    """Token buckets per conversation, safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, datetime] = {}  # when each busy bucket is full again
        self._reserved: dict[int, datetime] = {}  # notice id -> the time held for it
        self._pruned: datetime | None = None
        self._latest: datetime | None = None  # the latest time handed in

    def take(
        self,
        notice_id: int,
        targets: Iterable[str],
        now: datetime,
        *,
        burst: int,
        per_second: float,
    ) -> datetime | None:
        """Tokens for one message to each of ``targets`` (a target listed twice needs two):
        None when they are taken and the messages may go now; otherwise the time to try again,
        reserved for ``notice_id``."""
        need = Counter(targets)
        if not need:
            return None
        interval = timedelta(seconds=1 / per_second)
        with self._lock:
            self._prune(now)
            held = self._reserved.pop(notice_id, None)
            if held is not None:
                if held <= now + SLACK:
                    return None
                self._reserved[notice_id] = held  # looked at early: still its time
                return held
            ready = {t: self._ready(t, n, now, burst, interval) for t, n in need.items()}
            for target, n in need.items():  # taken now, or reserved at each one's own time
                self._tat[target] = max(self._tat.get(target, now), ready[target]) + n * interval
            until = max(ready.values())
            if until <= now + SLACK:
                return None
            self._reserved[notice_id] = until
            return until

    def _ready(
        self, target: str, n: int, now: datetime, burst: int, interval: timedelta
    ) -> datetime:
        """When ``n`` messages to ``target`` fit in its bucket (more than a burst: when it is
        full; they go together and the bucket owes the rest)."""
        tat = self._tat.get(target)
        if tat is None:
            return now
        return max(now, tat - (burst - min(n, burst)) * interval)

    def _prune(self, now: datetime) -> None:
        if self._latest is not None and now < self._latest - SET_BACK:
            self._tat, self._reserved, self._pruned, self._latest = {}, {}, None, None
        self._latest = max(now, self._latest or now)
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        self._tat = {t: tat for t, tat in self._tat.items() if tat > now}
        stale = now - RESERVATION_KEPT
        self._reserved = {n: at for n, at in self._reserved.items() if at > stale}

    def busy(self) -> int:
        """How many conversations have a bucket not yet full (what is kept in memory)."""
        with self._lock:
            return len(self._tat)
