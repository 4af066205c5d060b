"""Digest and App Home sections: each area contributes its own, the digest and Home assemble them.

A digest section is a titled list of mrkdwn lines, capped by the digest with "+N more" and a
pointer to the command that lists everything. A Home section is Block Kit for one viewer (it may
carry buttons). Both must be built with a bounded number of queries, whatever the data size.
Areas declare theirs in their ``register(registry)`` (bot/registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DigestSection:
    title: str
    lines: list[str] = field(default_factory=list)  # the first few, already escaped mrkdwn
    total: int = 0  # how many there are in all; the digest says "+N more" when > len(lines)
    more: str = ""  # the command that lists them all, e.g. "/incident list"
    # Context rather than news (who is on call): it never makes a digest "need attention", so a
    # quiet channel still gets nothing when only informational sections have lines.
    informational: bool = False
