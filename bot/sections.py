"""Digest and App Home sections: each area contributes its own, the digest and Home assemble them.

A digest section is a titled list of mrkdwn lines, capped by the digest with "+N more" and a
pointer to the command that lists everything. A Home section is Block Kit for one viewer (it may
carry buttons). Both must be built with a bounded number of queries, whatever the data size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Ctx


@dataclass
class DigestSection:
    title: str
    lines: list[str] = field(default_factory=list)  # the first few, already escaped mrkdwn
    total: int = 0  # how many there are in all; the digest says "+N more" when > len(lines)
    more: str = ""  # the command that lists them all, e.g. "/incident list"
    # Context rather than news (who is on call): it never makes a digest "need attention", so a
    # quiet channel still gets nothing when only informational sections have lines.
    informational: bool = False


DigestFn = Callable[[Ctx, datetime, ZoneInfo, int], DigestSection | None]
HomeFn = Callable[[Ctx, str], list[dict[str, Any]]]

_DIGEST: list[tuple[int, str, DigestFn]] = []
_HOME: list[tuple[int, str, HomeFn]] = []


def digest_section(name: str, order: int) -> Callable[[DigestFn], DigestFn]:
    """Register ``fn(ctx, since, tz, limit)``; ``since`` is when the previous digest went out."""

    def register(fn: DigestFn) -> DigestFn:
        _DIGEST[:] = [e for e in _DIGEST if e[1] != name] + [(order, name, fn)]
        return fn

    return register


def home_section(name: str, order: int) -> Callable[[HomeFn], HomeFn]:
    """Register ``fn(ctx, viewer_user_id) -> blocks`` for the App Home tab."""

    def register(fn: HomeFn) -> HomeFn:
        _HOME[:] = [e for e in _HOME if e[1] != name] + [(order, name, fn)]
        return fn

    return register


def digest_sections() -> list[tuple[str, DigestFn]]:
    return [(name, fn) for _, name, fn in sorted(_DIGEST, key=lambda e: (e[0], e[1]))]


def home_sections() -> list[tuple[str, HomeFn]]:
    return [(name, fn) for _, name, fn in sorted(_HOME, key=lambda e: (e[0], e[1]))]
