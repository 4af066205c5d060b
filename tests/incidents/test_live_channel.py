"""A live incident channel: its status message follows every change, updates are mirrored,
people are invited as they join, and it is archived a day after resolution unless reopened."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.clock import Clock
from bot.config import Config, ConfigError, parse_config
from bot.incidents import service
from bot.runtime import Runtime
from storage.incidents import Incident
from tests.recording import RecordingMessenger, Sent

CHANNEL = "C_INC_1_CHECKOUT_DOWN"  # the recording messenger's id for #inc-1-checkout-down


@pytest.fixture
def archive_after() -> timedelta:
    return timedelta(hours=24)  # the default


@pytest.fixture
def config(config: Config, archive_after: timedelta) -> Config:
    # No rotation, so "on call" is the admins whatever the date: the tests stay deterministic.
    incidents = config.incidents.model_copy(
        update={"create_channel": True, "archive_after": archive_after}
    )
    return config.model_copy(update={"incidents": incidents, "rotations": []})


def _buttons(sent: Sent) -> list[str]:
    assert sent.message is not None
    return [
        e["action_id"]
        for blk in sent.message.blocks or []
        if blk["type"] == "actions"
        for e in blk["elements"]
    ]


def _raise(unit, runtime: Runtime, severity: str = "sev2") -> int:
    with unit("U_CAROL") as ctx:
        incident = service.raise_incident(ctx, "Checkout down", severity, channel_id="C_GENERAL")
    runtime.dispatcher.flush(ctx.outbox)
    return incident.incident.id


def _do(unit, runtime: Runtime, user: str, fn, *args) -> None:
    with unit(user) as ctx:
        fn(ctx, *args)
    runtime.dispatcher.flush(ctx.outbox)


def _updates(messenger: RecordingMessenger, channel: str) -> list[Sent]:
    return [s for s in messenger.of("update") if s.target == channel]


def test_status_message_is_edited_in_place_with_the_buttons_the_state_allows(
    runtime: Runtime, unit, messenger: RecordingMessenger, sessions
) -> None:
    incident_id = _raise(unit, runtime)
    posts = {s.target: s for s in messenger.of("post")}
    status = posts[CHANNEL]
    announcement = posts["C_INCIDENTS"]
    assert f"<#{CHANNEL}>" in json.dumps(announcement.message.blocks), "links to the channel"
    assert f"<#{CHANNEL}>" not in json.dumps(status.message.blocks)
    assert _buttons(status) == [
        "incident_ack",
        "incident_mitigate",
        "incident_update",
        "incident_resolve",
    ]
    with sessions() as session:
        assert session.get(Incident, incident_id).channel_ts == status.ref.ts

    _do(unit, runtime, "U_BOB", service.acknowledge, incident_id)
    [edit] = _updates(messenger, CHANNEL)
    assert edit.ref == status.ref, "the same message, edited"
    assert _buttons(edit) == [
        "incident_mitigate",
        "incident_update",
        "incident_resolve",
    ], "no Acknowledge after ack"
    assert "Acknowledged" in json.dumps(edit.message.blocks)
    [ann_edit] = _updates(messenger, "C_INCIDENTS")
    assert ann_edit.ref == announcement.ref
    assert f"<#{CHANNEL}>" in json.dumps(ann_edit.message.blocks)

    _do(unit, runtime, "U_BOB", service.resolve, incident_id, "Rolled back")
    final = _updates(messenger, CHANNEL)[-1]
    assert _buttons(final) == [], "no buttons once resolved"
    assert "Rolled back" in json.dumps(final.message.blocks)
    assert len(_updates(messenger, "C_INCIDENTS")) == 2, "the announcement keeps one message"
    assert [s.target for s in messenger.of("post") if not s.thread_ts].count("C_INCIDENTS") == 1


def test_every_update_is_posted_in_the_thread_and_in_the_channel(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    incident_id = _raise(unit, runtime)
    announcement = next(s for s in messenger.of("post") if s.target == "C_INCIDENTS")
    _do(unit, runtime, "U_BOB", service.add_update, incident_id, "Rolled back the 14:02 deploy")
    thread = [s for s in messenger.of("post") if s.thread_ts == announcement.ref.ts]
    mirrored = [s for s in messenger.of("post") if s.target == CHANNEL and not s.thread_ts]
    assert "Rolled back the 14:02 deploy" in thread[-1].message.text
    assert "Rolled back the 14:02 deploy" in mirrored[-1].message.text
    _do(unit, runtime, "U_BOB", service.set_severity, incident_id, "sev1")
    mirrored = [s for s in messenger.of("post") if s.target == CHANNEL and not s.thread_ts]
    assert "sev2 → sev1" in mirrored[-1].message.text


def test_people_who_join_the_response_are_invited(
    runtime: Runtime, unit, messenger: RecordingMessenger, clock: Clock
) -> None:
    incident_id = _raise(unit, runtime, severity="sev1")
    [first] = messenger.of("invite")
    assert first.target == CHANNEL and set(first.message.text.split(",")) == {"U_ALICE", "U_CAROL"}
    _do(unit, runtime, "U_ALICE", service.assign, incident_id, "U_DAVE")
    _do(unit, runtime, "U_BOB", service.acknowledge, incident_id)
    invited = [s.message.text for s in messenger.of("invite")][1:]
    assert invited == ["U_DAVE", "U_DAVE"], "the commander, named and then keeping command"


def test_an_escalation_invites_whoever_was_paged(
    runtime: Runtime, unit, messenger: RecordingMessenger, clock: Clock, config: Config
) -> None:
    _raise(unit, runtime, severity="sev1")
    clock.advance(config.incidents.escalate_after)
    runtime.dispatcher.run_due()
    assert [s.target for s in messenger.of("dm")] == ["U_ALICE"]  # the admins: nobody on call
    assert [s.message.text for s in messenger.of("invite")][-1] == "U_ALICE"


def test_the_channel_is_archived_a_day_after_resolution(
    runtime: Runtime, unit, messenger: RecordingMessenger, clock: Clock, sessions
) -> None:
    incident_id = _raise(unit, runtime, severity="sev3")
    _do(unit, runtime, "U_BOB", service.resolve, incident_id)
    clock.advance(timedelta(hours=23, minutes=59))
    runtime.dispatcher.run_due()
    assert messenger.of("archive") == []
    clock.advance(timedelta(minutes=1))
    runtime.dispatcher.run_due()
    assert [s.target for s in messenger.of("archive")] == [CHANNEL]
    assert "archived" in json.dumps(_updates(messenger, "C_INCIDENTS")[-1].message.blocks)
    with sessions() as session:
        assert session.get(Incident, incident_id).channel_archived_at is not None

    # Reopened after that: the archived channel is left alone, the announcement carries on.
    posts_before = len([s for s in messenger.of("post") if s.target == CHANNEL])
    _do(unit, runtime, "U_BOB", service.reopen, incident_id)
    _do(unit, runtime, "U_BOB", service.add_update, incident_id, "It is back")
    assert len([s for s in messenger.of("post") if s.target == CHANNEL]) == posts_before
    assert _updates(messenger, CHANNEL)[-1].message.text.endswith("(Resolved)")
    assert "It is back" in messenger.of("post")[-1].message.text


def test_reopening_cancels_the_archiving_and_resolving_again_starts_it_anew(
    runtime: Runtime, unit, messenger: RecordingMessenger, clock: Clock
) -> None:
    incident_id = _raise(unit, runtime, severity="sev3")
    _do(unit, runtime, "U_BOB", service.resolve, incident_id)
    clock.advance(timedelta(hours=20))
    _do(unit, runtime, "U_BOB", service.reopen, incident_id)
    clock.advance(timedelta(hours=5))
    runtime.dispatcher.run_due()
    assert messenger.of("archive") == [], "reopened: not archived"
    _do(unit, runtime, "U_BOB", service.resolve, incident_id)
    clock.advance(timedelta(hours=24))
    runtime.dispatcher.run_due()
    assert [s.target for s in messenger.of("archive")] == [CHANNEL]


@pytest.mark.parametrize("archive_after", [timedelta(hours=2)])
def test_archive_after_comes_from_the_config(
    runtime: Runtime, unit, messenger: RecordingMessenger, clock: Clock
) -> None:
    incident_id = _raise(unit, runtime, severity="sev3")
    _do(unit, runtime, "U_BOB", service.resolve, incident_id)
    clock.advance(timedelta(hours=2))
    runtime.dispatcher.run_due()
    assert [s.target for s in messenger.of("archive")] == [CHANNEL]


def test_late_and_repeated_edits_converge_on_the_current_state(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    """An edit renders the incident as it is when sent: one queued for the acknowledgement but
    sent after the resolution shows the resolution, never an older state."""
    incident_id = _raise(unit, runtime)
    with unit("U_BOB") as ack:
        service.acknowledge(ack, incident_id)
    with unit("U_BOB") as res:
        service.resolve(res, incident_id)
    runtime.dispatcher.flush(res.outbox)
    runtime.dispatcher.flush(ack.outbox)  # late
    for edit in _updates(messenger, CHANNEL):
        assert _buttons(edit) == [] and "Resolved" in edit.message.text


def test_an_edit_overtaken_by_a_newer_one_is_made_again(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    """Two edits on two threads: the newer lands first, the older (rendered before the change)
    lands after it. The older one's record sees the incident moved on and edits once more."""
    incident_id = _raise(unit, runtime)
    with unit("U_BOB") as ack:
        service.acknowledge(ack, incident_id)
    deliver = messenger.update
    raced: list[bool] = []

    def update(ref, message) -> None:
        if not raced:
            raced.append(True)  # while the acknowledgement's edit is on its way...
            with unit("U_BOB") as res:
                service.resolve(res, incident_id)
            runtime.dispatcher.flush(res.outbox)  # ...the resolution's edits land first
        deliver(ref, message)

    messenger.update = update  # type: ignore[method-assign]
    runtime.dispatcher.flush(ack.outbox)
    runtime.dispatcher.run_due()
    for channel in (CHANNEL, "C_INCIDENTS"):
        stale = [e for e in _updates(messenger, channel) if "Acknowledged" in e.message.text]
        assert stale, "the older edit did land after the newer one"
        final = _updates(messenger, channel)[-1]
        assert "Resolved" in final.message.text and _buttons(final) == []


def test_archive_after_is_read_and_checked_at_its_path() -> None:
    assert parse_config({}).incidents.archive_after == timedelta(hours=24)
    read = parse_config({"incidents": {"create_channel": True, "archive_after": "2d"}})
    assert read.incidents.archive_after == timedelta(days=2)
    with pytest.raises(ConfigError) as caught:
        parse_config({"incidents": {"archive_after": "after lunch"}}, "opsdesk.toml")
    assert any("incidents.archive_after" in line for line in caught.value.errors)
