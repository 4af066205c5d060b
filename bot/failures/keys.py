"""Dedupe keys of the failures report: one per local day.

failures:report:<YYYY-MM-DD>
"""

from __future__ import annotations


def report(day: str) -> str:
    return f"failures:report:{day}"
