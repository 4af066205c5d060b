"""The swap handshake as services: ask, accept (also mid-shift), decline, expiry, replacement,
an admin's swap telling both people, and a replaced override telling its owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot import oncall
from bot.errors import Forbidden, UserError
from bot.shifts import service, swaps
from storage import shift_changes as repo
from storage import shifts as shift_repo
from storage.shift_changes import SwapStatus
from tests.shifts.changes_helpers import acting, audit_actions, dms, of
from tests.shifts.helpers import utc

NOW = "2026-12-02 11:00:00"  # week 1: U_ALICE; week 2 (SHF-2): U_BOB; week 3: U_CAROL
BERLIN = "Europe/Berlin"


def _slots(runtime) -> dict[int, int]:
    with acting(runtime, "U_ALICE") as ctx:
        return shift_repo.slot_ids(ctx.session, "primary", [0, 1, 2])


def _ask(runtime, slot: int, by: str = "U_BOB", to: str = "U_CAROL") -> int:
    with acting(runtime, by) as ctx:
        asked = swaps.swap(ctx, slot, to)
    assert isinstance(asked, swaps.Asked)
    return asked.request.id


def _status(runtime, request_id: int) -> str:
    with runtime.sessions() as s:
        row = repo.get_request(s, request_id)
        assert row is not None
        return row.status


@freeze_time(NOW)
def test_a_members_swap_asks_and_happens_on_accept(runtime, messenger):
    slots = _slots(runtime)
    request_id = _ask(runtime, slots[1])
    ask = of(messenger, "dm", "U_CAROL")[-1]
    assert "<@U_BOB> asks you to take SHF-" in ask.message.text
    buttons = [e for blk in ask.message.blocks for e in blk.get("elements", []) if "action_id" in e]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("shift_swap_accept", str(request_id)),
        ("shift_swap_decline", str(request_id)),
    ]
    with acting(runtime, "U_ALICE") as ctx:  # nothing changed hands yet
        assert service.people_on_call(ctx) == ["U_ALICE"]
        assert (
            shift_repo.overrides_between(
                ctx.session, "primary", ctx.now, ctx.now + timedelta(days=30)
            )
            == []
        )
    with acting(runtime, "U_CAROL") as ctx:
        done = swaps.answer(ctx, request_id, accept=True)
    assert done.override is not None and done.override.created_by == "U_BOB"
    assert done.override.starts_at == utc("2026-12-07 09:00", BERLIN)  # the whole shift
    assert _status(runtime, request_id) == SwapStatus.ACCEPTED
    assert any("<@U_CAROL> accepted: they take SHF-" in t for t in dms(messenger, "U_BOB"))
    edited = of(messenger, "update", "DU_CAROL")
    assert edited and "You accepted" in edited[-1].message.text
    assert "shift_swap_accept" not in str(edited[-1].message.blocks)  # buttons gone
    with freeze_time("2026-12-08 12:00:00"), acting(runtime, "U_ALICE") as ctx:
        assert oncall.on_call(ctx) == ["U_CAROL"]
    assert audit_actions(runtime, "swap_request") == ["swap.requested", "swap.accepted"]
    assert audit_actions(runtime, "shift") == ["override.swap"]


def test_a_swap_accepted_after_the_shift_started_covers_the_rest_of_it(runtime, messenger):
    with freeze_time(NOW):
        slots = _slots(runtime)
        request_id = _ask(runtime, slots[1])
    with freeze_time("2026-12-09 10:00:37"):  # SHF-2 (U_BOB's) started on Mon 7th
        with acting(runtime, "U_ALICE") as ctx:
            assert oncall.on_call(ctx) == ["U_BOB"]
        with acting(runtime, "U_CAROL") as ctx:
            done = swaps.answer(ctx, request_id, accept=True)
        assert done.override is not None
        assert done.override.starts_at == utc("2026-12-09 11:00", BERLIN)  # from acceptance
        assert done.override.ends_at == utc("2026-12-14 09:00", BERLIN)
        with acting(runtime, "U_ALICE") as ctx:
            assert oncall.on_call(ctx) == ["U_CAROL"]
        handoff = [s.message.text for s in of(messenger, "post", "C_ONCALL")]
        assert any("<@U_CAROL> is now on call" in t for t in handoff), handoff
    with freeze_time("2026-12-08 12:00:00"), acting(runtime, "U_ALICE") as ctx:
        assert oncall.on_call(ctx) == ["U_BOB"]  # the part before the acceptance stays Bob's


@freeze_time(NOW)
def test_decline_tells_the_requester_and_changes_nothing(runtime, messenger):
    request_id = _ask(runtime, _slots(runtime)[1])
    with acting(runtime, "U_CAROL") as ctx:
        done = swaps.answer(ctx, request_id, accept=False)
    assert done.request.status == SwapStatus.DECLINED and done.override is None
    assert any("<@U_CAROL> declined to take SHF-" in t for t in dms(messenger, "U_BOB"))
    assert "You declined" in of(messenger, "update", "DU_CAROL")[-1].message.text
    with pytest.raises(UserError, match="already declined"), acting(runtime, "U_CAROL") as ctx:
        swaps.answer(ctx, request_id, accept=True)
    with pytest.raises(Forbidden, match="only they can answer"), acting(runtime, "U_ALICE") as ctx:
        swaps.answer(ctx, request_id, accept=True)
    with acting(runtime, "U_ALICE") as ctx:
        assert (
            shift_repo.overrides_between(
                ctx.session, "primary", ctx.now, ctx.now + timedelta(days=30)
            )
            == []
        )
    assert audit_actions(runtime, "swap_request") == ["swap.requested", "swap.declined"]


def test_an_unanswered_request_expires_when_the_shift_ends(runtime, messenger):
    with freeze_time(NOW):
        request_id = _ask(runtime, _slots(runtime)[1])
    with freeze_time("2026-12-14 08:00:30"):  # SHF-2 ended at 09:00 Berlin
        runtime.dispatcher.run_due()
    assert _status(runtime, request_id) == SwapStatus.EXPIRED
    assert any("did not answer before SHF-" in t for t in dms(messenger, "U_BOB"))
    assert "expired" in of(messenger, "update", "DU_CAROL")[-1].message.text
    later = freeze_time("2026-12-14 09:00:00")
    with later, pytest.raises(UserError, match="expired"), acting(runtime, "U_CAROL") as ctx:
        swaps.answer(ctx, request_id, accept=True)
    assert audit_actions(runtime, "swap_request") == ["swap.requested", "swap.expired"]


def test_a_click_after_the_end_before_the_expiry_ran_is_answered_kindly(runtime, messenger):
    with freeze_time(NOW):
        request_id = _ask(runtime, _slots(runtime)[1])
    with freeze_time("2026-12-15 10:00:00"), acting(runtime, "U_CAROL") as ctx:
        done = swaps.answer(ctx, request_id, accept=True)
    assert done.request.status == SwapStatus.EXPIRED and done.override is None


@freeze_time(NOW)
def test_a_newer_request_for_the_same_shift_replaces_the_older(runtime, messenger):
    slot = _slots(runtime)[1]
    first = _ask(runtime, slot, to="U_CAROL")
    second = _ask(runtime, slot, by="U_CAROL", to="U_ALICE")
    assert _status(runtime, first) == SwapStatus.SUPERSEDED
    assert "was replaced" in of(messenger, "update", "DU_CAROL")[-1].message.text
    assert any("was replaced by a newer request" in t for t in dms(messenger, "U_BOB"))
    with (
        pytest.raises(UserError, match="replaced by a newer one"),
        acting(runtime, "U_CAROL") as ctx,
    ):
        swaps.answer(ctx, first, accept=True)
    with acting(runtime, "U_ALICE") as ctx:
        assert swaps.answer(ctx, second, accept=True).override is not None


@freeze_time(NOW)
def test_an_admins_swap_applies_at_once_and_tells_both(runtime, messenger):
    slot = _slots(runtime)[1]
    with acting(runtime, "U_ALICE") as ctx:
        done = swaps.swap(ctx, slot, "U_CAROL")
    assert isinstance(done, swaps.Applied) and done.holder == "U_BOB"
    assert any(
        "You are on call for SHF-" in t and "instead of <@U_BOB>" in t
        for t in dms(messenger, "U_CAROL")
    )
    assert any("<@U_CAROL> takes your SHF-" in t for t in dms(messenger, "U_BOB"))
    assert dms(messenger, "U_ALICE") == []  # the admin got the reply
    assert len(dms(messenger, "U_BOB")) == 1  # told once, as losing the shift


@freeze_time(NOW)
def test_taking_a_shift_yourself_applies_at_once_and_tells_who_loses_it(runtime, messenger):
    slot = _slots(runtime)[1]
    with acting(runtime, "U_CAROL") as ctx:
        assert isinstance(swaps.swap(ctx, slot, "U_CAROL"), swaps.Applied)
    assert any("<@U_CAROL> takes your SHF-" in t for t in dms(messenger, "U_BOB"))


@freeze_time(NOW)
def test_bad_swap_requests_are_refused_and_ask_nobody(runtime, messenger):
    slot = _slots(runtime)[1]
    with pytest.raises(UserError, match="already has"), acting(runtime, "U_CAROL") as ctx:
        swaps.swap(ctx, slot, "U_BOB")
    with (
        pytest.raises(UserError, match="not in the primary rotation"),
        acting(runtime, "U_BOB") as ctx,
    ):
        swaps.swap(ctx, slot, "U_DAVE")
    with pytest.raises(Forbidden), acting(runtime, "U_DAVE") as ctx:
        swaps.swap(ctx, slot, "U_CAROL")
    assert messenger.of("dm") == []


@freeze_time(NOW)
def test_a_new_override_that_hides_someones_own_override_tells_them(runtime, messenger):
    start = utc("2026-12-03 09:00", BERLIN)
    with acting(runtime, "U_BOB") as ctx:
        service.add_override(ctx, "U_BOB", start, start + timedelta(hours=4), None)
    with acting(runtime, "U_CAROL") as ctx:
        service.add_override(
            ctx, "U_CAROL", start + timedelta(hours=1), start + timedelta(hours=2), None
        )
    told = dms(messenger, "U_BOB")
    assert len(told) == 1 and "Your override on *primary*" in told[0] and "<@U_CAROL>" in told[0]
    with acting(runtime, "U_BOB") as ctx:  # your own new override tells nobody
        service.add_override(ctx, "U_BOB", start, start + timedelta(hours=1), None)
    assert len(dms(messenger, "U_BOB")) == 1 and dms(messenger, "U_CAROL") == []
