"""Events as an iCalendar document (RFC 5545), written by the ``icalendar`` library.

Times are written in UTC (``DTSTART:20261201T080000Z``), so no client has to know a zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as VEvent

from bot.calendars.feeds import Event

PRODID = "-//Opsdesk//Opsdesk calendars//EN"
REFRESH = timedelta(hours=1)  # how often clients that honour it fetch again (PT1H below)
CONTENT_TYPE = "text/calendar; charset=utf-8"


def document(name: str, description: str, events: Sequence[Event], now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", description)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # An X- property is written as given: its value must already be iCal duration text.
    cal.add("x-published-ttl", "PT1H")
    stamp = now.astimezone(UTC).replace(microsecond=0)
    for event in events:
        item = VEvent()
        item.add("uid", event.uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", event.start.astimezone(UTC))
        item.add("dtend", event.end.astimezone(UTC))
        item.add("summary", event.summary)
        item.add("description", event.description)
        item.add("status", event.status)
        item.add("transp", "TRANSPARENT" if event.status == "CANCELLED" else "OPAQUE")
        cal.add_component(item)
    return cal.to_ical()
