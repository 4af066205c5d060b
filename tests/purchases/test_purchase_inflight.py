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


def test_a_dm_whose_answer_was_lost_keeps_no_live_buttons_once_decided(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    """The DM reached Bob but its answer was lost; Bob decides from it before the look. The DM
    is found, recorded, and the outcome takes its buttons away."""
    messenger.lose_answer_next = 1
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit("U_ALICE") as ctx:
            request_id = service.submit(ctx, Decimal("120"), "EUR", "Spare SFP modules").id
        runtime.dispatcher.flush(ctx.outbox)
        [dm] = messenger.of("dm")
        with runtime.sessions() as s:
            assert s.scalars(select(Notice.status).where(Notice.kind == "purchase.ask")).all() == [
                "unknown"
            ]
        with unit("U_BOB") as ctx:  # the DM's Approve button
            service.approve(ctx, request_id)
        runtime.dispatcher.flush(ctx.outbox)
        assert messenger.of("update") == [], "the outcome waits for the DM in doubt"
        for _ in range(4):
            frozen.tick(timedelta(seconds=15))
            runtime.dispatcher.run_due()
    assert len(messenger.of("dm")) == 2  # the DM once, then the requester's outcome
    edited = [u for u in messenger.of("update") if u.ref == dm.ref]
    assert edited and "purchase_approve" not in str(edited[-1].message.blocks)
    with runtime.sessions() as s:
        statuses = dict(s.execute(select(Notice.kind, Notice.status)).all())
    assert statuses["purchase.ask"] == "sent"  # delivered by its first attempt, found later
    assert statuses["purchase.final_messages"] == "sent"
