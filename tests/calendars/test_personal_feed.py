"""`/shift calendar` and the personal feed, end to end over HTTP: link, fetch, reset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.resources import service as bookings
from storage.calendars import CalendarToken
from storage.models import AuditEvent
from tests.calendars.helpers import PUBLIC, by_uid, configure, events, start, token_in, uids
from tests.e2e import SlackApp

# Wed 2026-12-02 12:00 Berlin: week 1 of the example rotation (U_ALICE, then U_BOB, U_CAROL).
NOW = "2026-12-02 11:00:00"
T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _link(slack: SlackApp, text: str = "calendar", user: str = "U_ALICE") -> str:
    resp = slack.slash("/shift", text, user=user)
    assert resp.status == 200 and resp.json["response_type"] == "ephemeral"
    return resp.text


def test_calendar_link_opens_a_feed_of_my_shifts_and_bookings(
    slack: SlackApp, unit, frozen
) -> None:
    configure(slack, OPSDESK_PUBLIC_URL=PUBLIC + "/")
    with unit("U_ALICE") as ctx:
        booked = bookings.book(ctx, "room-a", T, T + timedelta(hours=1), "Weekly sync")
    with unit("U_BOB") as ctx:
        bookings.book(ctx, "room-b", T, T + timedelta(hours=1), "Bob's own")
    text = _link(slack)
    token = token_in(text)
    assert f"{PUBLIC}/calendar/{token}.ics" in text and "reset" in text

    resp = slack.get(f"/calendar/{token}.ics")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in resp.raw
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in resp.raw
    found = by_uid(resp.raw)
    booking = found[f"bkg-{booked.id}@opsdesk"]
    assert str(booking["SUMMARY"]) == "room-a booked: Weekly sync"
    assert start(booking) == T and str(booking["STATUS"]) == "CONFIRMED"
    assert "Bob's own" not in resp.raw.decode()
    # Alice holds every third week from Mon 2026-11-30 09:00 Berlin (08:00 UTC).
    shifts = [e for uid, e in found.items() if uid.startswith("shf-")]
    assert [start(e) for e in shifts][:2] == [
        datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 21, 8, 0, tzinfo=UTC),
    ]
    assert all(str(e["SUMMARY"]) == "On call: primary" for e in shifts)
    assert all(start(e) <= datetime(2027, 3, 2, 11, 0, tzinfo=UTC) for e in shifts)
    # A second fetch, an hour later, names every event the same: calendar apps update in place.
    frozen.tick(timedelta(hours=1))
    assert uids(slack.get(f"/calendar/{token}.ics").raw) == list(found)


def test_the_token_is_stored_only_as_a_hash_and_shown_once(slack: SlackApp, frozen) -> None:
    configure(slack, OPSDESK_PUBLIC_URL=PUBLIC)
    token = token_in(_link(slack))
    with slack.runtime.sessions() as s:
        row = s.scalars(select(CalendarToken)).one()
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "calendar")))
    assert row.user_id == "U_ALICE" and token not in row.token_hash and len(row.token_hash) == 64
    assert actions == ["token.created"]
    again = _link(slack)
    assert "already have a calendar link" in again and "/calendar/" not in again
    assert "`/shift calendar reset`" in again


def test_reset_gives_a_new_link_and_the_old_one_answers_404(slack: SlackApp, frozen) -> None:
    configure(slack, OPSDESK_PUBLIC_URL=PUBLIC)
    old = token_in(_link(slack))
    assert slack.get(f"/calendar/{old}.ics").status == 200
    text = _link(slack, "calendar reset")
    new = token_in(text)
    assert new != old and "the old one no longer works" in text
    assert slack.get(f"/calendar/{old}.ics").status == 404
    assert slack.get(f"/calendar/{new}.ics").status == 200
    # Bob's link is his own: Alice's reset did not touch it.
    bob = token_in(_link(slack, user="U_BOB"))
    assert bob not in (old, new) and slack.get(f"/calendar/{bob}.ics").status == 200


def test_reset_with_no_link_yet_makes_the_first(slack: SlackApp, frozen) -> None:
    configure(slack, OPSDESK_PUBLIC_URL=PUBLIC)
    text = _link(slack, "calendar reset")
    assert "no longer works" not in text
    assert slack.get(f"/calendar/{token_in(text)}.ics").status == 200


@pytest.mark.parametrize(
    "path",
    ["/calendar/nosuchtoken.ics", "/calendar/.ics", "/calendar/a%2Fb.ics", "/calendar/x"],
)
def test_unknown_tokens_answer_404(slack: SlackApp, frozen, path: str) -> None:
    assert slack.get(path).status == 404


def test_without_a_public_url_the_path_is_shown_and_why(slack: SlackApp, frozen) -> None:
    text = _link(slack)
    assert "`OPSDESK_PUBLIC_URL` is not set" in text
    token = token_in(text)
    assert "https://" not in text and slack.get(f"/calendar/{token}.ics").status == 200


def test_calendar_takes_only_reset(slack: SlackApp, frozen) -> None:
    text = _link(slack, "calendar now please")
    assert "`calendar` takes only `reset` after it, not `now please`" in text
    assert "Usage: `/shift calendar [reset]`" in text
    with slack.runtime.sessions() as s:
        assert s.scalars(select(CalendarToken)).first() is None


def test_help_lists_calendar(slack: SlackApp, frozen) -> None:
    text = slack.slash("/shift", "help").text
    assert "/shift calendar [reset]" in text and "private calendar link" in text


def test_cancelled_bookings_show_as_cancelled_for_a_week(slack: SlackApp, unit, frozen) -> None:
    with unit("U_ALICE") as ctx:
        gone = bookings.book(ctx, "room-a", T, T + timedelta(hours=1), "Sync")
        early = bookings.book(ctx, "room-b", ctx.now, ctx.now + timedelta(hours=2), "Desk")
    frozen.tick(timedelta(minutes=30))
    with unit("U_ALICE") as ctx:
        bookings.release(ctx, gone.id)
        bookings.release(ctx, early.id)
    token = token_in(_link(slack))
    found = by_uid(slack.get(f"/calendar/{token}.ics").raw)
    cancelled = found[f"bkg-{gone.id}@opsdesk"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(cancelled["SUMMARY"]).startswith(
        "Cancelled: room-a booked"
    )
    held = found[f"bkg-{early.id}@opsdesk"]
    assert str(held["STATUS"]) == "CONFIRMED"
    assert held["DTEND"].dt == datetime(2026, 12, 2, 11, 30, tzinfo=UTC), "held until released"
    frozen.tick(timedelta(days=7, minutes=1))
    later = {str(e["UID"]) for e in events(slack.get(f"/calendar/{token}.ics").raw)}
    assert f"bkg-{gone.id}@opsdesk" not in later and f"bkg-{early.id}@opsdesk" in later
