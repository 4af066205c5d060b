"""Past every old fixed limit: 300 windows, 40+ resources under maintenance now, 150+
occurrences in the next 24 hours. `/resource list`, the digest's maintenance section,
`/maintenance list` and the planner must each agree with a brute-force answer computed here by
expanding every window from its first occurrence, whatever the stored next occurrences say
(fresh from the insert, a day behind, or caught up by the planner)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.maintenance import keys as maintenance_keys
from bot.maintenance import notices as maintenance_notices
from bot.maintenance import occurrences, sections, service
from bot.maintenance.occurrences import LAG, Occurrence, nth_start
from storage import maintenance_rows as stored
from storage import resources as resource_repo
from storage.maintenance import MaintenanceWindow
from storage.models import Notice
from tests.e2e import SlackApp
from tests.resources.helpers import dump

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RIGS = [f"rig-{i:02d}" for i in range(60)]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
WINDOWS = 300


def _seed_rows(resource_ids: list[int]) -> list[dict[str, object]]:
    rng = random.Random(12)
    rows: list[dict[str, object]] = []

    def add(start: datetime, length: timedelta, every: str | None, **extra: object) -> None:
        rows.append(
            {
                "resource_id": rng.choice(resource_ids),
                "start": start,
                "end": start + length,
                "every": every,
                "tz": rng.choice(ZONES),
                "description": f"work {len(rows)}",
                "status": "scheduled",
                "created_by": "U_ALICE",
                "created_at": NOW - timedelta(days=300),
                **extra,
            }
        )

    def minutes(a: int, b: int) -> timedelta:
        return timedelta(minutes=rng.randrange(a, b))

    for _ in range(32):  # single windows running now
        add(NOW - minutes(1, 600), minutes(610, 900), None)
    for _ in range(45):  # single windows starting in the next 24 hours
        add(NOW + minutes(0, 24 * 60), minutes(15, 240), None)
    for _ in range(40):  # single windows later, and ones over or closed
        add(NOW + minutes(24 * 60, 60 * 24 * 60), minutes(15, 240), None)
    for status in ["scheduled"] * 10 + ["done"] * 10 + ["cancelled"] * 10:
        add(NOW - minutes(60 * 24 * 2, 60 * 24 * 200), minutes(15, 240), None, status=status)
    for _ in range(90):  # every day, first occurrence months ago: a first-start order misleads
        add(NOW - minutes(60 * 24 * 30, 60 * 24 * 200), minutes(30, 600), "day")
    for _ in range(35):
        add(NOW - minutes(60 * 24 * 30, 60 * 24 * 400), minutes(30, 60 * 24 * 3), "week")
    for _ in range(25):
        add(NOW - minutes(60 * 24 * 30, 60 * 24 * 400), minutes(30, 60 * 24 * 2), "month")
    for status in ("cancelled", "done"):
        add(NOW - timedelta(days=40, hours=1), timedelta(hours=3), "day", status=status)
    # Every day 07:00-10:00 UTC, but today's ended early with `/maintenance done`.
    start = NOW - timedelta(days=50, hours=1)
    add(start, timedelta(hours=3), "day", tz="UTC")
    rows[-1].update(done_occurrence=NOW - timedelta(hours=1), done_at=NOW - timedelta(minutes=5))
    assert len(rows) == WINDOWS
    rng.shuffle(rows)  # ids say nothing about time
    return rows


def every_occurrence(w: MaintenanceWindow, until: datetime) -> list[Occurrence]:
    """Brute force: each occurrence from the first one, no index and no shortcut."""
    found: list[Occurrence] = []
    length = w.end - w.start
    k = 0
    while (s := nth_start(w, k)) < until:
        e = s + length
        if w.done_occurrence == s and w.done_at is not None:
            e = min(e, w.done_at)
        if e > s:
            found.append((s, e))
        if w.every is None:
            break
        k += 1
    return found


class Truth:
    """What every window's expansion says, at ``now``."""

    def __init__(self, windows: list[MaintenanceWindow], names: dict[int, str], now: datetime):
        live = [w for w in windows if w.status == "scheduled"]
        occ = {w.id: every_occurrence(w, now + timedelta(days=70)) for w in live}
        self.by_id = {w.id: w for w in live}
        self.now = now
        self.under_now = {
            names[w.resource_id] for w in live if any(s <= now < e for s, e in occ[w.id])
        }
        self.next_day = sorted(
            (s, w.id) for w in live for s, e in occ[w.id] if s < now + timedelta(days=1) and e > now
        )
        nxt = {w.id: next(((s, e) for s, e in occ[w.id] if e > now), None) for w in live}
        self.soonest = sorted((o[0], i) for i, o in nxt.items() if o is not None)
        self.occ = occ

    def planned_keys(self, horizon: timedelta, offsets: list[timedelta]) -> set[str]:
        keys = set()
        for wid, found in self.occ.items():
            w = self.by_id[wid]
            for s, e in found:
                if not (s < self.now + horizon and e > self.now):
                    continue
                keys |= {maintenance_keys.start(w.id, s), maintenance_keys.finish(w.id, s)}
                keys |= {
                    maintenance_keys.remind(w.id, s, int(o.total_seconds()))
                    for o in offsets
                    if s - o >= self.now
                }
        return keys


