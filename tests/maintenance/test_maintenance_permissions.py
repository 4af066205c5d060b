"""Who may schedule: anyone a single window of up to 24h; repeated or longer ones need an admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.errors import Forbidden
from bot.maintenance import service
from storage.maintenance import MaintenanceWindow

NOW = "2026-12-01 08:00:00"
T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(MaintenanceWindow)) or 0


def test_anyone_may_schedule_a_single_window_up_to_a_day(unit, sessions) -> None:
    with freeze_time(NOW), unit("U_BOB") as ctx:  # not an admin in the example config
        assert not ctx.actor.is_admin
        service.schedule(ctx, "van", T, T + 24 * H, None, "Service")
    assert _count(sessions) == 1


@pytest.mark.parametrize(
    ("length", "every", "says"),
    [
        (24 * H + timedelta(minutes=1), None, "longer than 1d"),
        (H, "day", "repeats every day"),
        (H, "week", "repeats every week"),
    ],
)
def test_longer_or_repeated_windows_need_an_admin(
    unit, sessions, length: timedelta, every: str | None, says: str
) -> None:
    with freeze_time(NOW):
        with pytest.raises(Forbidden, match=says), unit("U_BOB") as ctx:
            service.schedule(ctx, "van", T, T + length, every, "Service")
        assert _count(sessions) == 0
        with unit("U_ALICE") as ctx:  # an admin
            service.schedule(ctx, "van", T, T + length, every, "Service")
    assert _count(sessions) == 1
