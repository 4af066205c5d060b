"""`/incident postmortem`: a Markdown document of the whole incident, shared as a file after the
request (through the notice queue), in the incident channel or the requester's DM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.errors import NotFound
from bot.incidents import followups, postmortem, service
from bot.runtime import Runtime
from tests.recording import RecordingMessenger

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # summer: Berlin is UTC+2 (CEST)


def _story(unit, runtime: Runtime, frozen) -> int:
    with unit("U_CAROL") as ctx:
        incident_id = service.raise_incident(
            ctx, "Checkout | EU down", "sev1", channel_id="C_GENERAL"
        ).incident.id
    runtime.dispatcher.run_due()
    frozen.tick(timedelta(minutes=5))
    runtime.dispatcher.run_due()  # unacknowledged sev1: escalated to the admins
    frozen.tick(timedelta(minutes=2))
    with unit("U_BOB") as ctx:
        service.acknowledge(ctx, incident_id)
    frozen.tick(timedelta(minutes=10))
    with unit("U_BOB") as ctx:
        service.add_update(ctx, incident_id, "Rolled back <@U_DAVE|dave>'s deploy")
    frozen.tick(timedelta(minutes=43))
    with unit("U_BOB") as ctx:
        service.resolve(ctx, incident_id, "Bad deploy, rolled back")
        followups.record(ctx, incident_id, "Alert on the EU error rate", "U_DAVE")
        followups.record(ctx, incident_id, "Canary the checkout deploys")
    with unit("U_BOB") as ctx:
        followups.mark_done(ctx, 2)
    return incident_id


def _request(unit, runtime: Runtime, incident_id: int, tz: str = "Europe/Berlin") -> None:
    with unit("U_CAROL", tz=tz) as ctx:
        postmortem.request(ctx, incident_id)
    runtime.dispatcher.flush(ctx.outbox)


def test_the_document_has_everything_in_both_zones(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(START) as frozen:
        incident_id = _story(unit, runtime, frozen)
        frozen.tick(timedelta(hours=1))
        assert messenger.of("upload") == []
        _request(unit, runtime, incident_id)
    [upload] = messenger.of("upload")
    assert upload.target == "U_CAROL", "no incident channel: the requester's DM"
    assert upload.filename == "postmortem-INC-1.md"
    assert upload.title == "Postmortem INC-1: Checkout | EU down"
    doc = (upload.content or b"").decode()
    assert doc.startswith("# Postmortem: INC-1 · Checkout | EU down\n")
    for expected in (
        "- **Severity:** sev1",
        "- **Status:** Resolved",
        "- **Raised:** 2026-07-01 09:00 UTC (2026-07-01 11:00 CEST, Europe/Berlin)",
        "- **Reporter:** U_CAROL",
        "- **Commander:** U_BOB",
        "- **Acknowledged by:** U_BOB",
        "## Summary\n\nBad deploy, rolled back",
        "- **Time to acknowledge:** 7m",
        "- **Time to mitigate:** –",
        "- **Time to resolve:** 1h",
        "| UTC | Europe/Berlin | Who | What |",
        "| 2026-07-01 09:00 UTC | 2026-07-01 11:00 CEST | U_CAROL | "
        "Raised: sev1: Checkout \\| EU down |",
        "| 2026-07-01 09:07 UTC | 2026-07-01 11:07 CEST | U_BOB | Acknowledged |",
        "| 2026-07-01 09:17 UTC | 2026-07-01 11:17 CEST | U_BOB | "
        "Update: Rolled back U_DAVE's deploy |",
        "| 2026-07-01 10:00 UTC | 2026-07-01 12:00 CEST | U_BOB | "
        "Resolved: Bad deploy, rolled back |",
        "## Pages sent\n\n- 2026-07-01 09:05 UTC (2026-07-01 11:05 CEST, Europe/Berlin): "
        "Paged: U_ALICE (step 1)",
        "- [ ] FUP-1 Alert on the EU error rate (owner U_DAVE)",
        "- [x] FUP-2 Canary the checkout deploys (owner U_BOB; done 2026-07-01 10:00 UTC",
    ):
        assert expected in doc, expected


def test_names_people_by_their_slack_names_when_known(
    runtime: Runtime, unit, messenger: RecordingMessenger, sessions
) -> None:
    from storage import users
    from storage.db import transaction

    with transaction(sessions) as session:
        users.remember(session, "U_CAROL", name="carol", tz="Europe/Berlin", at=START)
    with freeze_time(START) as frozen:
        incident_id = _story(unit, runtime, frozen)
        _request(unit, runtime, incident_id, tz="America/New_York")
    doc = (messenger.of("upload")[0].content or b"").decode()
    assert "- **Reporter:** @carol" in doc
    assert "| 2026-07-01 09:00 UTC | 2026-07-01 05:00 EDT | @carol | Raised" in doc


def test_an_unknown_incident_is_refused(unit) -> None:
    with pytest.raises(NotFound, match="There is no incident INC-9"), unit() as ctx:
        postmortem.request(ctx, 9)


@pytest.fixture
def create_channel() -> bool:
    return False


@pytest.fixture
def config(config: Config, create_channel: bool) -> Config:
    if not create_channel:
        return config
    incidents = config.incidents.model_copy(update={"create_channel": True})
    return config.model_copy(update={"incidents": incidents, "rotations": []})


@pytest.mark.parametrize("create_channel", [True])
def test_shared_in_the_incident_channel_when_there_is_one(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(START):
        with unit("U_CAROL") as ctx:
            incident_id = service.raise_incident(
                ctx, "Checkout down", "sev3", channel_id="C_GENERAL"
            ).incident.id
        runtime.dispatcher.flush(ctx.outbox)
        _request(unit, runtime, incident_id)
    [upload] = messenger.of("upload")
    assert upload.target == "C_INC_1_CHECKOUT_DOWN"
    assert "requested by <@U_CAROL>" in (upload.message.text if upload.message else "")
    assert "- **Status:** Open" in (upload.content or b"").decode()


def test_a_failed_upload_is_tried_again_and_shared_once(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(START) as frozen:
        with unit("U_CAROL") as ctx:
            incident_id = service.raise_incident(
                ctx, "Checkout down", "sev3", channel_id="C_GENERAL"
            ).incident.id
        runtime.dispatcher.flush(ctx.outbox)
        messenger.fail_next = 1
        _request(unit, runtime, incident_id)
        assert messenger.of("upload") == []
        frozen.tick(timedelta(minutes=5))
        runtime.dispatcher.run_due()
        runtime.dispatcher.run_due()
    assert len(messenger.of("upload")) == 1
