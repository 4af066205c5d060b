"""Team feeds over HTTP: on-call in UTC across DST changes, maintenance occurrences, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bot.incidents import service as incidents
from bot.maintenance import service as maintenance
from bot.shifts import service as shifts
from storage.models import SlackUser
from tests.calendars.helpers import TEAM, by_uid, configure, end, events, start, uids
from tests.e2e import SlackApp
from tests.shifts.helpers import rotation, with_rotations


def _daily(slack: SlackApp, first: str) -> None:
    """A daily Europe/Berlin rotation with 09:00 hand-offs, Alice then Bob."""
    rot = rotation("ops", start=f"{first} 09:00", length="1d", members=["U_ALICE", "U_BOB"])
    slack.runtime.config = with_rotations(slack.runtime.config, rot)


def _names(slack: SlackApp) -> None:
    with slack.runtime.transaction() as s:
        s.add(SlackUser(id="U_ALICE", name="Alice Liddell", tz=None, fetched_at=datetime.now(UTC)))


@pytest.mark.parametrize(
    ("now", "first", "before", "after"),
    [
        # Clocks go forward on Sun 2027-03-28: 09:00 Berlin is 08:00 UTC before, 07:00 after.
        ("2027-03-01 12:00:00", "2027-01-01", datetime(2027, 3, 27, 8, tzinfo=UTC),
         datetime(2027, 3, 28, 7, tzinfo=UTC)),
        # Clocks go back on Sun 2026-10-25: 07:00 UTC before, 08:00 after.
        ("2026-10-10 12:00:00", "2026-09-01", datetime(2026, 10, 24, 7, tzinfo=UTC),
         datetime(2026, 10, 25, 8, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_oncall_feed_keeps_09_00_local_across_dst_in_utc(
    slack: SlackApp, now: str, first: str, before: datetime, after: datetime
) -> None:
    configure(slack, OPSDESK_CALENDAR_TOKEN=TEAM)
    _daily(slack, first)
    _names(slack)
    with freeze_time(now):
        resp = slack.get(f"/calendar/team/{TEAM}/oncall.ics")
        again = slack.get(f"/calendar/team/{TEAM}/oncall.ics")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/calendar")
    assert uids(resp.raw) == uids(again.raw)
    found = events(resp.raw)
    raw = resp.raw.decode()
    assert "DTSTART:" in raw and "Z\r\n" in raw and "TZID" not in raw, "times are written in UTC"
    starts = {start(e): e for e in found}
    assert before in starts and after in starts
    # The shift that spans the change is 23 or 25 hours long, and the next one starts at 09:00.
    assert end(starts[before]) == after
    assert len(found) == len(set(uids(resp.raw))), "one UID per shift"
    day = (after.date() - datetime.fromisoformat(first).date()).days  # shifts since the first
    who = "Alice Liddell" if day % 2 == 0 else "U_BOB"  # Bob was never looked up: his id
    assert str(starts[after]["SUMMARY"]) in {f"ops: {who} on call"}
    assert str(starts[after]["UID"]).startswith("shf-ops-") and str(starts[after]["UID"]).endswith(
        "@opsdesk"
    )
    span = [start(e) for e in found]
    t = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert min(span) >= t - timedelta(days=31) and max(span) <= t + timedelta(days=90)


def test_an_override_shows_under_its_own_uid_and_splits_the_shift(slack: SlackApp, unit) -> None:
    configure(slack, OPSDESK_CALENDAR_TOKEN=TEAM)
    _daily(slack, "2026-11-01")
    with freeze_time("2026-12-01 12:00:00"):
        before = by_uid(slack.get(f"/calendar/team/{TEAM}/oncall.ics").raw)
        with unit("U_ALICE") as ctx:
            ctx.config = slack.runtime.config
            t = datetime(2026, 12, 3, 12, tzinfo=UTC)
            override = shifts.add_override(ctx, "U_BOB", t, t + timedelta(hours=2), "ops")
        after = by_uid(slack.get(f"/calendar/team/{TEAM}/oncall.ics").raw)
    mine = after[f"shf-ops-o{override.id}@opsdesk"]
    assert start(mine) == t and str(mine["SUMMARY"]) == "ops: U_BOB on call"
    assert "an override" in str(mine["DESCRIPTION"])
    # The shift around it keeps its UID for its first part; the rest is told apart by its start.
    split = [u for u in after if u not in before]
    assert sorted(split) == sorted(
        [f"shf-ops-o{override.id}@opsdesk", mine_rest(after, t + timedelta(hours=2))]
    )
    assert set(before) <= set(after)


def mine_rest(found: dict[str, object], at: datetime) -> str:
    return next(u for u, e in found.items() if start(e) == at)


@pytest.mark.parametrize("feed", ["oncall", "maintenance"])
def test_team_feeds_need_the_team_token(slack: SlackApp, feed: str) -> None:
    assert slack.get(f"/calendar/team/{TEAM}/{feed}.ics").status == 404, "unset: no feeds"
    configure(slack, OPSDESK_CALENDAR_TOKEN=TEAM)
    assert slack.get(f"/calendar/team/{TEAM}x/{feed}.ics").status == 404
    assert slack.get(f"/calendar/team/{TEAM[:-1]}/{feed}.ics").status == 404
    assert slack.get(f"/calendar/team//{feed}.ics").status == 404
    assert slack.get(f"/calendar/team/{TEAM}/{feed}.ics").status == 200


def test_maintenance_feed_has_every_occurrence_and_cancellations(slack: SlackApp, unit) -> None:
    configure(slack, OPSDESK_CALENDAR_TOKEN=TEAM)
    path = f"/calendar/team/{TEAM}/maintenance.ics"
    with freeze_time("2026-12-01 08:00:00") as frozen:
        t = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
        with unit("U_ALICE", "Europe/Berlin") as ctx:
            weekly, _ = maintenance.schedule(
                ctx, "room-a", t, t + timedelta(hours=1), "week", "Sweep"
            )
            once, _ = maintenance.schedule(ctx, "van", t, t + timedelta(hours=3), None, "Tyres")
        first = slack.get(path)
        assert first.status == 200
        found = by_uid(first.raw)
        assert uids(slack.get(path).raw) == list(found)
        sweeps = [e for u, e in found.items() if u.startswith(f"mnt-{weekly.id}-")]
        assert len(sweeps) == 13, "every week for 90 days"
        assert [start(e) for e in sweeps] == [t + timedelta(weeks=k) for k in range(13)]
        assert f"mnt-{weekly.id}-20261202T100000Z@opsdesk" in found
        tyres = found[f"mnt-{once.id}-20261202T100000Z@opsdesk"]
        assert str(tyres["SUMMARY"]) == "Maintenance: van (Tyres)"
        assert str(tyres["STATUS"]) == "CONFIRMED"

        frozen.tick(timedelta(days=3))  # the first sweep happened; then the window is cancelled
        with unit("U_ALICE") as ctx:
            maintenance.cancel(ctx, weekly.id)
            maintenance.cancel(ctx, once.id)
        later = by_uid(slack.get(path).raw)
        happened = later[f"mnt-{weekly.id}-20261202T100000Z@opsdesk"]
        assert str(happened["STATUS"]) == "CONFIRMED"
        nxt = later[f"mnt-{weekly.id}-20261209T100000Z@opsdesk"]
        assert str(nxt["STATUS"]) == "CANCELLED" and str(nxt["SUMMARY"]).startswith("Cancelled:")
        assert str(later[f"mnt-{once.id}-20261202T100000Z@opsdesk"]["STATUS"]) == "CONFIRMED"

        frozen.tick(timedelta(days=8))  # a week after: cancelled occurrences are gone
        last = by_uid(slack.get(path).raw)
        assert f"mnt-{weekly.id}-20261209T100000Z@opsdesk" not in last
        assert f"mnt-{weekly.id}-20261202T100000Z@opsdesk" in last, "what happened stays"


def test_maintenance_feed_shows_incidents_on_a_resource_until_resolved(
    slack: SlackApp, unit
) -> None:
    configure(slack, OPSDESK_CALENDAR_TOKEN=TEAM)
    path = f"/calendar/team/{TEAM}/maintenance.ics"
    raised = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with freeze_time(raised) as frozen:
        with unit("U_ALICE") as ctx:
            on_van = incidents.raise_incident(ctx, "Brakes <@U_X> squeal", "sev2", resource="van")
            incidents.raise_incident(ctx, "Nothing to do with a resource", "sev3")
        frozen.tick(timedelta(hours=2))
        found = by_uid(slack.get(path).raw)
        uid = f"inc-{on_van.incident.id}@opsdesk"
        assert [u for u in found if u.startswith("inc-")] == [uid], "only incidents on a resource"
        event = found[uid]
        assert str(event["SUMMARY"]) == (
            f"Incident INC-{on_van.incident.id} on van: Brakes <@U_X> squeal (sev2)"
        )
        assert start(event) == raised and end(event) == raised + timedelta(hours=2), "open: now"
        frozen.tick(timedelta(hours=1))
        with unit("U_ALICE") as ctx:
            incidents.resolve(ctx, on_van.incident.id)
        frozen.tick(timedelta(days=2))
        resolved = by_uid(slack.get(path).raw)[uid]
        assert end(resolved) == raised + timedelta(hours=3), "resolved: it ends then"