@pytest.fixture
def seeded(unit) -> Iterator[list[int]]:
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            resource_repo.insert_resources(
                ctx.session,
                [
                    {"name": n, "kind": "rig", "capacity": 1, "active": True, "source": "chat"}
                    | {"created_at": NOW}
                    for n in RIGS
                ],
            )
            ids = list(resource_repo.named(ctx.session, RIGS).values())
            stored.insert_many(ctx.session, _seed_rows(sorted(r.id for r in ids)))
        yield frozen


def _truth(sessions, now: datetime) -> Truth:
    with sessions() as s:
        windows = list(s.scalars(select(MaintenanceWindow)))
        names = {
            r.id: r.name for r in resource_repo.by_ids(s, [w.resource_id for w in windows]).values()
        }
    return Truth(windows, names, now)


def _under_maintenance(slack: SlackApp) -> set[str]:
    blocks = slack.slash("/resource", "list rig").json["blocks"]
    lines = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section").splitlines()
    assert len(lines) == len(RIGS)
    return {re.match(r"`([^`]+)`", line).group(1) for line in lines if "under maintenance" in line}


def _maintenance_list(slack: SlackApp) -> tuple[list[int], str]:
    blocks = slack.slash("/maintenance", "list").json["blocks"]
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    return [int(n) for n in re.findall(r"\*MNT-(\d+)\*", body)], dump(blocks)


def _check_reads(slack: SlackApp, unit, truth: Truth) -> None:
    assert _under_maintenance(slack) == truth.under_now
    ids, shown = _maintenance_list(slack)
    assert ids == [i for _, i in truth.soonest[:25]]
    total = len(truth.soonest)
    assert f"Maintenance ({total})" in shown and f"Showing 25 of {total}" in shown
    with unit() as ctx:
        section = sections.next_day(ctx, ctx.now, ZoneInfo("UTC"), 10)
    assert section is not None and section.total == len(truth.next_day)
    assert [int(re.search(r"MNT-(\d+)", line).group(1)) for line in section.lines] == [
        i for _, i in truth.next_day[:10]
    ]


def test_reads_agree_with_brute_force_past_the_old_limits(seeded, slack, unit, sessions) -> None:
    truth = _truth(sessions, NOW)
    assert len(truth.under_now) >= 40 and len(truth.next_day) >= 150, "past the old limits"
    assert len(truth.soonest) > 25
    _check_reads(slack, unit, truth)  # stored next occurrences as inserted: the first ones

    seeded.tick(timedelta(days=1, hours=3))
    _check_reads(slack, unit, _truth(sessions, NOW + timedelta(days=1, hours=3)))

    with unit() as ctx:
        maintenance_notices.plan_upcoming(ctx)  # moves the stored next occurrences on
    with sessions() as s:
        behind = s.scalars(
            select(MaintenanceWindow.id).where(
                MaintenanceWindow.status == "scheduled",
                MaintenanceWindow.every.is_not(None),
                MaintenanceWindow.next_end <= NOW + timedelta(days=1, hours=3) - LAG,
            )
        ).all()
    assert behind == []
    _check_reads(slack, unit, _truth(sessions, NOW + timedelta(days=1, hours=3)))


