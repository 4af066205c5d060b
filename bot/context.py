"""What a service is handed: one unit of work, who is acting, and when "now" is."""

from __future__ import annotations

from collections.abc import Callable
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
        declared = self.registry.notice_kind(kind)
        if declared is None:
            # Such a row could only ever be marked failed later, out of sight: refuse it here.
            raise LookupError(f"no area declares a handler for notice kind {kind!r}")
        if type(payload) is not declared.payload:
            raise TypeError(
                f"notice kind {kind!r} carries {declared.payload.__name__}, "
                f"not {type(payload).__name__}"
            )

        due = due_at or self.now
        notice_id = notices.enqueue(
            self.session,
            kind=kind,
            payload=payload.row(),
            due_at=due,
            dedupe_key=dedupe_key,
            expires_at=due + expires_after if expires_after else None,
            now=self.now,
        )
        if notice_id is not None and due <= self.now:
            self.outbox.notice_ids.append(notice_id)
        return notice_id

    @property
    def tz(self) -> ZoneInfo:
        return self.actor.tz
