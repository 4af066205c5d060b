"""A digest and a Home over a database where every area has plenty to say, with the real sections.

The content tests use fake sections to push the limits; this one seeds incidents, purchases,
bookings and maintenance through their services, so every registered section is full at once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from freezegun import freeze_time

from bot.console.plain import blocks_to_text
from bot.digests.assemble import build_digest, build_home
from bot.incidents import service as incidents
from bot.maintenance import service as maintenance
from bot.purchases import service as purchases
from bot.resources import service as resources
from tests.digests.conftest import BERLIN

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin, a week into the rotation
HOSTILE = "<!channel> <@U_BOB> " + "Very long title " * 400


def _texts(node: Any) -> list[str]:
    """Every text Slack would render in a Block Kit structure."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def _seed(unit) -> None:
    start = NOW + timedelta(minutes=10)
    for i in range(40):
        with unit("U_CAROL") as ctx:
            raised = incidents.raise_incident(ctx, f"{HOSTILE} {i}", f"sev{i % 4 + 1}")
            if i % 4 == 0:
                incidents.resolve(ctx, raised.incident.id, "fixed")
    for i in range(25):
        with unit("U_CAROL") as ctx:
            purchases.submit(ctx, Decimal("120.50"), "EUR", f"{HOSTILE} {i}")
    for i in range(12):
        slot = start + timedelta(minutes=30 * i)
        for name in ("room-a", "room-b"):
            with unit("U_ALICE") as ctx:
                resources.book(ctx, name, slot, slot + timedelta(minutes=20), HOSTILE)
    for i in range(8):
        slot = start + timedelta(hours=2 * i)
        with unit("U_ALICE") as ctx:
            maintenance.schedule(ctx, "staging-2", slot, slot + timedelta(hours=1), None, HOSTILE)


def test_a_full_digest_and_home_stay_within_slacks_limits_and_read_as_text(unit) -> None:
    with freeze_time(NOW):
        _seed(unit)
        with unit("U_BOB") as ctx:
            message = build_digest(
                ctx, since=NOW - timedelta(days=1), tz=BERLIN, title="Daily digest", quiet=False
            )
            home = build_home(ctx, "U_BOB")
    assert message is not None
    blocks = message.blocks
    assert len(blocks) <= 50
    assert all(len(t) <= 3000 for t in _texts(blocks))
    assert len(message.text) <= 3000
    shown = json.dumps(blocks)
    for title in (
        "Open incidents",
        "Purchases waiting",
        "On call",
        "Bookings today",
        "Maintenance",
    ):
        assert title in shown, title
    assert "more" in shown and "/incident list" in shown  # capped, with where to see the rest
    # User text is shown literally; the only real mentions are the ones Opsdesk writes itself.
    assert "<!channel>" not in shown and "<@U_BOB> Very long" not in shown
    assert "&lt;!channel&gt; &lt;@U_BOB&gt; Very long" in shown

    text, _buttons = blocks_to_text(blocks)
    assert "Open incidents" in text and "Purchases waiting" in text and "{" not in text
    assert "&lt;" not in text and "<!channel> <@U_BOB> Very long" in text  # read as typed

    assert len(home["blocks"]) <= 100
    assert all(len(t) <= 3000 for t in _texts(home["blocks"]))
    assert "Approvals waiting on you" in json.dumps(home["blocks"])
    assert "purchase_approve" in json.dumps(home["blocks"])  # Bob is step 1 of every rule
