"""A decision made while an approver's DM is still on its way still updates that DM."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import select, update

from bot.purchases import service
from bot.runtime import Runtime
from storage.models import Notice
from storage.purchases import PurchaseMessage
from tests.recording import RecordingMessenger


def test_the_outcome_waits_for_a_dm_in_flight_then_edits_it(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit("U_ALICE") as ctx:
            request_id = service.submit(ctx, Decimal("120"), "EUR", "Spare SFP modules").id
        # Another thread has claimed the DM to Bob and is talking to Slack right now.
        with runtime.sessions.begin() as s:
            s.execute(update(Notice).where(Notice.kind == "purchase.ask").values(status="sending"))
        with unit("U_BOB") as ctx:
            service.approve(ctx, request_id)
        runtime.dispatcher.flush(ctx.outbox)
        assert messenger.of("update") == [], "nothing to edit yet: the DM is not recorded"
        with runtime.sessions() as s:
            waiting = s.scalars(select(Notice.status).where(Notice.kind.like("%final%"))).all()
        assert waiting == ["pending"], "the edit waits instead of failing or being dropped"

        # The DM lands and is recorded; the next sweep edits it.
        with runtime.sessions.begin() as s:
            ask = s.scalars(select(Notice).where(Notice.kind == "purchase.ask")).one()
            ask.status = "sent"
            step = int(ask.payload["step"])
            s.add(PurchaseMessage(request_id=request_id, step=step, user_id="U_BOB",
                                  channel="DU_BOB", ts="1.000001"))  # fmt: skip
        frozen.tick(timedelta(seconds=6))
        runtime.dispatcher.run_due()
    edited = [u for u in messenger.of("update") if u.ref and u.ref.ts == "1.000001"]
    assert edited and "purchase_approve" not in str(edited[-1].message.blocks)
