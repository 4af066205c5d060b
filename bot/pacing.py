"""Per-conversation pacing: at most a small burst at once, then about one message a second.

Slack accepts about one message a second per channel (``chat.postMessage``; a short burst is
tolerated) and answers 429 past it. A backlog of due notices would otherwise reach one channel
as fast as the database lets the sweep go. Each conversation (a channel id, or a user id for the
app's DM with that person) has a token bucket of ``burst`` messages refilled at ``per_second``,
kept as the time it is full again (GCRA): each message sent pushes that time one interval later,
and a message may go when it is at most ``burst - 1`` intervals ahead. Only messages that went
count, so whatever happens to the notices, no conversation gets more than the pace allows.

A notice whose conversation has no token is not sent and not slept on: it is given a *turn*,
the next free one in that conversation (one interval a message after the last turn handed out
there, and no sooner than the bucket allows), and is due again then. So the notices queued
behind one busy channel are spread one interval apart, each looked at about twice (put back,
then sent), and a notice for another channel never waits on them. A notice without a turn
queues behind those with one; a notice whose turn came goes as soon as the bucket allows. If
the sweep fell behind and turns came due together, those the bucket cannot take go to the back.

What counts: posts, DMs and file shares, which put a message in the conversation. Edits
(``chat.update``), App Home publishes, invites and archiving do not: Slack's per-channel limit is
about posting messages, edits rewrite a message already there (Slack limits ``chat.update`` per
workspace, tier 3), and holding back the edit that shows an acknowledgement behind a backlog of
new posts would only make the channel look out of date.

Everything is in memory, in one process, and driven by the times it is handed (the runtime's
clock, so freezegun moves it). A full bucket with no turns ahead is the same as no bucket, so it
is forgotten; a turn is forgotten once used or long after its time; all of it when the clock is
set back. Nothing here is needed for correctness: a process that starts afresh (or another
process sending to the same channel) simply starts with full buckets, and the turns it did not
hand out are plain due times on the rows. Claims on the rows keep "sent once" true.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# How often idle buckets and stale turns are looked for, and how long a turn waits for its
# notice (taken over by another process, cancelled...) before it is forgotten.
PRUNE_EVERY = timedelta(minutes=1)
TURN_KEPT = timedelta(minutes=10)
# Times below this are the same time (a datetime keeps microseconds; intervals are divided).
SLACK = timedelta(milliseconds=1)
# A clock set back by more than this (not two threads' readings a moment apart) would hold every
# busy conversation for as long: everything is forgotten instead.
SET_BACK = timedelta(minutes=1)


@dataclass
class _Bucket:
    full_at: datetime  # when the bucket is full again, counting the messages that went
    line: datetime | None = None  # the last turn handed out to a notice put back


class Pacer:
    """Token buckets per conversation, safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}  # only those not full, or with turns ahead
        self._turns: dict[int, datetime] = {}  # notice id -> the turn it was given
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
        None when they are taken and the messages may go now; otherwise the notice's turn, when
        to try again."""
        need = Counter(targets)
        if not need:
            return None
        interval = timedelta(seconds=1 / per_second)
        with self._lock:
            self._prune(now)
            turn = self._turns.get(notice_id)
            if turn is not None and turn > now + SLACK:
                return turn  # looked at early: its turn stands
            buckets = {t: self._buckets.get(t) for t in need}
            ready = {t: _ready(buckets[t], n, now, burst, interval) for t, n in need.items()}
            # A notice whose turn came goes as soon as the messages sent allow; any other one
            # queues behind the turns already handed out, so none is skipped.
            queued = turn is None and any(
                b is not None and b.line is not None and b.line > now for b in buckets.values()
            )
            if not queued and max(ready.values()) <= now + SLACK:
                self._turns.pop(notice_id, None)
                for target, n in need.items():
                    bucket = self._buckets.setdefault(target, _Bucket(now))
                    bucket.full_at = max(bucket.full_at, now) + n * interval
                return None
            # Put back: its turn is the next free one in each conversation, one interval a
            # message after the last one handed out there (a turn that came too late to go,
            # when the sweep fell behind, goes to the back: nothing goes faster than the pace).
            turn = max(
                max(ready[t], _after_line(buckets[t], n, interval, now)) for t, n in need.items()
            )
            for target in need:
                self._buckets.setdefault(target, _Bucket(now)).line = turn
            self._turns[notice_id] = turn
            return turn

    def _prune(self, now: datetime) -> None:
        if self._latest is not None and now < self._latest - SET_BACK:
            self._buckets, self._turns, self._pruned, self._latest = {}, {}, None, None
        self._latest = max(now, self._latest or now)
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        self._buckets = {
            t: b
            for t, b in self._buckets.items()
            if b.full_at > now or (b.line is not None and b.line > now)
        }
        stale = now - TURN_KEPT
        self._turns = {n: at for n, at in self._turns.items() if at > stale}

    def busy(self) -> int:
        """How many conversations have a bucket not full or turns ahead (kept in memory)."""
        with self._lock:
            return len(self._buckets)


def _after_line(bucket: _Bucket | None, n: int, interval: timedelta, now: datetime) -> datetime:
    """The first turn after the last one handed out in ``bucket``, for ``n`` messages."""
    if bucket is None or bucket.line is None:
        return now
    return bucket.line + n * interval


def _ready(
    bucket: _Bucket | None, n: int, now: datetime, burst: int, interval: timedelta
) -> datetime:
    """When ``n`` messages fit in ``bucket`` (more than a burst: when it is full; they go
    together and the bucket owes the rest)."""
    if bucket is None:
        return now
    return max(now, bucket.full_at - (burst - min(n, burst)) * interval)
