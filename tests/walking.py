"""Frozen time moved like a running scheduler, without ticking through every quiet interval."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.scheduler import Scheduler


def walk(
    scheduler: Scheduler,
    frozen: Any,
    until: datetime,
    every: timedelta,
    after_tick: Callable[[datetime], None] | None = None,
) -> None:
    """Tick now, then every ``every`` up to ``until`` (ticking there too), and in between at
    each moment a notice falls due.

    A tick every few minutes spends nearly all its ticks finding nothing to do. This one ticks
    through the same span, still often enough to let the planners run at many hours of the
    day, and checks more where it matters: a notice due at 08:57 goes out at 08:57 here, where
    a tick every five minutes would have sent it at 09:00 and passed. ``after_tick(now)`` is
    called after each tick, e.g. to note what went out when.
    """
    rt = scheduler.rt
    while True:
        scheduler.tick()
        now = rt.clock.now()
        if after_tick is not None:
            after_tick(now)
        if now >= until:
            return
        later = min(now + every, until)
        due = rt.dispatcher.next_due()
        frozen.move_to(due if due is not None and now < due < later else later)
