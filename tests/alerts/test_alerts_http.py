"""Alerts in, end to end: real payload shapes POSTed over HTTP to the served app, and what
Slack's stand-in received after the response."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from tests.alerts.samples import alertmanager, am_alert, generic, grafana, post
from tests.e2e import SlackApp

# The endpoints over a real socket, as Alertmanager, Grafana and scripts reach them.
pytestmark = pytest.mark.wire


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _posts(slack: SlackApp, n: int) -> list:
    return slack.stub.wait_for("chat.postMessage", n)


def test_alertmanager_group_raises_one_incident_announced_after_the_response(
    slack: SlackApp,
) -> None:
    body = alertmanager([am_alert(instance="checkout-1"), am_alert(instance="checkout-2")])
    status, answer = post(slack.url, "prometheus", body)
    assert (status, answer) == (202, {"incident": "INC-1", "action": "created"})
    announcement = _posts(slack, 1)[0]
    assert announcement.params["channel"] == "C_INCIDENTS"
    shown = dump(announcement.blocks)
    assert "Checkout error rate is high" in shown  # commonAnnotations.summary is the title
    assert "SEV1" in shown  # severity="critical" through severity_map
    assert "2 firing" in shown and "checkout-2" in shown
    assert "_prometheus_ (alerts)" in shown  # the source reported it, not a person


def test_a_repeat_with_the_same_firing_set_changes_nothing_and_posts_nothing(
    slack: SlackApp,
) -> None:
    body = alertmanager([am_alert(instance="checkout-1")])
    assert post(slack.url, "prometheus", body)[1]["action"] == "created"
    _posts(slack, 1)
    for _ in range(3):  # repeat_interval re-sends
        assert post(slack.url, "prometheus", body) == (
            202,
            {"incident": "INC-1", "action": "unchanged"},
        )
    slack.runtime.drain()
    assert len(slack.stub.calls_to("chat.postMessage")) == 1
    assert not slack.stub.calls_to("chat.update")


def test_a_changed_firing_set_adds_one_thread_note(slack: SlackApp) -> None:
    post(slack.url, "prometheus", alertmanager([am_alert(instance="checkout-1")]))
    first = _posts(slack, 1)[0]
    body = alertmanager(
        [am_alert(instance="checkout-1", status="resolved"), am_alert(instance="checkout-3")]
    )
    assert post(slack.url, "prometheus", body)[1] == {"incident": "INC-1", "action": "updated"}
    posts = _posts(slack, 2)
    slack.runtime.drain()
    notes = [c for c in slack.stub.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(notes) == 1
    note = notes[0].params["text"]
    assert notes[0].params["thread_ts"] == first.params.get("ts") or posts
    assert "Started firing (1)" in note and "checkout-3" in note
    assert "Resolved (1)" in note and "checkout-1" in note
    assert "prometheus.example:9090/graph" in note  # the generatorURL stays on the timeline


def test_all_resolved_resolves_the_incident(slack: SlackApp) -> None:
    post(slack.url, "prometheus", alertmanager([am_alert()]))
    _posts(slack, 1)
    body = alertmanager([am_alert(status="resolved")])
    assert post(slack.url, "prometheus", body)[1] == {"incident": "INC-1", "action": "resolved"}
    updates = slack.stub.wait_for("chat.update", 1)
    assert "Resolved" in dump(updates[-1].blocks)
    # Resent after resolving: nothing more.
    assert post(slack.url, "prometheus", body)[1]["action"] == "unchanged"


def test_firing_again_soon_reopens_and_later_raises_a_new_incident(slack: SlackApp) -> None:
    firing, resolved = alertmanager([am_alert()]), alertmanager([am_alert(status="resolved")])
    post(slack.url, "prometheus", firing)
    post(slack.url, "prometheus", resolved)
    slack.runtime.clock.advance(timedelta(minutes=30))
    assert post(slack.url, "prometheus", firing)[1] == {"incident": "INC-1", "action": "reopened"}
    post(slack.url, "prometheus", resolved)
    slack.runtime.clock.advance(timedelta(hours=2))
    assert post(slack.url, "prometheus", firing)[1] == {"incident": "INC-2", "action": "created"}


def test_grafana_contact_point_payload(slack: SlackApp) -> None:
    status, answer = post(slack.url, "grafana", grafana())
    assert (status, answer) == (202, {"incident": "INC-1", "action": "created"})
    shown = dump(_posts(slack, 1)[0].blocks)
    # No summary in commonAnnotations and no common alertname: Grafana's title.
    assert "[FIRING:2]" in shown
    assert "High memory usage" in shown and "High CPU usage" in shown
    status, answer = post(slack.url, "grafana", grafana(status="resolved"))
    assert answer == {"incident": "INC-1", "action": "resolved"}


def test_generic_json_from_a_script(slack: SlackApp) -> None:
    assert post(slack.url, "scripts", generic())[1] == {"incident": "INC-1", "action": "created"}
    shown = dump(_posts(slack, 1)[0].blocks)
    assert "Nightly backup failed" in shown and "SEV2" in shown
    assert "https://ci.example/jobs/42" in shown
    # auto_resolve = false for this source: a note, and the incident stays open.
    answer = post(slack.url, "scripts", generic(status="resolved"))[1]
    assert answer == {"incident": "INC-1", "action": "updated"}
    notes = [c for c in _posts(slack, 2) if c.params.get("thread_ts")]
    assert "stays open" in notes[0].params["text"]


def test_a_label_naming_a_resource_links_the_incident(slack: SlackApp) -> None:
    body = alertmanager([am_alert(resource="staging-2")])
    post(slack.url, "prometheus", body)
    assert "staging-2" in dump(_posts(slack, 1)[0].blocks)
    status = slack.slash("/resource", "status staging-2")
    assert "INC-1" in status.text or "INC-1" in dump(status.json)


def test_a_storm_of_1000_alerts_is_one_incident_and_one_bounded_message(slack: SlackApp) -> None:
    alerts = [am_alert(instance=f"node-{i}") for i in range(1000)]
    body = alertmanager(alerts)
    assert len(json.dumps(body)) < 1024 * 1024
    started = time.perf_counter()
    status, answer = post(slack.url, "prometheus", body)
    took = time.perf_counter() - started
    assert (status, answer) == (202, {"incident": "INC-1", "action": "created"})
    assert took < 1.0, f"answered in {took:.2f}s"
    slack.runtime.drain()
    posts = slack.stub.calls_to("chat.postMessage")
    assert len(posts) == 1
    shown = dump(posts[0].blocks)
    assert "+990 more" in shown and "1000 firing" in shown
    assert len(shown) < 12_000


# --- every 4xx -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong", "", "prom-s3cre", "prom-s3cretX", "graf-s3cret"])
def test_a_missing_or_wrong_token_is_401_with_the_same_body(slack: SlackApp, token: str) -> None:
    status, answer = post(slack.url, "prometheus", alertmanager([am_alert()]), token=token)
    assert (status, answer) == (401, {"error": "unauthorized"})


def test_another_scheme_is_401(slack: SlackApp) -> None:
    status, answer = post(
        slack.url,
        "prometheus",
        alertmanager([am_alert()]),
        token=None,
        headers={"Authorization": "Basic prom-s3cret"},
    )
    assert (status, answer) == (401, {"error": "unauthorized"})


def test_an_unset_token_variable_refuses_everyone(
    slack: SlackApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSDESK_ALERTS_PROMETHEUS_TOKEN")
    for token in (None, "", "prom-s3cret"):
        status, answer = post(slack.url, "prometheus", alertmanager([am_alert()]), token=token)
        assert (status, answer) == (401, {"error": "unauthorized"})


def test_an_unknown_source_is_404(slack: SlackApp) -> None:
    status, answer = post(slack.url, "nagios", generic(), token="x")
    assert status == 404 and answer == {"error": "unknown alert source"}


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("prometheus", b"{not json", "invalid JSON"),
        ("prometheus", b"\xff\xfe", "invalid JSON"),
        ("prometheus", b"[1, 2]", "must be a JSON object"),
        ("prometheus", b'{"version": "4", "status": "firing", "alerts": []}', "groupKey"),
        (
            "prometheus",
            json.dumps({**alertmanager([am_alert()]), "version": "3"}).encode(),
            "version",
        ),
        (
            "prometheus",
            json.dumps(alertmanager([{**am_alert(), "status": "burning"}])).encode(),
            "alerts[0].status",
        ),
        ("grafana", b'{"groupKey": "k", "status": "firing"}', "alerts"),
        ("scripts", json.dumps({"title": "x"}).encode(), "dedupe_key"),
        ("scripts", json.dumps(generic(severity="critical")).encode(), "severity"),
        ("scripts", json.dumps(generic(status="maybe")).encode(), "status"),
    ],
)
def test_bad_json_or_shape_is_400_with_the_reason(
    slack: SlackApp, name: str, raw: bytes, reason: str
) -> None:
    status, answer = post(slack.url, name, None, raw=raw)
    assert status == 400
    assert reason in answer["error"]
    slack.runtime.drain()
    assert not slack.stub.calls_to("chat.postMessage")


def test_a_body_over_1_mb_is_413(slack: SlackApp) -> None:
    status, answer = post(slack.url, "prometheus", None, raw=b" " * (1024 * 1024 + 1))
    assert (status, answer) == (413, {"error": "body too large"})


# --- the console ---------------------------------------------------------------------------


def test_the_console_posts_an_alert_and_shows_what_slack_would(
    settings, config, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from bot.console.shell import build_console

    out = io.StringIO()
    console = build_console(settings, config, engine, out)
    body = json.dumps(generic(title="Disk full on db", dedupe_key="disk-db"))
    console.run_lines([f"post /hooks/alerts/scripts {body}", "/incident show 1"])
    shown = out.getvalue()
    assert 'HTTP 202 {"incident": "INC-1", "action": "created"}' in shown
    assert "#incidents  @opsdesk:" in shown and "Disk full on db" in shown
    assert "https://ci.example/jobs/42" in shown  # on the timeline
    console.run_lines([f"post /hooks/alerts/scripts {body}", "post /hooks/alerts/nagios {}"])
    shown = out.getvalue()
    assert '"action": "unchanged"' in shown and "HTTP 404" in shown
    monkeypatch.delenv("OPSDESK_ALERTS_SCRIPTS_TOKEN")
    console.run_lines([f"post /hooks/alerts/scripts {body}", "post /nowhere {}", "help"])
    shown = out.getvalue()
    assert "set OPSDESK_ALERTS_SCRIPTS_TOKEN to try this hook" in shown
    assert "nothing answers POST /nowhere" in shown
    assert "post /hooks/alerts/<name> <json>" in shown
