"""Shared helpers for the purchases tests: what each person received, and database counts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from storage.models import AuditEvent
from storage.purchases import PurchaseDecision, PurchaseRequest
from tests.e2e import SlackApp
from tests.slack_stub import Call


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        e["action_id"]
        for blk in blocks
        if blk.get("type") == "actions"
        for e in blk.get("elements", [])
    ]


def dms(slack: SlackApp, user: str) -> list[Call]:
    """Direct messages to ``user`` (the app posts to the user id), oldest first."""
    return [c for c in slack.stub.calls_to("chat.postMessage") if c.params["channel"] == user]


def asks(slack: SlackApp, user: str) -> list[Call]:
    """The DMs that ask ``user`` to decide: they carry the approve/reject buttons."""
    return [c for c in dms(slack, user) if "purchase_approve" in action_ids(c.blocks)]


def updates(slack: SlackApp, user: str) -> list[Call]:
    return [c for c in slack.stub.calls_to("chat.update") if c.params["channel"] == "D" + user]


def posts_to(slack: SlackApp, channel: str) -> list[Call]:
    return [c for c in slack.stub.calls_to("chat.postMessage") if c.params["channel"] == channel]


def texts(calls: list[Call]) -> str:
    return "\n".join(c.params.get("text", "") + dump(c.blocks) for c in calls)


def counts(slack: SlackApp) -> tuple[int, int, int]:
    """(requests, decisions, audit events) in the database."""
    with slack.runtime.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(PurchaseRequest)) or 0,
            s.scalar(select(func.count()).select_from(PurchaseDecision)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def approve_in_dm(slack: SlackApp, user: str, request_id: int) -> None:
    """Press Approve on the DM, as Slack sends it (the DM channel is D<user>)."""
    resp = slack.click("purchase_approve", str(request_id), user=user, channel="D" + user)
    assert resp.status == 200
    slack.runtime.drain()
