"""Who is on call is context, not news: with every area's sections and the example config (which
has a rotation), a quiet channel still gets nothing when all is clear."""

from __future__ import annotations

from datetime import datetime

from freezegun import freeze_time

from bot.digests import service
from bot.digests.assemble import build_digest
from bot.incidents import service as incidents
from bot.runtime import Runtime
from tests.digests.conftest import BERLIN, Walker, berlin, digests_in

NOW = berlin("2026-12-07 08:00")  # a Monday; the example rotation has U_BOB on call this week


def test_on_call_alone_is_all_clear_quiet_or_not(unit) -> None:
    with freeze_time(NOW), unit() as ctx:
        assert ctx.config.rotations, "the example config has a rotation"
        quiet = build_digest(ctx, since=NOW, tz=BERLIN, title="Daily digest", quiet=True)
        loud = build_digest(ctx, since=NOW, tz=BERLIN, title="Daily digest", quiet=False)
    assert quiet is None
    assert loud is not None and "all clear" in loud.text
    blocks = str(loud.blocks)
    assert "On call" in blocks and "primary" in blocks and "<@U_BOB>" in blocks


def test_something_open_still_makes_a_digest_with_on_call_in_it(unit) -> None:
    with freeze_time(NOW):
        with unit("U_CAROL") as ctx:
            incidents.raise_incident(ctx, "Printer on fire", "sev2", channel_id="C_GENERAL")
        with unit() as ctx:
            message = build_digest(ctx, since=NOW, tz=BERLIN, title="Daily digest", quiet=True)
    assert message is not None and "all clear" not in message.text
    blocks = str(message.blocks)
    assert "Printer on fire" in blocks and "On call" in blocks


def test_quiet_channel_gets_no_scheduled_digest_when_only_on_call_has_lines(
    runtime: Runtime, messenger, unit
) -> None:
    at = datetime.strptime("09:00", "%H:%M").time()
    with freeze_time(NOW) as frozen:
        walker = Walker(runtime, frozen, messenger, "C_QUIET")
        with unit("U_BOB", tz="Europe/Berlin") as ctx:
            service.subscribe(ctx, "C_QUIET", at=at, quiet=True)
        walker.run_until(berlin("2026-12-08 10:00"))
    assert walker.posted_at == []
    assert digests_in(messenger, "C_QUIET") == []
