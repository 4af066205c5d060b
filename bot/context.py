"""What a service is handed: one unit of work, who is acting, and when "now" is."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Config
from bot.messenger import Messenger
from bot.payloads import NoticePayload
from bot.registry import Registry
from storage import audit, notices

SYSTEM_USER = "opsdesk"


@dataclass(frozen=True)
class Actor:
    user_id: str
    tz: ZoneInfo
    is_admin: bool = False

    @property
    def is_system(self) -> bool:
        return self.user_id == SYSTEM_USER


Effect = Callable[[Messenger], object]  # what an effect returns (a posted message) is dropped


@dataclass
class Outbox:
    """What to say once the unit of work has committed.

    Durable notices are rows written in the same transaction (so a crash loses nothing); effects
    are best-effort extras such as an ephemeral note to someone or a Home refresh.
    """

    notice_ids: list[int] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    def after(self, effect: Effect) -> None:
        self.effects.append(effect)

    def extend(self, other: Outbox) -> None:
        self.notice_ids.extend(other.notice_ids)
        self.effects.extend(other.effects)

    def __bool__(self) -> bool:
        return bool(self.notice_ids or self.effects)


@dataclass(frozen=True)
class Notify:
    """One notice for ``Ctx.notify_many``: what ``Ctx.notify`` takes."""

    kind: str
    payload: NoticePayload
    dedupe_key: str | None = None
    due_at: datetime | None = None
    expires_after: timedelta | None = None


@dataclass
class Ctx:
    """A service's whole world: no Slack, just the session, the config, the actor and now.

    ``registry`` is what the process's areas declared (who is on call, blockers, sections).
    """

    session: Session
    now: datetime
    config: Config
    actor: Actor
    registry: Registry[Ctx]
    outbox: Outbox = field(default_factory=Outbox)

    def audit(
        self,
        entity: str,
        entity_id: int | None,
        action: str,
        data: dict[str, Any] | None = None,
        *,
        on_behalf_of: str | None = None,
    ) -> None:
        audit.record(
            self.session,
            at=self.now,
            actor=self.actor.user_id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            data=data,
            on_behalf_of=on_behalf_of,
        )

    def notify(
        self,
        kind: str,
        payload: NoticePayload,
        *,
        dedupe_key: str | None = None,
        due_at: datetime | None = None,
        expires_after: timedelta | None = None,
    ) -> int | None:
        """Queue a notice in this transaction; due now unless ``due_at`` says otherwise.

        Returns the notice id, or None when a notice with that dedupe key already exists.
        """
        [notice_id] = self.notify_many([Notify(kind, payload, dedupe_key, due_at, expires_after)])
        return notice_id

    def notify_many(self, items: Iterable[Notify]) -> list[int | None]:
        """Queue many notices in this transaction, in a statement per thousand rather than one
        each, as ``notify`` called for each in turn would: the ids in the order given, None for
        one whose dedupe key already exists or came earlier in ``items`` (the first wins).

        Every item is checked before any is written.
        """
        new = [self._checked(item) for item in items]
        ids = notices.enqueue_many(self.session, new, now=self.now)
        for row, notice_id in zip(new, ids, strict=True):
            if notice_id is not None and row.due_at <= self.now:
                self.outbox.notice_ids.append(notice_id)
        return ids

    def _checked(self, item: Notify) -> notices.NewNotice:
        declared = self.registry.notice_kind(item.kind)
        if declared is None:
            # Such a row could only ever be marked failed later, out of sight: refuse it here.
            raise LookupError(f"no area declares a handler for notice kind {item.kind!r}")
        if type(item.payload) is not declared.payload:
            raise TypeError(
                f"notice kind {item.kind!r} carries {declared.payload.__name__}, "
                f"not {type(item.payload).__name__}"
            )
        due = item.due_at or self.now
        return notices.NewNotice(
            kind=item.kind,
            payload=item.payload.row(),
            due_at=due,
            dedupe_key=item.dedupe_key,
            expires_at=due + item.expires_after if item.expires_after else None,
        )

    @property
    def tz(self) -> ZoneInfo:
        return self.actor.tz
