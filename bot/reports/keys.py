"""Dedupe keys of weekly report notices: one per channel and local day.

    report:<channel>:<YYYY-MM-DD>

A changed schedule drops the channel's pending reports by the channel's prefix, freeing their
keys for the new schedule's occurrences.
"""

from __future__ import annotations


def channel(channel_id: str) -> str:
    """The prefix of every weekly report of the channel."""
    return f"report:{channel_id}:"


def report(channel_id: str, day: str) -> str:
    return f"{channel(channel_id)}{day}"
