"""The words alerts put on an incident: its description, thread notes and timeline entries.

Plain text (the incidents area escapes it where it reaches Slack), and bounded whatever the
sender sent: a storm of 1,000 alerts is a few lines and "+N more".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.alerts.payloads import Alert, Batch
from bot.mrkdwn import truncate

LIST_LIMIT = 10  # alerts named in one message
LINE_LIMIT = 200


def _alerts(n: int) -> str:
    return f"{n} alert" if n == 1 else f"{n} alerts"


def _line(alert: Alert, *, url: bool = True) -> str:
    text = alert.name
    if alert.summary and alert.summary != alert.name:
        text += f": {alert.summary}"
    text = truncate(text, LINE_LIMIT)
    if url and alert.url:
        text += f" {truncate(alert.url, 500)}"
    return f"• {text}"


def alert_list(alerts: Sequence[Alert], *, extra: int = 0, urls: bool = True) -> str:
    """At most ``LIST_LIMIT`` lines, then "+N more" (``extra``: alerts the sender left out)."""
    shown = [_line(a, url=urls) for a in alerts[:LIST_LIMIT]]
    more = len(alerts) - len(shown) + extra
    if more > 0:
        shown.append(f"+{more} more")
    return "\n".join(shown)


def description(batch: Batch) -> str:
    firing = batch.firing
    parts = []
    if batch.description:
        parts.append(truncate(batch.description, 1000))
    count = len(firing) + batch.truncated
    parts.append(f"{count} firing:\n{alert_list(firing, extra=batch.truncated)}")
    if batch.url:
        parts.append(truncate(batch.url, 500))
    return "\n".join(parts)


def fired(batch: Batch) -> str:
    """The timeline entry of a delivery that raised or reopened an incident: what fired, and
    where to look (each alert's generatorURL / the generic url)."""
    links = [a.url for a in batch.firing if a.url][:LIST_LIMIT]
    if batch.url:
        links.insert(0, batch.url)
    text = f"{_alerts(len(batch.firing) + batch.truncated)} firing"
    if links:
        text += " · " + " ".join(dict.fromkeys(truncate(u, 500) for u in links))
    return text


def changed(batch: Batch, before: Sequence[str]) -> str:
    """One thread note for a change of the firing set: what started and what stopped."""
    was = set(before)
    firing = batch.firing
    new = [a for a in firing if a.fingerprint not in was]
    now = {a.fingerprint for a in firing}
    ended = [a for a in batch.alerts if not a.firing and a.fingerprint in was]
    gone = len(was - now)
    lines = [f"{_alerts(len(firing) + batch.truncated)} firing now."]
    if new:
        lines.append(f"Started firing ({len(new)}):\n{alert_list(new)}")
    if gone:
        named = alert_list(ended, urls=False) if ended else ""
        lines.append(f"Resolved ({gone}):" + (f"\n{named}" if named else ""))
    if batch.url:
        lines.append(truncate(batch.url, 500))
    return "\n".join(lines)


def all_resolved(source: str, *, closing: bool) -> str:
    if closing:
        return f"All alerts from {source} resolved."
    return (
        f"All alerts from {source} resolved. The incident stays open (auto_resolve is off): "
        "resolve it when you are satisfied."
    )
