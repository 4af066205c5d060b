"""APScheduler is the clock, the database is the truth.

One sweep job (fixed id, in-memory job store, coalesced, one instance, never dropped as a
misfire) asks each area to plan its upcoming notices, sends what is due and prunes old history
(bot/retention.py); a one-shot wake-up
job is set for the next due notice when it comes before the next sweep, so a reminder due in
40 s goes out on time rather than at the next sweep (at most one wake-up a second: a paced
backlog's turns are sent a second's worth at a time). Nothing is pickled: jobs are bound
methods.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.leader import Leadership
from bot.retention import Retention
from bot.runtime import Runtime

log = logging.getLogger(__name__)

SWEEP_ID = "opsdesk-sweep"
WAKE_ID = "opsdesk-wake"
JOB_OPTIONS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
MAX_BATCHES = 20  # per tick: a backlog drains over a few ticks instead of hogging one
# Pacing (bot/pacing.py) gives each channel's waiting notices turns a second apart, and the
# turns of different channels fall anywhere within a second: one wake-up sends all that are due
# within it, rather than a tick (planners and all) for each.
WAKE_GAP = timedelta(seconds=1)


def wake_in(due: datetime, now: datetime) -> timedelta:
    """How long from ``now`` the wake-up for a notice due at ``due`` sleeps."""
    return max(due - now, WAKE_GAP)


class Scheduler:
    def __init__(self, rt: Runtime, *, interval: float = 15.0):
        self.rt = rt
        self.interval = interval
        self.leadership = Leadership(rt.engine)
        self._lock = threading.Lock()
        self._aps = BackgroundScheduler(timezone=UTC, job_defaults=JOB_OPTIONS)
        self.retention = Retention(rt.sessions, lambda: rt.config.retention)

    @property
    def is_leader(self) -> bool:
        return self.leadership.is_leader

    def start(self) -> None:
        self._aps.add_job(
            self._tick_logged,
            IntervalTrigger(seconds=self.interval, timezone=UTC),
            id=SWEEP_ID,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
            **JOB_OPTIONS,
        )
        self._aps.start()
        log.info("scheduler started (sweep every %ss)", self.interval)

    def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=True)
        self.leadership.release()
        metrics.scheduler_leader(False)

    def tick(self) -> int:
        """Plan, send what is due, then prune old history when that is due; returns how many
        notices went out."""
        with self._lock:
            leader = self.leadership.check()
            metrics.scheduler_leader(leader)
            if not leader:
                return 0
            self.rt.dispatcher.plan()
            sent = 0
            for _ in range(MAX_BATCHES):
                batch = self.rt.dispatcher.run_batch()
                sent += batch.sent
                # Notices put back until their channel's turn are no longer due: go on to what
                # is behind them. A batch that did neither (Slack down, say) ends the tick.
                if not (batch.sent or batch.paced):
                    break
            # Real time, whatever the console's clock says: Prometheus compares it with time().
            metrics.scheduler_ticked(time.time())
            try:
                self.retention.run(self.rt.clock.now())
            except Exception:
                log.exception("retention failed; the next sweep tries again")
            return sent

    def _tick_logged(self) -> None:
        try:
            self.tick()
            self._set_wake_up()
        except Exception:
            log.exception("scheduler tick failed; the next sweep tries again")

    def _set_wake_up(self) -> None:
        if not self._aps.running or not self.is_leader:
            return
        due = self.rt.dispatcher.next_due()
        if due is None:
            return
        now = self.rt.clock.now()
        if due - now >= timedelta(seconds=self.interval):
            return
        # The job runs on the real clock; the console's clock offset is applied to "due".
        run_at = datetime.now(UTC) + wake_in(due, now)
        self._aps.add_job(
            self._tick_logged,
            DateTrigger(run_date=run_at, timezone=UTC),
            id=WAKE_ID,
            replace_existing=True,
            **JOB_OPTIONS,
        )
