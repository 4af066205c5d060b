"""Whose clock a person reads: their Slack time zone (users.info, cached a day), else the team's."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messenger import Messenger
from bot.tz import is_zone, zone
from storage.models import SlackUser

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)


def time_zone(
    session: Session, messenger: Messenger, user_id: str, *, now: datetime, default: str
) -> ZoneInfo:
    cached = session.get(SlackUser, user_id)
    if cached is not None and now - cached.fetched_at < FRESH_FOR:
        return zone(cached.tz) if cached.tz and is_zone(cached.tz) else zone(default)
    try:
        info = messenger.user_info(user_id)
    except Exception as exc:  # Slack being slow must not cost the user their command
        log.warning("users.info for %s failed: %s", user_id, exc)
        info = None
    if info is None:
        return zone(cached.tz) if cached and cached.tz and is_zone(cached.tz) else zone(default)
    row = cached or SlackUser(id=user_id, fetched_at=now)
    row.name, row.tz, row.fetched_at = info.name, info.tz, now
    session.merge(row)
    return zone(info.tz) if info.tz and is_zone(info.tz) else zone(default)
