"""Retention: finished notices and handled Slack event ids are deleted after a configured age
(`[retention]`: ``notices``, default 30 days; ``events``, default 7 days).

The active scheduler prunes once an hour, a batch per table per tick, each in its own short
transaction; while a batch comes back full it carries on at the next tick, so a backlog (the
first run on a big database) drains over a few minutes without holding locks. Between runs a
tick costs no statement at all. The audit trail is kept: it is the record of who did what.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.config import RetentionConfig
from storage import retention as repo
from storage.db import transaction

log = logging.getLogger(__name__)

BATCH = 1000  # rows per table per tick
EVERY = timedelta(hours=1)  # between runs once nothing is left to prune


@dataclass
class Pruned:
    notices: int = 0
    events: int = 0


@dataclass
class Retention:
    sessions: sessionmaker[Session]
    config: Callable[[], RetentionConfig]
    batch: int = BATCH
    _next: datetime | None = field(default=None, init=False)

    def run(self, now: datetime) -> Pruned | None:
        """Prune one batch per table when due; None when it was not due."""
        if self._next is not None and now < self._next:
            return None
        cfg = self.config()
        pruned = Pruned()
        with transaction(self.sessions) as session:
            pruned.notices = repo.prune_notices(session, now - cfg.notices, batch=self.batch)
        with transaction(self.sessions) as session:
            pruned.events = repo.prune_events(session, now - cfg.events, batch=self.batch)
        full = max(pruned.notices, pruned.events) >= self.batch
        self._next = now if full else now + EVERY
        if pruned.notices or pruned.events:
            log.info("retention: %d notices, %d event ids pruned", pruned.notices, pruned.events)
        return pruned
