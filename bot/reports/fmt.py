"""How report numbers read: durations, hours, money, shares, people and resource names."""

from __future__ import annotations

from datetime import timedelta

from bot.mrkdwn import escape
from bot.purchases.money import fmt as money_fmt
from bot.reports.figures import amount
from bot.timeparse import format_duration
from storage.report_sql import Percentiles

NONE = "–"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return NONE
    if seconds < 60:
        return f"{int(seconds)}s"
    return format_duration(timedelta(seconds=seconds))


def spread(p: Percentiles, noun: str) -> str:
    """``median 4m, p90 22m (10 acknowledged)``, or that there were none."""
    if not p.count:
        return f"none {noun}"
    return f"median {duration(p.p50)}, p90 {duration(p.p90)} ({p.count:,} {noun})"


def hours(h: float) -> str:
    text = f"{h:,.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "h"


def money(minor: int, currency: str) -> str:
    return money_fmt(amount(minor), currency)


def share(value: float | None) -> str:
    return NONE if value is None else f"{value:.0%}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def more(n: int) -> str:
    return f" (+{n:,} more)" if n else ""


def thing(name: str) -> str:
    """A resource or other name from the catalogue, made inert for mrkdwn."""
    return escape(name)
