"""Reminders with back-off and expiry, through the scheduler core, end to end (freezegun)."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from storage.models import AuditEvent, Notice
from tests.e2e import SlackApp
from tests.purchases.helpers import action_ids, dms, dump, texts, updates

START = "2026-12-01 09:00:00"


def _reminders(slack: SlackApp, user: str) -> list:
    return [
        c
        for c in slack.stub.calls_to("chat.postMessage")
        if c.params["channel"] == "D" + user and "Reminder" in c.params.get("text", "")
    ]


def _sweep(slack: SlackApp) -> None:
    slack.runtime.dispatcher.run_due()
    slack.runtime.drain()


def test_reminders_back_off_then_the_request_expires(slack: SlackApp) -> None:
    with freeze_time(START) as frozen:
        slack.slash("/purchase", "request 99 EUR label printer")
        slack.runtime.drain()
        frozen.tick(timedelta(hours=23, minutes=59))
        _sweep(slack)
        assert _reminders(slack, "U_BOB") == []
        frozen.tick(timedelta(minutes=1))  # remind_after = 24h
        _sweep(slack)
        _sweep(slack)  # a second sweep (or scheduler) sends nothing more
        [first] = _reminders(slack, "U_BOB")
        assert first.params["thread_ts"], "in the thread of the approver's DM"
        assert "PUR-1" in first.params["text"] and "1d" in first.params["text"]
        frozen.tick(timedelta(hours=47, minutes=59))
        _sweep(slack)
        assert len(_reminders(slack, "U_BOB")) == 1
        frozen.tick(timedelta(minutes=1))  # then 48h later
        _sweep(slack)
        assert len(_reminders(slack, "U_BOB")) == 2
        frozen.tick(timedelta(hours=96))  # then 96h later (day 7)
        _sweep(slack)
        assert len(_reminders(slack, "U_BOB")) == 3
        frozen.tick(timedelta(days=7) - timedelta(minutes=1))  # just before 14d
        _sweep(slack)
        assert "expired" not in texts(dms(slack, "U_ALICE"))
        frozen.tick(timedelta(minutes=1))  # expire_after = 14d
        _sweep(slack)
        _sweep(slack)
        told = [c for c in dms(slack, "U_ALICE") if "expired" in c.params.get("text", "")]
        assert len(told) == 1, "the requester is told once"
        final = updates(slack, "U_BOB")[-1]
        assert "Expired" in dump(final.blocks) and not action_ids(final.blocks)
        frozen.tick(timedelta(days=30))
        _sweep(slack)
        assert len(_reminders(slack, "U_BOB")) == 3, "no reminders after expiry"
        resp = slack.slash("/purchase", "approve 1", user="U_BOB")
        assert "expired" in resp.text
        show = dump(slack.slash("/purchase", "show 1").json["blocks"])
        assert "expired" in show and show.count("reminded") == 3


def test_a_decision_stops_reminders_and_expiry(slack: SlackApp) -> None:
    with freeze_time(START) as frozen:
        slack.slash("/purchase", "request 700 EUR two chairs")  # Bob, then Carol or Dave
        slack.runtime.drain()
        frozen.tick(timedelta(hours=20))
        slack.slash("/purchase", "approve 1", user="U_BOB")
        slack.runtime.drain()
        frozen.tick(timedelta(hours=5))  # Bob's step was decided: no reminder for it
        _sweep(slack)
        assert _reminders(slack, "U_BOB") == []
        frozen.tick(timedelta(hours=19))  # 24h after step 2 started: Carol and Dave
        _sweep(slack)
        assert len(_reminders(slack, "U_CAROL")) == 1 and len(_reminders(slack, "U_DAVE")) == 1
        slack.slash("/purchase", "approve 1", user="U_DAVE")
        slack.runtime.drain()
        frozen.tick(timedelta(days=20))
        _sweep(slack)
        assert len(_reminders(slack, "U_CAROL")) == 1
        assert "expired" not in texts(dms(slack, "U_ALICE"))
    with slack.runtime.sessions() as s:
        pending = s.scalars(
            select(Notice.dedupe_key).where(
                Notice.status == "pending", Notice.dedupe_key.startswith("purchase:")
            )
        ).all()
    assert pending == []


def test_a_lapsed_delegate_is_no_longer_reminded(slack: SlackApp) -> None:
    with freeze_time(START) as frozen:
        slack.slash("/purchase", "delegate <@U_DAVE|dave> until 2026-12-01 18:00", user="U_BOB")
        slack.slash("/purchase", "request 99 EUR label printer")
        slack.runtime.drain()
        assert dms(slack, "U_DAVE"), "the delegate is asked while the delegation holds"
        frozen.tick(timedelta(hours=24))  # remind_after; the delegation ended at 18:00
        _sweep(slack)
        assert len(_reminders(slack, "U_BOB")) == 1
        assert _reminders(slack, "U_DAVE") == []
        refused = slack.slash("/purchase", "approve 1", user="U_DAVE")
        assert "only <@U_BOB>" in refused.text
        frozen.tick(timedelta(hours=48))
        _sweep(slack)
        assert _reminders(slack, "U_DAVE") == []
    with slack.runtime.sessions() as s:
        reminded = s.scalars(select(AuditEvent.data).where(AuditEvent.action == "reminded")).all()
    assert [d["user"] for d in reminded] == ["U_BOB", "U_BOB"]