def test_the_planner_queues_every_occurrence_in_its_horizon(seeded, unit, sessions) -> None:
    for now in (NOW, NOW + timedelta(days=1, hours=3)):
        seeded.move_to(now)
        with unit() as ctx:
            maintenance_notices.plan_upcoming(ctx)
            horizon = service.horizon(ctx)
            offsets = ctx.config.maintenance.remind_before
        expected = _truth(sessions, now).planned_keys(horizon, offsets)
        with sessions() as s:
            keys = set(
                s.scalars(
                    select(Notice.dedupe_key).where(
                        Notice.kind.in_(
                            ["maintenance.remind", "maintenance.start", "maintenance.finish"]
                        ),
                        Notice.created_at >= now,
                    )
                )
            )
        assert len(expected) > 500
        assert expected <= keys | _planned_before(sessions, now), "every occurrence planned"
        assert keys <= expected, "nothing planned that the windows do not say"


def _planned_before(sessions, now: datetime) -> set[str]:
    with sessions() as s:
        return set(s.scalars(select(Notice.dedupe_key).where(Notice.created_at < now)))


Found = list[tuple[datetime, datetime, int]]


def _expand(sessions, until: datetime) -> Found:
    """Every occurrence starting before ``until``, each window expanded from its first one, by
    start, then window: expanded once for all the spans a check compares."""
    with sessions() as s:
        live = [w for w in s.scalars(select(MaintenanceWindow)) if w.status == "scheduled"]
    found = [(a, b, w.id) for w in live for a, b in every_occurrence(w, until)]
    return sorted(found, key=lambda f: (f[0], f[2]))


def _brute(every: Found, start: datetime, end: datetime) -> Found:
    """Those of ``every`` overlapping [start, end)."""
    return [f for f in every if f[0] < end and f[1] > start]


def _read(
    unit, start: datetime, end: datetime, **kw: object
) -> list[tuple[datetime, datetime, int]]:
    with unit() as ctx:
        return [
            (h.start, h.end, h.window_id)
            for h in occurrences.overlapping(ctx.session, start, end, **kw)
        ]


def test_occurrence_rows_agree_with_brute_force_through_changes(seeded, unit, sessions) -> None:
    with unit() as ctx:
        assert stored.plan_of(ctx.session) is None, "a bulk insert leaves nothing to trust"
        maintenance_notices.plan_upcoming(ctx)  # makes the rows two weeks ahead
        plan = stored.plan_of(ctx.session)
    assert plan is not None and plan.until == NOW + occurrences.HORIZON

    def check(now: datetime) -> None:
        expanded = _expand(sessions, now + timedelta(days=21))
        for start, end in [
            (now, now + timedelta(seconds=1)),  # in progress now: `/resource list`
            (now, now + timedelta(days=1)),  # the digest
            (now + timedelta(days=1, hours=2), now + timedelta(days=1, hours=3)),  # `available`
            (now + timedelta(days=12), now + timedelta(days=17)),  # across where the rows end
            (now + timedelta(days=20), now + timedelta(days=21)),  # past them all
        ]:
            assert _read(unit, start, end) == _brute(expanded, start, end), (start, end)
        with unit() as ctx:
            first, total = occurrences.first_overlapping(
                ctx.session, now, now + timedelta(days=1), limit=10
            )
        every = _brute(expanded, now, now + timedelta(days=1))
        assert total == len(every) and [h.window_id for h in first] == [i for *_, i in every[:10]]

    check(NOW)
    # Changes after planning: one cancelled, one in progress ended early, a new one scheduled.
    with sessions() as s:
        windows = list(
            s.scalars(select(MaintenanceWindow).where(MaintenanceWindow.status == "scheduled"))
        )
    running = [
        w
        for w in windows
        if w.every == "day"
        and any(a <= NOW < b for a, b in every_occurrence(w, NOW + timedelta(days=1)))
    ]
    with unit() as ctx:
        service.cancel(ctx, running[0].id)
        service.done(ctx, running[1].id)
        service.schedule(
            ctx, "rig-01", NOW + timedelta(hours=1), NOW + timedelta(hours=3), "day", "new"
        )
    check(NOW)
    # A day later, planned again: the rows move on (and the old ones are pruned).
    seeded.move_to(NOW + timedelta(days=1, hours=3))
    later = NOW + timedelta(days=1, hours=3)
    with unit() as ctx:
        maintenance_notices.plan_upcoming(ctx)
        plan = stored.plan_of(ctx.session)
    assert plan is not None and plan.until == later + occurrences.HORIZON
    check(later)
    # Four days on without the planner: the rows are short of the horizon, reads fill the rest.
    seeded.move_to(later + timedelta(days=4))
    check(later + timedelta(days=4))
