"""What `/shift calendar` answers (only to the person who asked: the link is a credential)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.calendars.feeds import AHEAD, BACK
from bot.calendars.service import Link, feed_path
from bot.messenger import Message
from bot.mrkdwn import when

SPAN = f"your on-call shifts and bookings, {BACK.days} days back to {AHEAD.days} days ahead"
HOW = (
    "Add it by URL: Google Calendar _Other calendars → From URL_, Outlook _Add calendar → "
    "Subscribe from web_, Apple Calendar _File → New Calendar Subscription_."
)
PRIVATE = (
    "Anyone with this link can read the calendar, so keep it to yourself; "
    "`/shift calendar reset` replaces it and the old link stops working."
)


def link(found: Link, public_url: str | None, tz: ZoneInfo) -> Message:
    if found.token is None:
        return Message(
            text=(
                f":calendar: You already have a calendar link (made {when(found.made_at, tz)}). "
                "I keep only a fingerprint of it, so I cannot show it again. "
                "`/shift calendar reset` gives you a new link; the old one then stops working."
            )
        )
    url = found.url(public_url)
    first = ":calendar: Your new calendar link" if found.replaced else ":calendar: Your calendar"
    if found.replaced:
        first += " (the old one no longer works)"
    if url is None:
        where = (
            f"{first} is at the path `{feed_path(found.token)}` on Opsdesk's address. "
            "I cannot give you the whole link because `OPSDESK_PUBLIC_URL` is not set; "
            "ask whoever runs Opsdesk to set it, or put the address in front yourself."
        )
    else:
        where = f"{first}: {url}"
    return Message(text=f"{where}\nIt shows {SPAN}. {HOW}\n{PRIVATE}")
