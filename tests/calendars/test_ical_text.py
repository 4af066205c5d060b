"""The iCal writer: what icalendar reads back is exactly what was written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from bot.calendars.feeds import Event
from bot.calendars.ical import document, fold

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _read_back(summary: str, description: str) -> tuple[str, str]:
    raw = document(
        "Opsdesk: Näme", "x", [Event("u@x", T, T + timedelta(hours=1), summary, description)], T
    )
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "folded at 75 octets"
    cal = Calendar.from_ical(raw)
    assert str(cal["X-WR-CALNAME"]) == "Opsdesk: Näme"
    [event] = cal.walk("VEVENT")
    assert event["DTSTART"].dt == T and str(event["UID"]) == "u@x"
    return str(event["SUMMARY"]), str(event["DESCRIPTION"])


def test_special_characters_and_long_unicode_lines_survive() -> None:
    summary = "room-a booked: a; b, c \\ d"
    long = "Ünïcödé 🎉 " * 40 + "\nsecond line"
    assert _read_back(summary, long) == (summary, long)


def test_control_characters_are_dropped() -> None:
    assert _read_back("a\x00b\x1bc", "tab\tkept") == ("abc", "tab\tkept")


def test_folding_never_splits_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 100
    parts = fold(line).split(b"\r\n ")
    assert all(len(p) <= 75 for p in parts)
    assert b"".join(parts).decode() == line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=300))
def test_any_printable_text_reads_back_the_same(value: str) -> None:
    assert _read_back(value or "x", value or "x") == (value or "x", value or "x")
