"""Shared bits of the calendar tests: fetching and reading feeds as a calendar app would."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar

from tests.e2e import SlackApp

PUBLIC = "https://ops.example.com"
TEAM = "team-s3cret-token"


def configure(slack: SlackApp, **values: Any) -> None:
    """Set environment settings on the running app (what the operator's variables would)."""
    rt = slack.runtime
    rt.settings = rt.settings.model_copy(update=values)


def events(raw: bytes) -> list[Any]:
    cal = Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    return list(cal.walk("VEVENT"))


def start(event: Any) -> datetime:
    value = event["DTSTART"].dt
    assert isinstance(value, datetime) and value.tzinfo is not None
    return value.astimezone(UTC)


def end(event: Any) -> datetime:
    return event["DTEND"].dt.astimezone(UTC)


def uids(raw: bytes) -> list[str]:
    return [str(e["UID"]) for e in events(raw)]


def by_uid(raw: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in events(raw)}


def token_in(text: str) -> str:
    found = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", text)
    assert found, text
    return found.group(1)
