"""Alerts in at the service level: what a delivery does to the group's incident, its timeline,
the audit trail and the notice queue, for each state of the group."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.alerts import payloads, service
from bot.clock import Clock
from bot.config import AlertSourceConfig, Config
from bot.incidents import service as incidents
from storage import audit
from storage import incidents as repo
from storage import notices as queue
from storage.incidents import Incident
from tests.alerts.samples import alertmanager, am_alert, generic, grafana
from tests.conftest import UnitFactory


def _source(config: Config, name: str = "prometheus", **changes: object) -> AlertSourceConfig:
    found = config.alert_source(name)
    assert found is not None
    return found.model_copy(update=changes)


@pytest.fixture
def deliver(unit: UnitFactory, config: Config):
    """``deliver(body, source=...)`` -> (incident ref or None, action), as one unit of work."""

    def run(body: dict, name: str = "prometheus", **changes: object) -> tuple[str | None, str]:
        source = _source(config, name, **changes)
        batch = payloads.parse(source, json.dumps(body).encode())
        with unit(service.actor_id(source)) as ctx:
            got = service.receive(ctx, source, batch)
        answer = got.as_json()
        return answer["incident"], str(answer["action"])

    return run


def _incident(unit: UnitFactory, incident_id: int = 1) -> tuple[Incident, list]:
    with unit() as ctx:
        incident = ctx.session.get(Incident, incident_id)
        assert incident is not None
        return incident, list(repo.timeline(ctx.session, incident_id, limit=50))


def test_a_new_group_raises_an_incident_reported_by_the_source(deliver, unit) -> None:
    body = alertmanager([am_alert(instance="a", resource="staging-2"), am_alert(instance="b")])
    assert deliver(body) == ("INC-1", "created")
    incident, events = _incident(unit)
    assert incident.reporter == "alerts:prometheus"
    assert incident.severity == "sev1" and incident.title == "Checkout error rate is high"
    assert incident.announce_channel == "C_INCIDENTS"
    assert incident.resource is None  # only one of the two alerts names it: no common resource
    assert [e.kind for e in events] == ["raised", "alert"]
    assert "prometheus.example:9090/graph" in (events[1].text or "")
    with unit() as ctx:
        kinds = queue.queued_kinds(ctx.session)
        assert kinds.get("incident.announce") == 1
        assert kinds.get("incident.escalate") == 1  # sev1: escalation runs as for any incident
        actions = [a.action for a in audit.history(ctx.session, "incident", 1)]
        assert actions == ["raised", "alert"]
        assert {a.actor for a in audit.history(ctx.session, "incident", 1)} == {"alerts:prometheus"}


def test_the_common_resource_label_links_the_incident(deliver, unit) -> None:
    body = alertmanager(
        [am_alert(resource="staging-2")],
        common={"alertname": "HighErrorRate", "severity": "warning", "resource": "staging-2"},
    )
    deliver(body)
    incident, _ = _incident(unit)
    assert incident.resource == "staging-2" and incident.severity == "sev3"


def test_a_resource_label_naming_no_resource_raises_without_the_link(deliver, unit) -> None:
    deliver(alertmanager([am_alert(resource="db-9")], common={"resource": "db-9"}))
    incident, _ = _incident(unit)
    assert incident.resource is None


@pytest.mark.parametrize(
    ("common", "severities", "expected"),
    [
        ({"severity": "critical"}, ["info"], "sev1"),  # the common label wins
        ({}, ["info", "error", "warning"], "sev2"),  # else the worst firing alert's
        ({}, ["page-me"], "sev3"),  # nothing maps: sev3
        ({"severity": "unknown"}, ["warning"], "sev3"),
    ],
)
def test_severity_through_the_map(deliver, unit, common, severities, expected) -> None:
    alerts = [am_alert(instance=f"i{n}", severity=s) for n, s in enumerate(severities)]
    deliver(alertmanager(alerts, common={"alertname": "X", **common}))
    assert _incident(unit)[0].severity == expected


def test_a_custom_severity_label_and_map(deliver, unit) -> None:
    body = alertmanager([am_alert()], common={"alertname": "X", "priority": "P1"})
    deliver(body, severity_label="priority", severity_map={"P1": "sev2"})
    assert _incident(unit)[0].severity == "sev2"


@pytest.mark.parametrize(
    ("summary", "common", "title"),
    [
        ("Checkout down", {"alertname": "HighErrorRate"}, "Checkout down"),
        (None, {"alertname": "HighErrorRate"}, "HighErrorRate"),
        (None, {}, "alertname=HighErrorRate, job=checkout"),  # the group's labels
    ],
)
def test_the_title(deliver, unit, summary, common, title) -> None:
    deliver(alertmanager([am_alert()], summary=summary, common=common))
    assert _incident(unit)[0].title == title


def test_a_resolved_group_never_seen_firing_is_nothing(deliver, unit) -> None:
    assert deliver(alertmanager([am_alert(status="resolved")])) == (None, "unchanged")
    with unit() as ctx:
        assert repo.count_incidents(ctx.session) == 0


def test_the_firing_set_decides_between_unchanged_and_one_note(deliver, unit) -> None:
    one, two = am_alert(instance="a"), am_alert(instance="b")
    deliver(alertmanager([one]))
    assert deliver(alertmanager([one])) == ("INC-1", "unchanged")
    assert deliver(alertmanager([one, two])) == ("INC-1", "updated")
    assert deliver(alertmanager([two, one])) == ("INC-1", "unchanged")  # order does not matter
    _, events = _incident(unit)
    assert [e.kind for e in events] == ["raised", "alert", "update"]
    assert "Started firing (1)" in (events[-1].text or "")
    with unit() as ctx:
        threads = queue.queued_kinds(ctx.session).get("incident.thread")
        assert threads == 1


def test_all_resolved_without_auto_resolve_is_one_note(deliver, unit) -> None:
    deliver(alertmanager([am_alert()]), auto_resolve=False)
    assert deliver(alertmanager([am_alert(status="resolved")]), auto_resolve=False) == (
        "INC-1",
        "updated",
    )
    assert deliver(alertmanager([am_alert(status="resolved")]), auto_resolve=False) == (
        "INC-1",
        "unchanged",
    )
    incident, events = _incident(unit)
    assert incident.is_open
    assert "stays open" in (events[-1].text or "")


def test_reopen_within_and_after(deliver, unit, clock: Clock) -> None:
    firing, resolved = alertmanager([am_alert()]), alertmanager([am_alert(status="resolved")])
    deliver(firing)
    assert deliver(resolved) == ("INC-1", "resolved")
    clock.advance(timedelta(minutes=59))
    assert deliver(firing) == ("INC-1", "reopened")
    incident, events = _incident(unit)
    assert incident.is_open and incident.reopened == 1
    assert [e.kind for e in events][-2:] == ["reopened", "alert"]
    deliver(resolved)
    clock.advance(timedelta(hours=1))
    assert deliver(firing) == ("INC-2", "created")
    # A shorter window, per source.
    deliver(resolved)
    clock.advance(timedelta(minutes=10))
    assert deliver(firing, reopen_within=timedelta(minutes=5)) == ("INC-3", "created")


def test_an_incident_a_person_resolved_stays_resolved_until_the_alerts_change(
    deliver, unit, config: Config
) -> None:
    one, two = am_alert(instance="a"), am_alert(instance="b")
    deliver(alertmanager([one]))
    with unit("U_ALICE") as ctx:
        incidents.resolve(ctx, 1, "false alarm")
    assert deliver(alertmanager([one])) == ("INC-1", "unchanged")  # a repeat
    assert _incident(unit)[0].status == "resolved"
    assert deliver(alertmanager([one, two])) == ("INC-1", "reopened")


def test_a_storm_is_bounded(deliver, unit) -> None:
    alerts = [am_alert(instance=f"node-{i}") for i in range(1000)]
    deliver(alertmanager(alerts, truncated=24))
    incident, events = _incident(unit)
    assert incident.description is not None
    assert "1024 firing" in incident.description and "+1014 more" in incident.description
    assert len(incident.description) < 3000
    assert len(events[-1].text or "") < 6000


def test_grafana_and_generic_shapes(deliver, unit) -> None:
    assert deliver(grafana(), "grafana") == ("INC-1", "created")
    incident, events = _incident(unit)
    assert incident.title == "[FIRING:2] (blue)"  # spaces squeezed, as for any title
    assert incident.reporter == "alerts:grafana"
    assert "grafana.example/alerting/1afz29v7z/edit" in (events[-1].text or "")
    assert deliver(generic(resource="van"), "scripts") == ("INC-2", "created")
    incident, events = _incident(unit, 2)
    assert (incident.title, incident.severity, incident.resource) == (
        "Nightly backup failed",
        "sev2",
        "van",
    )
    assert "https://ci.example/jobs/42" in (events[-1].text or "")
    assert deliver(generic(title="Another title"), "scripts") == ("INC-2", "unchanged")


def test_the_source_channel_wins_over_the_incidents_channel(deliver, unit) -> None:
    deliver(alertmanager([am_alert()]), channel="C_OPS")
    assert _incident(unit)[0].announce_channel == "C_OPS"


def test_actor_is_rendered_as_the_source_not_a_mention() -> None:
    from bot.mrkdwn import user

    assert user("alerts:prometheus") == "_prometheus_ (alerts)"
    assert user("U_ALICE") == "<@U_ALICE>"
    assert user("alerts:<!channel>") == "_&lt;!channel&gt;_ (alerts)"
