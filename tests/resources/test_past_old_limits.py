"""No fixed limit changes an answer: each test seeds past a cap the code once had (200
resources in `/resource list` and `/resource available`, 30 maintenance periods in `/resource
status`, 50 owners told of a maintenance reminder, 200 bookings told of an overlapping window,
50 people on a waiting list, 60 audit events of a purchase) and compares what the bot says
with a brute-force answer. Where a list is cut for display, it says how many more there are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.maintenance import service as maintenance
from bot.resources import service as bookings
from storage import resources as resource_repo
from storage.audit import AuditEvent
from storage.maintenance import MaintenanceWindow
from storage.models import Notice
from storage.resources import Booking, WaitEntry
from tests.e2e import SlackApp
from tests.resources.helpers import dump

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RIGS = [f"rig-{i:03d}" for i in range(230)]


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _rigs(unit, names: list[str], capacity: int = 1) -> dict[str, int]:
    with unit() as ctx:
        resource_repo.insert_resources(
            ctx.session,
            [
                {"name": n, "kind": "rig", "capacity": capacity, "active": True, "source": "chat"}
                | {"created_at": NOW}
                for n in names
            ],
        )
        return {n: r.id for n, r in resource_repo.named(ctx.session, names).items()}


def _book(unit, rows: list[tuple[int, str, datetime, datetime]]) -> None:
    with unit() as ctx:
        resource_repo.insert_bookings(
            ctx.session,
            [
                {"resource_id": rid, "owner": owner, "start": s, "end": e, "status": "active"}
                | {"version": 1, "created_at": NOW}
                for rid, owner, s, e in rows
            ],
        )


def _text(reply: dict) -> str:
    return reply.get("text", "") + dump(reply.get("blocks", []))


def test_resource_list_says_how_many_more_past_what_it_shows(frozen, slack: SlackApp, unit):
    _rigs(unit, RIGS)
    reply = slack.slash("/resource", "list rig").json
    lines = re.findall(r"`(rig-\d+)`", _text(reply))
    assert lines == RIGS[:200]
    assert "Showing 200 of 230: 30 more." in _text(reply)
    everything = _text(slack.slash("/resource", "list").json)
    with unit() as ctx:
        total = resource_repo.count_catalogue(ctx.session)
    assert total > 230 and f"Showing 200 of {total}: {total - 200} more." in everything


def test_available_considers_every_resource_and_counts_the_rest(frozen, slack: SlackApp, unit):
    ids = _rigs(unit, RIGS)
    start, end = NOW + timedelta(hours=2), NOW + timedelta(hours=3)
    busy = RIGS[::7]  # some early, some past the 200th
    _book(unit, [(ids[n], "U_BOB", start, end) for n in busy])
    free = [n for n in RIGS if n not in busy]  # brute force: nothing else holds a rig
    text = slack.slash("/resource", "available rig today 10:00 for 1h").json["text"]
    shown = re.findall(r"`(rig-\d+)`", text)
    assert shown == free[:25]
    more = int(re.search(r"…and (\d+) more", text).group(1))
    assert len(shown) + more == len(free) == 197


def test_status_counts_maintenance_past_what_it_shows(frozen, slack: SlackApp, unit):
    rid = _rigs(unit, ["rig-x"])["rig-x"]
    with unit() as ctx:
        for i in range(40):  # one-hour windows every four hours for the next week
            start = NOW + timedelta(hours=1 + 4 * i)
            ctx.session.add(
                MaintenanceWindow(
                    resource_id=rid,
                    start=start,
                    end=start + timedelta(hours=1),
                    tz="UTC",
                    description=f"check {i}",
                    status="scheduled",
                    created_by="U_ALICE",
                    created_at=NOW,
                )
            )
    _book(
        unit,
        [
            (rid, "U_BOB", NOW + timedelta(hours=2 + 4 * i), NOW + timedelta(hours=3 + 4 * i))
            for i in range(35)
        ],
    )
    text = _text(slack.slash("/resource", "status rig-x").json)
    assert len(re.findall(r"MNT-\d+", text)) == 30
    assert "Showing 30 of 35 bookings and 30 of 40 maintenance periods." in text


def test_every_booking_owner_hears_of_maintenance(frozen, runtime, messenger, unit):
    """250 owners overlap the window: each is told when it is scheduled (old cap 200) and
    again by its reminder (old cap 50). Through the recording messenger: what is counted is
    who was told, not Slack's HTTP (other tests cover that)."""
    rid = _rigs(unit, ["rig-big"], capacity=300)["rig-big"]
    start = NOW + timedelta(days=2)
    owners = [f"U_P{i:03d}" for i in range(250)]
    _book(unit, [(rid, o, start, start + timedelta(hours=1)) for o in owners])
    with unit() as ctx:
        window, clashes = maintenance.schedule(
            ctx, "rig-big", start, start + timedelta(hours=2), None, "Recalibration"
        )
        window_id = window.id
    assert sorted(b.owner for b in clashes) == owners
    frozen.move_to(start - timedelta(hours=1))  # the example config reminds 24h and 1h before
    while True:  # the 250 overlap DMs go first, a batch per sweep
        runtime.dispatcher.plan()
        if not runtime.dispatcher.run_due():
            break
    with runtime.sessions() as s:
        dms = s.scalars(select(Notice.payload).where(Notice.kind == "maintenance.remind_owner"))
        told = {p["booking"] for p in dms if p["id"] == window_id and p["offset"] == 3600}
        overlap = s.scalar(
            select(func.count()).where(Notice.kind == "maintenance.overlap").select_from(Notice)
        )
    assert len(told) == 250 and overlap == 250
    sent = [d.target for d in messenger.of("dm") if d.target in owners]
    assert sorted(sent) == sorted(owners * 2), "each owner told twice"


