"""The dispatcher: claims due notices, has each one said, and decides what follows a failure.

The states of a notice and who moves them (docs/RELIABILITY.md, "Delivery model"):

- ``pending`` -> ``sending``: a claim (a conditional update, committed, that returns what the
  row holds in the same statement), by the sweep or the thread that sends what a request
  queued. Doubtful rows (``unknown``) are claimed the same way.
- ``sending`` -> ``calling``: committed just before a call that may post (bot/delivery.py);
  ``calling`` -> ``sending`` once its outcome is recorded, if an idempotent call follows; before
  another call that may post, one write records the outcome and marks that call.
- ``sending``/``calling`` -> ``sent`` | ``skipped``: the record step, in the transaction that
  writes what the notice's handler records.
- -> ``unknown``: a call got no answer (a timeout, a dropped connection, a 5xx), or a process
  died in ``calling`` and its lease ran out. The next claim looks for the post (message metadata
  names the notice) before anything is posted again.
- -> ``pending``: Slack refused or rate-limited the call (retried with back-off), the handler
  waits on another notice (``NotYet``), a conversation it adds a message to has had its burst
  (``Paced``, bot/pacing.py: due again at its turn, not an attempt), or a process died in
  ``sending`` (nothing was called, so it is simply sent again).
- -> ``failed``: after ``MAX_ATTEMPTS``, or past its expiry. A failed notice others wait on (an
  announcement, an approver's DM) is made again (``REVIVE_AFTER``) for ``REVIVE_FOR``; every
  failure shows on ``/healthz`` and in the admins' daily list (bot/failures/).

Claims lapse after ``lease`` (a multiple of the Slack client timeout, so never while a call can
still be under way); the sweep recovers them. The statements are in storage/notices.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import metrics
from bot.config import Config
from bot.context import SYSTEM_USER, Actor, Ctx, Outbox
from bot.delivery import InDoubt, Job, LostClaim, Paced, Progress
from bot.messenger import DeliveryUnknown, Messenger, RateLimited, Refused
from bot.notice_health import FAILED_WINDOW, NoticeHealth
from bot.notices import NotYet, Plan, Skip
from bot.pacing import Pacer
from bot.payloads import NoticePayload
from bot.registry import NoticeKind, Planner, Registry
from bot.tz import zone
from storage import notices as queue
from storage.db import WriteNeeded, make_read_session_factory, only_reading, transaction
from storage.notices import Claimed, NoticeStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claim lapses after this many Slack client timeouts (bot/settings.py): longer than a call can
# take with its rate-limit retries (bot/slack_messenger.py), so never while one is under way.
LEASE_TIMEOUTS = 12
LEASE = timedelta(minutes=2)
SETTLE = timedelta(seconds=10)  # after a call got no answer, look for its post this much later
WAIT_LIMIT = timedelta(hours=1)  # a notice waiting on nothing in particular fails after this
REVIVE_AFTER = timedelta(minutes=10)
REVIVE_FOR = timedelta(hours=24)
BATCH = 100
# How long a request's after-response thread waits for a notice it depends on (e.g. an update
# queued a moment after the announcement it edits) before leaving it to the sweep.
PATIENCE = (0.1, 0.25, 0.5, 1.0, 2.0)
SENDING, CALLING = NoticeStatus.SENDING, NoticeStatus.CALLING


def describe(exc: BaseException) -> str:
    """A failure as the admins' daily list and the row's ``last_error`` show it."""
    if isinstance(exc, Refused):
        text = f"Slack refused {exc}"
    elif isinstance(exc, InDoubt):
        text = f"no answer from Slack ({exc}); it is looked for before it is sent again"
    elif isinstance(exc, DeliveryUnknown):
        text = f"no answer from Slack ({exc})"
    elif isinstance(exc, RateLimited):
        text = f"Slack rate limit ({exc})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:2000]


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


def waiting_delay(waited: timedelta) -> timedelta:
    """A dependent looks again within seconds at first, then less often, at most every 5 min."""
    return min(max(waited / 10, timedelta(seconds=5)), timedelta(minutes=5))


class Outcome(Enum):
    SENT = "sent"
    NOT_SENT = "not sent"  # skipped, failed, retried later, or another process has it
    WAITING = "waiting"  # on another notice (``NotYet``)
    PACED = "paced"  # due again at its conversation's turn


@dataclass
class Batch:
    """What one pass over some notices did."""

    sent: int = 0
    paced: int = 0
    waiting: list[int] = field(default_factory=list)

    def count(self, notice_id: int, outcome: Outcome) -> None:
        self.sent += outcome is Outcome.SENT
        self.paced += outcome is Outcome.PACED
        if outcome is Outcome.WAITING:
            self.waiting.append(notice_id)


@dataclass
class Dispatcher:
    """Sends due notices. Safe to run in several processes at once: claims are conditional."""

    sessions: sessionmaker[Session]
    messenger: Messenger
    config: Config
    now: Callable[[], datetime]
    registry: Registry[Ctx]  # whose handlers send, whose planners plan
    lease: timedelta = LEASE
    settle: timedelta = SETTLE
    # Off in the console, which has no Slack to overwhelm and prints at once.
    pacing: bool = True
    pacer: Pacer = field(default_factory=Pacer)
    # Where handlers plan (bot/delivery.py): units that only read, on the same engine.
    reads: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        with self.sessions() as session:  # takes no connection
            engine = session.get_bind()
        assert isinstance(engine, Engine)
        self.reads = make_read_session_factory(engine)

    def _ctx(self, session: Session, now: datetime) -> Ctx:
        actor = Actor(SYSTEM_USER, zone(self.config.timezone), is_admin=True)
        return Ctx(
            session=session, now=now, config=self.config, actor=actor, registry=self.registry
        )

    def plan(self) -> None:
        """Let each area write its upcoming rows; a failing planner must not stop the others.

        Each runs first where it can only read: on most ticks a planner finds nothing to do,
        and then it costs its reads alone (no BEGIN and COMMIT on PostgreSQL, no write lock on
        SQLite). One that has something to write is stopped at its first write, before it
        reaches the database, and runs again from the start as a transaction.
        """
        for name, fn in self.registry.planners():
            try:
                run = partial(self._run_planner, fn)
                if isinstance(only_reading(self.reads, run), WriteNeeded):
                    with transaction(self.sessions) as session:
                        run(session)
            except Exception:
                log.exception("planner %s failed", name)

    def _run_planner(self, fn: Planner[Ctx], session: Session) -> None:
        fn(self._ctx(session, self.now()))

    def run_due(self, limit: int = BATCH) -> int:
        """Claim and send what is due now; returns how many were sent."""
        return self.run_batch(limit).sent

    def run_batch(self, limit: int = BATCH) -> Batch:
        """One batch of the sweep: claim and send (or put back until their turn) what is due."""
        now = self.now()
        self._recover(now)
        with self.sessions() as session:
            ids = queue.due_ids(session, now, limit=limit)
        return self._dispatch(ids)

    def dispatch(self, ids: Iterable[int]) -> int:
        return self._dispatch(ids).sent

    def _dispatch(self, ids: Iterable[int], *, early: bool = False) -> Batch:
        """Send ``ids``, one at a time: a claim, its calls, its record."""
        batch = Batch()
        for notice_id in ids:
            with transaction(self.sessions) as session:
                claimed = queue.claim(session, notice_id, self.now(), early=early)
            if claimed is None:
                continue
            batch.count(notice_id, self._deliver(notice_id, claimed))
        return batch

    def next_due(self) -> datetime | None:
        """When the sweep next has work: a notice falls due, or a claim lapses."""
        with self.sessions() as session:
            due, claimed = queue.next_due(session)
        lapses = claimed + self.lease if claimed is not None else None
        return min((t for t in (due, lapses) if t is not None), default=None)

    def health(self) -> NoticeHealth:
        now = self.now()
        with self.sessions() as session:
            found = queue.health(session, now, now - FAILED_WINDOW)
        waited = (now - found.oldest_due).total_seconds() if found.oldest_due else 0
        return NoticeHealth(found.failed, max(int(waited), 0))

    # --- one notice -----------------------------------------------------------------------------

    def _deliver(self, notice_id: int, claimed: Claimed) -> Outcome:
        """Send a notice this process has just claimed (the claim read the row: no load)."""
        now = self.now()
        kind, attempts, created_at = claimed.kind, claimed.attempts, claimed.created_at
        declared = self.registry.notice_kind(kind)
        problem, payload = _parse(declared, kind, claimed.payload)
        job = Job(
            sessions=self.sessions,
            reads=self.reads,
            messenger=self.messenger,
            make_ctx=self._ctx,
            live=self._live,
            handler=declared.handler if declared else _no_handler,
            notice_id=notice_id,
            claims=claimed.claims,
            payload=payload,
            now=now,
            expires_at=claimed.expires_at,
            progress=Progress.of(claimed.progress),
            pace=self._pace,
        )
        if problem is not None:
            log.error("notice %s: %s", notice_id, problem)
            if self._end(job, NoticeStatus.FAILED, problem):
                metrics.notice_failed(kind)
            return Outcome.NOT_SENT
        try:
            sent = job.run()
        except LostClaim as exc:
            log.warning("%s; leaving it to that process", exc)
            return Outcome.NOT_SENT
        except Skip as reason:
            # A record that skips after its calls went out still said what it had to say.
            said = job.status == CALLING or bool(job.progress.done)
            status = NoticeStatus.SENT if said else NoticeStatus.SKIPPED
            if self._end(job, status, str(reason) or None) and said:
                metrics.notice_sent(kind)
            return Outcome.NOT_SENT
        except NotYet as exc:
            self._wait(job, kind, created_at, exc)
            return Outcome.WAITING
        except Paced as exc:
            # Not an attempt, and not an error: its last one (if any) stays on the row.
            values = {"status": NoticeStatus.PENDING, "due_at": exc.until}
            self._move(job, values, give_back_attempt=True)
            return Outcome.PACED
        except Exception as exc:
            level = logging.INFO if isinstance(exc, InDoubt | RateLimited) else logging.WARNING
            log.log(level, "notice %s (%s) not sent: %s", notice_id, kind, exc, exc_info=True)
            self._retry_later(job, kind, attempts, exc)
            return Outcome.NOT_SENT
        if sent:
            metrics.notice_sent(kind)
        # Records may queue follow-ups that are due at once (e.g. the next step's approvers).
        self.flush(job.outbox)
        return Outcome.SENT if sent else Outcome.NOT_SENT

    def _pace(self, notice_id: int, targets: list[str]) -> datetime | None:
        """Tokens for a round's messages, read at the moment they would go (a claim's own time
        may be seconds old by then)."""
        if not self.pacing:
            return None
        limits = self.config.delivery
        return self.pacer.take(
            notice_id, targets, self.now(), burst=limits.burst, per_second=limits.per_second
        )

    def _live(self, like: str) -> bool:
        with self.sessions() as session:
            return queue.live(session, like=like)

    def _end(self, job: Job, status: NoticeStatus, note: str | None) -> bool:
        values: dict[str, Any] = {"status": status, "last_error": note}
        if status == NoticeStatus.SENT:
            values["sent_at"] = job.now
        if status == NoticeStatus.FAILED:
            values["failed_at"] = job.now
        return self._move(job, values)

    def _wait(self, job: Job, kind: str, created_at: datetime, exc: NotYet) -> None:
        """Back to pending for a while; waiting is not a failed attempt. A wait on a named notice
        lasts while that one is on its way; any other wait gives up after WAIT_LIMIT."""
        waited = job.now - created_at
        error = f"waiting: {exc}"[:2000]
        if exc.behind is None and waited > WAIT_LIMIT:
            log.error("notice %s (%s) gave up waiting: %s", job.notice_id, kind, exc)
            if self._end(job, NoticeStatus.FAILED, error):
                metrics.notice_failed(kind)
            return
        values = {"status": NoticeStatus.PENDING, "due_at": job.now + waiting_delay(waited)}
        self._move(job, {**values, "last_error": error}, give_back_attempt=True)

    def _retry_later(self, job: Job, kind: str, attempts: int, exc: Exception) -> None:
        """Try again with back-off; a doubt is looked into soon; give up after MAX_ATTEMPTS."""
        error = describe(exc)
        delay = backoff(attempts)
        if isinstance(exc, InDoubt) and attempts <= 1:
            delay = self.settle
        if isinstance(exc, RateLimited):
            delay = max(delay, timedelta(seconds=exc.retry_after))
        retry_at = job.now + delay
        expired = job.expires_at is not None and retry_at > job.expires_at
        in_doubt = bool(job.progress.doubt)
        if attempts < MAX_ATTEMPTS and not (expired and not in_doubt):
            status = NoticeStatus.UNKNOWN if in_doubt else NoticeStatus.PENDING
            self._move(job, {"status": status, "due_at": retry_at, "last_error": error})
            return
        log.error("notice %s (%s) gave up: %s", job.notice_id, kind, error)
        with transaction(self.sessions) as session:
            if self.registry.is_awaited(kind):
                error += self._revive(session, job)
            failed = self._move(
                job,
                {"status": NoticeStatus.FAILED, "failed_at": job.now, "last_error": error[:2000]},
                session=session,
            )
        if failed:  # counted once it is committed
            metrics.notice_failed(kind)

    def _revive(self, session: Session, job: Job) -> str:
        """Queue the notice again under ``<key>#<n>``, carrying what it delivered or left in
        doubt, while its line is younger than REVIVE_FOR; a note for its ``last_error``."""
        notice = queue.load(session, job.notice_id)
        assert notice is not None
        base, _, n = notice.dedupe_key.partition(queue.REVIVED)
        started = queue.line_started(session, base) or notice.created_at
        if job.now - started >= REVIVE_FOR:
            return "; not tried again: it has failed for a day"
        generation = int(n or 1) + 1
        due = job.now + REVIVE_AFTER
        queue.enqueue(
            session,
            kind=notice.kind,
            payload=dict(notice.payload),
            due_at=due,
            dedupe_key=f"{base}{queue.REVIVED}{generation}",
            expires_at=None,
            now=job.now,
            progress=job.progress.json(),
        )
        return f"; tried again as {queue.REVIVED}{generation} from {due:%H:%M} UTC"

    def _move(
        self,
        job: Job,
        values: dict[str, Any],
        *,
        session: Session | None = None,
        give_back_attempt: bool = False,
    ) -> bool:
        """Leave the claim with these values (and the row's progress as the job left it);
        False when another process took the notice over meanwhile."""
        if session is None:
            with transaction(self.sessions) as own:
                return self._move(job, values, session=own, give_back_attempt=give_back_attempt)
        won = queue.move(
            session,
            job.notice_id,
            job.claims,
            expected={job.status},
            values={**values, "progress": job.progress.json()},
            give_back_attempt=give_back_attempt,
        )
        if not won:
            log.warning("notice %s: another process took it over meanwhile", job.notice_id)
        return won

    def _recover(self, now: datetime) -> None:
        with transaction(self.sessions) as session:
            requeued, doubtful = queue.recover_stale(session, now - self.lease, now)
        if requeued or doubtful:
            log.warning(
                "%d notices were interrupted before calling Slack (sent again now) and %d while "
                "calling it (looked for before anything is sent again)",
                requeued,
                doubtful,
            )

    # --- after a unit of work -------------------------------------------------------------------

    def flush(self, outbox: Outbox, *, patient: bool = False) -> None:
        """Run what a committed unit of work queued: its due notices, then its effects.

        ``patient`` (the after-response threads) retries notices waiting on another one a few
        times within seconds; what still waits is left to the sweep, already rescheduled. A
        notice put back until its conversation's turn (pacing) is left to the sweep at once:
        no thread sleeps on it, so the notices of other channels are never held up behind it.
        """
        if outbox.notice_ids:
            waiting = self._dispatch(outbox.notice_ids).waiting
            for pause in PATIENCE if patient else ():
                if not waiting:
                    break
                time.sleep(pause)
                waiting = self._dispatch(waiting, early=True).waiting
        for effect in outbox.effects:
            try:
                effect(self.messenger)
            except Exception:
                log.exception("after-response effect failed")


def _no_handler(ctx: Ctx, payload: NoticePayload) -> Plan[Ctx]:
    raise AssertionError("a notice of an undeclared kind is failed before it is prepared")


def _parse(
    declared: NoticeKind[Ctx] | None, kind: str, row: Any
) -> tuple[str | None, NoticePayload]:
    """The row's payload as its kind's model, or why it cannot be sent (a programming error:
    a kind no area declares, or a row its model does not fit)."""
    if declared is None:
        return f"no handler for kind {kind!r}", NoticePayload()
    try:
        return None, declared.parse(row)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        return f"its payload does not fit {kind!r}: {where}: {first['msg']}", NoticePayload()
