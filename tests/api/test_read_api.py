"""The read API over HTTP: bearer token, on-call, incidents with paging, resources now."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from bot.api.service import encode_cursor
from bot.incidents import service as incidents
from bot.maintenance import service as maintenance
from bot.resources import service as bookings
from storage.models import SlackUser
from tests.e2e import SlackApp

# The endpoints over a real socket, as a scraper or a script reaches them.
pytestmark = pytest.mark.wire

TOKEN = "api-s3cret"
# Wed 2026-12-02 12:00 Berlin: week 1 of the example rotation (U_ALICE, then U_BOB, U_CAROL).
NOW = "2026-12-02 11:00:00"


@pytest.fixture
def api(slack: SlackApp) -> SlackApp:
    slack.runtime.settings = slack.runtime.settings.model_copy(update={"OPSDESK_API_TOKEN": TOKEN})
    return slack


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def get(slack: SlackApp, path: str, token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(slack.url + path)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


PATHS = ["/api/v1/oncall", "/api/v1/incidents?status=open", "/api/v1/resources"]


@pytest.mark.parametrize("path", PATHS)
def test_every_endpoint_needs_the_token(slack: SlackApp, path: str) -> None:
    status, body = get(slack, path)
    assert status == 401 and "unauthorized" in body["error"], "no OPSDESK_API_TOKEN: closed"
    slack.runtime.settings = slack.runtime.settings.model_copy(update={"OPSDESK_API_TOKEN": TOKEN})
    assert get(slack, path, token=None)[0] == 401
    assert get(slack, path, token=TOKEN + "x")[0] == 401
    assert get(slack, path, token="")[0] == 401
    assert get(slack, path)[0] == 200


def test_oncall_says_who_until_when_and_who_is_next(api: SlackApp, frozen) -> None:
    with api.runtime.transaction() as s:
        s.add(SlackUser(id="U_ALICE", name="Alice", tz=None, fetched_at=datetime.now(UTC)))
    status, body = get(api, "/api/v1/oncall")
    assert status == 200
    assert body == {
        "at": "2026-12-02T11:00:00Z",
        "rotations": [
            {
                "rotation": "primary",
                "timezone": "Europe/Berlin",
                "on_call": {"id": "U_ALICE", "name": "Alice"},
                "until": "2026-12-07T08:00:00Z",
                "next": {
                    "id": "U_BOB",
                    "name": None,
                    "from": "2026-12-07T08:00:00Z",
                    "until": "2026-12-14T08:00:00Z",
                },
            }
        ],
    }


def test_incidents_by_status_with_links(api: SlackApp, unit, frozen) -> None:
    resp = api.slash("/incident", "raise Checkout is failing sev1", channel="C_GENERAL")
    assert resp.status == 200
    api.stub.wait_for("chat.postMessage", 1)
    api.runtime.drain()
    with unit("U_BOB") as ctx:
        other = incidents.raise_incident(ctx, "Disk full", "sev3").incident
        incidents.resolve(ctx, other.id, "Cleaned up")
    status, body = get(api, "/api/v1/incidents?status=open")
    assert status == 200 and body["status"] == "open" and body["next_cursor"] is None
    [item] = body["incidents"]
    assert item["id"] == "INC-1" and item["title"] == "Checkout is failing"
    assert item["severity"] == "sev1" and item["state"] == "open"
    assert item["raised"] == "2026-12-02T11:00:00Z" and item["commander"] is None
    assert item["links"]["slack"].startswith("https://slack.com/archives/C_INCIDENTS/p")
    assert get(api, "/api/v1/incidents")[1]["incidents"] == [item], "open by default"
    resolved = get(api, "/api/v1/incidents?status=resolved")[1]["incidents"]
    assert [i["id"] for i in resolved] == [f"INC-{other.id}"] and resolved[0]["links"] == {}
    assert len(get(api, "/api/v1/incidents?status=all")[1]["incidents"]) == 2


def test_incidents_page_with_a_cursor_and_never_truncate_silently(
    api: SlackApp, unit, frozen
) -> None:
    with unit("U_ALICE") as ctx:
        for n in range(5):
            incidents.raise_incident(ctx, f"Problem {n}", "sev2" if n % 2 else "sev1")
    seen: list[str] = []
    path = "/api/v1/incidents?status=open&limit=2"
    pages = 0
    while pages < 10:
        status, body = get(api, path)
        assert status == 200 and len(body["incidents"]) <= 2
        seen += [i["id"] for i in body["incidents"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        path = f"/api/v1/incidents?status=open&limit=2&cursor={body['next_cursor']}"
    assert pages == 3
    # Worst first, then oldest: the sev1s (1, 3, 5), then the sev2s (2, 4).
    assert seen == ["INC-1", "INC-3", "INC-5", "INC-2", "INC-4"]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("status=closed", "status must be one of open, acknowledged, resolved, all"),
        ("status=open&limit=0", "limit must be a whole number from 1 to 200"),
        ("limit=many", "limit must be a whole number"),
        ("limit=201", "from 1 to 200"),
        ("cursor=bogus", "cursor is not one this API gave out"),
        ("cursor=" + encode_cursor(("sev1", datetime(2026, 1, 1, tzinfo=UTC), 1))[:-3] + "%21",
         "cursor is not one"),
    ],
)  # fmt: skip
def test_bad_parameters_are_400_with_the_reason(
    api: SlackApp, frozen, query: str, reason: str
) -> None:
    status, body = get(api, f"/api/v1/incidents?{query}")
    assert status == 400 and reason in body["error"]


def test_resources_state_now(api: SlackApp, unit, frozen) -> None:
    now = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    with unit("U_ALICE") as ctx:
        booked = bookings.book(
            ctx, "room-a", now, now + timedelta(hours=1), "Sync", starts_now=True
        )
        bookings.book(ctx, "room-b", now + timedelta(hours=3), now + timedelta(hours=4), "Later")
        maintenance.schedule(
            ctx, "van", now, now + timedelta(hours=2), None, "Tyres", starts_now=True
        )
    status, body = get(api, "/api/v1/resources")
    assert status == 200 and body["at"] == "2026-12-02T11:00:00Z"
    state = {r["name"]: r for r in body["resources"]}
    assert state["room-a"] == {
        "name": "room-a",
        "kind": "room",
        "capacity": 1,
        "state": "booked",
        "until": "2026-12-02T12:00:00Z",
        "why": f"BKG-{booked.id}",
    }
    assert state["room-b"]["state"] == "free" and state["room-b"]["until"] == "2026-12-02T14:00:00Z"
    assert (
        state["van"]["state"] == "maintenance" and state["van"]["until"] == "2026-12-02T13:00:00Z"
    )
    assert state["staging-1"]["state"] == "free" and state["staging-1"]["until"] is None


def test_resources_lists_every_resource_however_many(api: SlackApp, unit, frozen) -> None:
    from storage import resources as repo

    now = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    with unit("U_ALICE") as ctx:
        repo.insert_resources(
            ctx.session,
            [
                {"name": f"desk-{n:04}", "kind": "desk", "capacity": 1, "active": True}
                | {"source": "chat", "created_at": now}
                for n in range(600)
            ],
        )
    status, body = get(api, "/api/v1/resources")
    names = {r["name"] for r in body["resources"]}
    assert status == 200 and {f"desk-{n:04}" for n in range(600)} <= names
