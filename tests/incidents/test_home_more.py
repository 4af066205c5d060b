"""The Home's open incidents: a full page says how many more there are instead of hiding them."""

from __future__ import annotations

import json

from freezegun import freeze_time

from bot.incidents import sections, service


def _shown(blocks: list[dict]) -> tuple[int, str]:
    titles = sum(1 for blk in blocks if blk["type"] == "section" and "Disk" in json.dumps(blk))
    return titles, json.dumps([blk for blk in blocks if blk["type"] == "context"])


@freeze_time("2026-12-01 09:00:00")
def test_past_ten_open_incidents_the_home_says_how_many_more(unit) -> None:
    with unit("U_CAROL") as ctx:
        for n in range(10):
            service.raise_incident(ctx, f"Disk {n} full", "sev3")
    with unit("U_CAROL") as ctx:
        assert _shown(sections.my_incidents(ctx, "U_CAROL")) == (10, "[]"), "exactly a page"
        for n in range(10, 13):
            service.raise_incident(ctx, f"Disk {n} full", "sev3")
    with unit("U_CAROL") as ctx:
        titles, more = _shown(sections.my_incidents(ctx, "U_CAROL"))
    assert titles == 10 and "+3 more open" in more
