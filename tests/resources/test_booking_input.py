"""Bad input is answered clearly and books nothing; the DST rule for typed times."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from storage.resources import Booking
from tests.e2e import SlackApp
from tests.resources.helpers import dump, ts


@pytest.fixture(autouse=True)
def frozen() -> Iterator[object]:
    with freeze_time("2027-03-27 08:00:00") as f:  # the day before the EU spring-forward
        yield f


def _count(slack: SlackApp) -> int:
    with slack.runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(Booking)) or 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "book room-x today 10:00 for 1h",
            "no resource called `room-x`. Did you mean `room-b` or `room-a`?",
        ),
        ("book stagin-1 today 10:00 for 1h", "Did you mean `staging-1`"),
        ("book room-a today 10:00 to 09:00", "ends before it starts"),
        ("book room-a today 10:00 to 10:00", "ends when it starts"),
        ("book room-a today 10:00 for 0m", "longer than zero"),
        ("book room-a today 10:00 for -1h", "-1h"),
        ("book room-a tomorrow 25:00 for 1h", "25:00"),
        ("book room-a today 10:00 for 520w", "lasts at most 7d"),
        ("book room-a today 10:00 to 2037-03-27 10:00", "lasts at most 7d"),
        ("book room-a today 10:00 for 2m", "at least 5m"),
        (
            "book room-a today 07:00 for 1h",
            "7:00 is in the past today (it is 09:00 now): did you mean tomorrow 7:00?",
        ),
        ("book room-a yesterday 9am for 1h", "is in the past"),
        ("book room-a", "I need a time window"),
        ("book room-a 2027-03-28 02:30 for 1h", "clocks jump from 02:00 to 03:00"),
        ("extend 1 soon", "soon"),
        ("release PUR-3", "is not a booking id"),
        ("available cars today 10:00 for 1h", "There is no kind `cars`"),
        ("frobnicate", "I don't know `frobnicate`"),
    ],
)
def test_bad_input_is_answered_clearly_and_books_nothing(
    slack: SlackApp, text: str, expected: str
) -> None:
    slack.stub.set_user("U_ALICE", tz="Europe/Berlin")
    resp = slack.slash("/resource", text)
    assert resp.status == 200
    assert expected in resp.text, resp.text
    assert "Traceback" not in resp.text
    slack.runtime.drain()
    assert _count(slack) == 0
    assert not slack.stub.calls_to("chat.postMessage")


def test_repeated_hour_means_the_first_one(slack: SlackApp, frozen) -> None:
    frozen.move_to("2027-10-30 08:00:00")  # the day before the EU autumn change
    slack.stub.set_user("U_ALICE", tz="Europe/Berlin")
    resp = slack.slash("/resource", "book room-a 2027-10-31 02:30 for 1h")
    # 02:30 happens twice; the first is still summer time (UTC+2): 00:30 UTC.
    assert f"<!date^{ts('2027-10-31 00:30')}^" in resp.text


def test_user_text_is_escaped(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "book room-a today 10:00 for 1h <!channel> party")
    assert "<!channel>" not in resp.text and "&lt;!channel&gt;" in resp.text
    assert "&lt;!channel&gt;" in dump(slack.slash("/resource", "status room-a").json)
