"""The Home's next shifts: every rotation is looked at; past a page, the rest are counted."""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.shifts import sections
from tests.shifts.helpers import rotation, with_rotations


@pytest.fixture
def config(config: Config) -> Config:
    rots = [rotation(f"team-{n:02}", members=["U_BOB", "U_ALICE"]) for n in range(12)]
    return with_rotations(config, *rots)


@freeze_time("2026-12-01 09:00:00")
def test_a_shift_in_every_rotation_is_shown_or_counted(unit) -> None:
    with unit("U_ALICE") as ctx:
        blocks = sections.my_next_shift(ctx, "U_ALICE")
    shown = [blk for blk in blocks if blk["type"] == "section"]
    assert len(shown) == 10
    assert "+2 more rotations" in json.dumps(blocks[-1])
    assert "team-11" not in json.dumps(shown) and "team-00" in json.dumps(shown)
