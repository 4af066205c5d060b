"""The dispatcher: claims due notices, hands each to its area's handler, marks the outcome.

A row is claimed with a conditional update, sent in a fresh unit of work and marked sent in that
same transaction. A failed send goes back to pending with back-off until it expires; a row
claimed by a process that then died is never re-sent (see ``bot/notices.py`` for why). The
statements it runs are in ``storage/notices.py``; the policy (back-off, waiting) is here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.context import SYSTEM_USER, Actor, Ctx, Outbox
from bot.messenger import Messenger
from bot.notices import NotYet, Skip
from bot.registry import Registry
from bot.tz import zone
from storage import notices as queue
from storage.db import transaction
from storage.notices import NoticeStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
STALE_CLAIM = timedelta(minutes=5)
WAIT_LIMIT = timedelta(hours=1)  # a notice waiting on one that never goes out fails after this
BATCH = 100
# How long a request's after-response thread waits for a notice it depends on (e.g. an update
# queued a moment after the announcement it edits) before leaving it to the sweep.
PATIENCE = (0.1, 0.25, 0.5, 1.0, 2.0)
SKIPPED, FAILED = NoticeStatus.SKIPPED, NoticeStatus.FAILED


@dataclass
class Dispatcher:
    """Sends due notices. Safe to run in several processes at once: claims are conditional."""

    sessions: sessionmaker[Session]
    messenger: Messenger
    config: Config
    now: Callable[[], datetime]
    registry: Registry[Ctx]  # whose handlers send, whose planners plan

    def _ctx(self, session: Session, now: datetime) -> Ctx:
        actor = Actor(SYSTEM_USER, zone(self.config.timezone), is_admin=True)
        return Ctx(
            session=session, now=now, config=self.config, actor=actor, registry=self.registry
        )

    def plan(self) -> None:
        """Let each area write its upcoming rows; a failing planner must not stop the others."""
        for name, fn in self.registry.planners():
            try:
                with transaction(self.sessions) as session:
                    fn(self._ctx(session, self.now()))
            except Exception:
                log.exception("planner %s failed", name)

    def run_due(self, limit: int = BATCH) -> int:
        """Claim and send what is due now; returns how many were sent."""
        now = self.now()
        self._abandon_stale(now)
        with self.sessions() as session:
            ids = queue.due_ids(session, now, limit=limit)
        return self.dispatch(ids)

    def dispatch(self, ids: Iterable[int]) -> int:
        return self._dispatch(ids)[0]

    def _dispatch(self, ids: Iterable[int], *, early: bool = False) -> tuple[int, list[int]]:
        """Send ``ids``; returns how many went out and which are waiting on another notice."""
        sent, waiting = 0, []
        for notice_id in ids:
            if self._claim(notice_id, early=early):
                outcome = self._send(notice_id)
                if outcome is None:
                    waiting.append(notice_id)
                else:
                    sent += outcome
        return sent, waiting

    def next_due(self) -> datetime | None:
        with self.sessions() as session:
            return queue.next_due(session)

    def _claim(self, notice_id: int, *, early: bool = False) -> bool:
        """Take a pending row for sending; ``early`` also takes one whose retry is not due yet."""
        with transaction(self.sessions) as session:
            return queue.claim(session, notice_id, self.now(), early=early)

    def _send(self, notice_id: int) -> int | None:
        """1 sent, 0 not sent (skipped, failed, retried later), None waiting on another notice."""
        now = self.now()
        outbox = Outbox()
        try:
            with transaction(self.sessions) as session:
                notice = queue.load(session, notice_id)
                assert notice is not None
                if notice.expires_at is not None and notice.expires_at < now:
                    queue.finish(notice, SKIPPED, now, "expired before it could be sent")
                    return 0
                handler = self.registry.handler_for(notice.kind)
                if handler is None:
                    queue.finish(notice, FAILED, now, f"no handler for kind {notice.kind!r}")
                    log.error("notice %s: no handler for kind %r", notice_id, notice.kind)
                    return 0
                ctx = self._ctx(session, now)
                try:
                    handler(ctx, self.messenger, dict(notice.payload))
                except Skip as reason:
                    queue.finish(notice, SKIPPED, now, str(reason) or None)
                    return 0
                queue.finish(notice, NoticeStatus.SENT, now, None)
                outbox = ctx.outbox
        except NotYet as exc:
            self._wait(notice_id, now, exc)
            return None
        except Exception as exc:
            log.warning("notice %s failed: %s", notice_id, exc, exc_info=True)
            self._retry_later(notice_id, now, exc)
            return 0
        # Handlers may queue follow-ups that are due at once (e.g. the next step's approvers).
        self.flush(outbox)
        return 1

    def flush(self, outbox: Outbox, *, patient: bool = False) -> None:
        """Run what a committed unit of work queued: its due notices, then its effects.

        ``patient`` (the after-response threads) retries notices waiting on another one a few
        times within seconds; what still waits is left to the sweep, already rescheduled.
        """
        if outbox.notice_ids:
            _, waiting = self._dispatch(outbox.notice_ids)
            for pause in PATIENCE if patient else ():
                if not waiting:
                    break
                time.sleep(pause)
                _, waiting = self._dispatch(waiting, early=True)
        for effect in outbox.effects:
            try:
                effect(self.messenger)
            except Exception:
                log.exception("after-response effect failed")

    def _wait(self, notice_id: int, now: datetime, exc: NotYet) -> None:
        """Back to pending for a few seconds; waiting is not a failed attempt, but not forever."""
        with transaction(self.sessions) as session:
            notice = queue.load(session, notice_id)
            if notice is None:
                return
            error = f"waiting: {exc}"[:2000]
            if now - notice.created_at > WAIT_LIMIT:
                notice.attempts -= 1
                queue.finish(notice, FAILED, now, error)
                log.error("notice %s (%s) gave up waiting: %s", notice_id, notice.kind, exc)
            else:
                queue.retry(notice, due_at=now + timedelta(seconds=5), error=error, counted=False)

    def _retry_later(self, notice_id: int, now: datetime, exc: Exception) -> None:
        with transaction(self.sessions) as session:
            notice = queue.load(session, notice_id)
            if notice is None:
                return
            error = f"{type(exc).__name__}: {exc}"[:2000]
            retry_at = now + timedelta(seconds=30 * 2 ** (notice.attempts - 1))
            expired = notice.expires_at is not None and retry_at > notice.expires_at
            if notice.attempts >= MAX_ATTEMPTS or expired:
                queue.finish(notice, FAILED, now, error)
                log.error("notice %s (%s) gave up: %s", notice_id, notice.kind, exc)
            else:
                queue.retry(notice, due_at=retry_at, error=error)

    def _abandon_stale(self, now: datetime) -> None:
        with transaction(self.sessions) as session:
            n = queue.abandon_stale(
                session, now - STALE_CLAIM, error="interrupted while sending; not re-sent"
            )
        if n:
            log.warning("%d notices were interrupted mid-send and are not re-sent", n)
