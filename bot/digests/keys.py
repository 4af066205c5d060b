"""Dedupe keys of digest notices: one per channel and local day.

    digest:<channel>:<YYYY-MM-DD>

A changed schedule drops the channel's pending digests by the channel's prefix, freeing their
keys for the new schedule's occurrences.
"""

from __future__ import annotations


def channel(channel_id: str) -> str:
    """The prefix of every digest of the channel."""
    return f"digest:{channel_id}:"


def digest(channel_id: str, day: str) -> str:
    return f"{channel(channel_id)}{day}"
