"""What a postmortem costs as an incident's timeline grows.

Not part of the default run (timings vary with the machine); run it with
`.venv/bin/python -m pytest -m benchmark -s -k sqlite tests/benchmarks/test_postmortem_scale.py`.
It prints, per timeline length, the time the request takes (it only queues a notice) and the
time to render the document and share it afterwards, and the file's size. It asserts that the
request stays small whatever the timeline (nothing is rendered inside it) and that the whole
timeline is in the file.
"""

from __future__ import annotations

import time

import pytest

from bot.incidents import followups, postmortem, service
from bot.runtime import Runtime
from storage.incidents import IncidentEvent
from tests.recording import RecordingMessenger

pytestmark = pytest.mark.benchmark


@pytest.mark.parametrize("entries", [100, 1000, 4000])
def test_postmortem_cost_by_timeline_length(
    runtime: Runtime, unit, messenger: RecordingMessenger, entries: int
) -> None:
    with unit("U_BOB") as ctx:
        incident_id = service.raise_incident(
            ctx, "Load", "sev3", channel_id="C_GENERAL"
        ).incident.id
        ctx.session.add_all(  # updates as the timeline keeps them, without their notices
            IncidentEvent(incident_id=incident_id, at=ctx.now, actor="U_BOB", kind="update",
                          text=f"update {i}")
            for i in range(entries - 1)
        )  # fmt: skip
        for i in range(20):
            followups.record(ctx, incident_id, f"action {i}")
    runtime.dispatcher.run_due(limit=100_000)
    started = time.perf_counter()
    with unit("U_BOB", tz="Europe/Berlin") as ctx:
        postmortem.request(ctx, incident_id)
    asked = time.perf_counter()
    runtime.dispatcher.flush(ctx.outbox)
    shared = time.perf_counter()
    [upload] = messenger.of("upload")
    doc = (upload.content or b"").decode()
    print(
        f"\n{entries + 20} timeline entries: request {1000 * (asked - started):.1f} ms, "
        f"render and share after it {1000 * (shared - asked):.1f} ms, "
        f"file {len(doc) / 1024:.0f} KiB"
    )
    assert f"update {entries - 2} |" in doc and "action 19" in doc
    assert asked - started < 0.5
