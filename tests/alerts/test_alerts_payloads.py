"""The payload reader: whatever arrives is a Batch or a BadPayload with a reason, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts import payloads
from bot.config import load_config
from tests.alerts.samples import alertmanager, am_alert
from tests.conftest import EXAMPLE

CONFIG = load_config(EXAMPLE)
SOURCES = [s for s in CONFIG.alerts]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_anything_is_a_batch_or_a_reason(body: bytes) -> None:
    for source in SOURCES:
        try:
            batch = payloads.parse(source, body)
        except payloads.BadPayload as exc:
            assert exc.reason
        else:
            assert batch.group_key and batch.title


labels = st.dictionaries(
    st.sampled_from(["alertname", "severity", "resource", "instance", "job"]),
    st.text(min_size=1, max_size=12),
    max_size=5,
)


@settings(max_examples=100, deadline=None)
@given(
    alerts=st.lists(
        st.fixed_dictionaries(
            {"status": st.sampled_from(["firing", "resolved"]), "labels": labels}
        ),
        min_size=1,
        max_size=20,
    ),
    common=labels,
)
def test_every_well_formed_group_reads(alerts: list[dict], common: dict) -> None:
    body = json.dumps(alertmanager(alerts, common=common, summary=None)).encode()
    batch = payloads.parse(SOURCES[0], body)
    assert len(batch.alerts) == len(alerts)
    assert batch.severity in (None, "sev1", "sev2", "sev3", "sev4")
    # Alerts without a fingerprint get one from their labels: the same labels, the same one.
    prints = {json.dumps(sorted(a["labels"].items())): a for a in alerts}
    assert len({a.fingerprint for a in batch.alerts}) == len(prints)


@pytest.mark.parametrize("version", ["4", None])
def test_alertmanager_version_4_or_none(version: str | None) -> None:
    body = alertmanager([am_alert()])
    if version is None:
        del body["version"]
    assert payloads.parse(SOURCES[0], json.dumps(body).encode()).group_key