def test_the_waiting_list_moves_on_for_anyone_whose_window_is_free(frozen, unit):
    rid = _rigs(unit, ["rig-w"])["rig-w"]
    taken = (NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    _book(unit, [(rid, "U_BOB", *taken)])
    with unit() as ctx:
        for i in range(60):  # 55 wait for the taken hour, then 5 for a free one
            s, e = taken if i < 55 else (NOW + timedelta(hours=5 + i), NOW + timedelta(hours=6 + i))
            ctx.session.add(
                WaitEntry(resource_id=rid, user_id=f"U_W{i:02d}", start=s, end=e, created_at=NOW)
            )
    with unit() as ctx:
        made = bookings.advance_waitlist(ctx, resource_repo.lock(ctx.session, rid))
        assert sorted(b.owner for b in made) == [f"U_W{i:02d}" for i in range(55, 60)]
    with unit() as ctx:
        assert (
            ctx.session.scalar(
                select(func.count()).select_from(Booking).where(Booking.owner.like("U_W%"))
            )
            == 5
        )


def test_purchase_show_says_how_many_audit_events_are_not_shown(frozen, slack: SlackApp, unit):
    slack.slash("/purchase", "request 10.00 EUR Cables")
    with unit() as ctx:
        request_id = ctx.session.scalar(select(func.max(AuditEvent.entity_id)))
        for _ in range(70):
            ctx.audit("purchase", request_id, "reminded", {"user": "U_BOB", "step": 1})
        total = ctx.session.scalar(
            select(func.count()).where(AuditEvent.entity == "purchase").select_from(AuditEvent)
        )
    text = _text(slack.slash("/purchase", f"show {request_id}").json)
    assert total > 70 and f"Showing the first 60 of {total} events." in text


def test_an_old_override_still_decides_who_is_on_call(frozen, unit):
    """The first override covers tomorrow 10:00-11:00; 510 newer ones cover other hours of
    the week (the old cap read the newest 500 only)."""
    from bot.shifts import service as shifts
    from storage.shifts import ShiftOverride

    t0 = NOW + timedelta(days=1, hours=2)
    with unit() as ctx:
        rot = ctx.config.rotation("primary")
        assert rot is not None
        usual = shifts.schedule(ctx, rot, t0, t0 + timedelta(hours=1)).who(t0)
        rows = [(t0, t0 + timedelta(hours=1), "U_DAVE")]
        rows += [
            (
                NOW + timedelta(days=2, minutes=10 * i),
                NOW + timedelta(days=2, minutes=10 * i + 5),
                usual,
            )
            for i in range(510)
        ]
        for start, end, who in rows:
            ctx.session.add(
                ShiftOverride(
                    rotation="primary",
                    kind="add",
                    user_id=who,
                    starts_at=start,
                    ends_at=end,
                    created_by="U_ALICE",
                    created_at=NOW,
                )
            )
    with unit() as ctx:
        week = shifts.schedule(ctx, rot, NOW, NOW + timedelta(days=7))
        assert usual != "U_DAVE" and week.who(t0) == "U_DAVE"
