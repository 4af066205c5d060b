"""The process's long-lived parts, built once: settings, config, database, clock, messenger,
and the registry of what its areas declared.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Config
from bot.context import Ctx, Outbox
from bot.dispatcher import LEASE_TIMEOUTS, Dispatcher
from bot.messenger import Messenger
from bot.registry import Registry
from bot.settings import Settings
from bot.users import Lookups
from storage.db import make_engine, make_read_session_factory, make_session_factory, transaction

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    messenger: Messenger
    dispatcher: Dispatcher
    registry: Registry[Ctx]  # what this process's areas declared (bot/app.py builds it)
    # True in the console and unit tests: say things before returning, in order.
    synchronous: bool = False
    # The console holds what a request queued until it has printed the reply, as Slack would.
    deferred: list[Outbox] | None = None
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    # users.info look-ups in flight or recently failed (bot/users.py)
    lookups: Lookups = field(default_factory=Lookups, repr=False)
    # Sessions for a unit that only reads (bot/unit.py ``reading``): no transaction around it.
    reads: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.reads = make_read_session_factory(self.engine)

    def after_response(self, outbox: Outbox) -> None:
        """Talk to Slack once the reply is on its way (ARCHITECTURE: "ack at once")."""
        if not outbox:
            return
        if self.deferred is not None:
            self.deferred.append(outbox)
            return
        if self.synchronous:
            self.dispatcher.flush(outbox)
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="opsdesk-out")
        self._executor.submit(self._flush_logged, outbox)

    def _flush_logged(self, outbox: Outbox) -> None:
        try:
            self.dispatcher.flush(outbox, patient=True)
        except Exception:
            log.exception("sending after the response failed; the sweep will retry notices")

    def transaction(self) -> AbstractContextManager[Session]:
        """A session whose work commits on success and rolls back on any exception."""
        return transaction(self.sessions)

    def drain(self) -> None:
        """Wait for everything queued after responses to be sent (shutdown, tests)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def close(self) -> None:
        self.drain()
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    config: Config,
    messenger: Messenger,
    registry: Registry[Ctx],
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    synchronous: bool = False,
) -> Runtime:
    engine = engine or make_engine(settings.DATABASE_URL, limits=settings.db_limits)
    sessions = make_session_factory(engine)
    clock = clock or Clock()
    timeout = timedelta(seconds=settings.OPSDESK_SLACK_TIMEOUT)
    dispatcher = Dispatcher(
        sessions=sessions,
        messenger=messenger,
        config=config,
        now=clock.now,
        registry=registry,
        lease=LEASE_TIMEOUTS * timeout,
        settle=timeout,
    )
    return Runtime(
        settings=settings,
        config=config,
        engine=engine,
        sessions=sessions,
        clock=clock,
        messenger=messenger,
        dispatcher=dispatcher,
        registry=registry,
        synchronous=synchronous,
    )
