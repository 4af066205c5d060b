"""Incident response at the service level: the default escalation policy, the mitigated state,
roles, the on-call commander, time to mitigate and the `[[escalation]]` config checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.config import ConfigError, parse_config
from bot.errors import Conflict, UserError
from bot.incidents import escalation, metrics, render, roles, service
from bot.incidents.payloads import IncidentEscalation
from storage.audit import AuditEvent
from storage.incidents import Incident, IncidentStatus
from tests.incidents.escalation_helpers import (
    config_with,
    escalation_rows,
    paged_events,
    pages,
    raise_,
    unit_with,
    utc,
)

START = "2026-12-01 09:00:00"


def _at(frozen, runtime, minutes: float) -> None:
    frozen.move_to(utc(START) + timedelta(minutes=minutes))
    runtime.dispatcher.run_due()


# --- the default policy -------------------------------------------------------------------------


def test_default_policy_is_the_on_call_dm_after_5m_repeated_every_15m(
    runtime, unit, messenger, sessions
) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime, severity="sev2")
        for minutes, expected in [(4.9, 0), (5, 1), (19.9, 1), (20, 2), (34.9, 2), (35, 3)]:
            _at(frozen, runtime, minutes)
            assert len(pages(messenger)) == expected, minutes
            assert len(escalation_rows(sessions, "pending")) == 1, "one row ahead, never more"
        with unit("U_BOB") as ctx:
            service.acknowledge(ctx, incident_id)
        _at(frozen, runtime, 300)
    assert pages(messenger) == ["U_ALICE"] * 3  # on call in the example's primary rotation
    assert [t for _, _, t in paged_events(sessions, incident_id)][1] == (
        "<@U_ALICE> (step 1, repeat 1)"
    )
    policy = escalation.policies(config_with())[0]
    assert policy.severities == ["sev1", "sev2"]
    assert [(s.after, s.notify, s.repeat) for s in policy.steps] == [
        (timedelta(minutes=5), ["rotation:primary"], timedelta(minutes=15))
    ]


def test_default_policy_without_rotations_pages_the_admins() -> None:
    data = {"admins": ["U_ALICE"]}
    (policy,) = escalation.policies(parse_config(data))
    assert policy.steps[0].notify == ["admins"]


def test_pages_are_audited_for_the_weekly_report(runtime, unit, sessions) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        _at(frozen, runtime, 5)
    with sessions() as session:
        audits = session.scalars(select(AuditEvent).where(AuditEvent.action == "escalated")).all()
        assert [(a.entity_id, a.data) for a in audits] == [
            (incident_id, {"to": ["U_ALICE"], "step": 1, "repeat": 0})
        ]


def test_an_old_single_escalation_row_still_pages_once(runtime, unit, messenger) -> None:
    """A row queued by the previous version (key ...:escalate, payload id and round)."""
    with freeze_time(START):
        incident_id = raise_(unit, runtime, severity="sev3")
        with unit() as ctx:
            ctx.session.get(Incident, incident_id).severity = "sev1"
            old = IncidentEscalation(id=incident_id, round=0)
            ctx.notify("incident.escalate", old, dedupe_key="old")
        runtime.dispatcher.run_due()
    assert pages(messenger) == ["U_ALICE"]


# --- mitigated ----------------------------------------------------------------------------------


def test_mitigate_from_open_acknowledges_on_the_way(runtime, unit, sessions) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        frozen.tick(timedelta(minutes=3))
        with unit("U_BOB") as ctx:
            incident = service.mitigate(ctx, incident_id, "Failed over to eu-west-2")
            assert incident.status == IncidentStatus.MITIGATED
        with unit() as ctx:
            incident, events, _ = service.with_timeline(ctx, incident_id)
            assert (
                incident.mitigated_at
                == incident.acknowledged_at
                == utc(START) + timedelta(minutes=3)
            )
            assert (incident.acknowledged_by, incident.commander) == ("U_BOB", "U_BOB")
            line = render.event_line(incident, events[-1])
            assert line == ":large_green_circle: <@U_BOB> mitigated INC-1. Failed over to eu-west-2"
            assert incident.is_open and "Mitigated" in render.announcement(incident, ctx.tz).text
            shown = str(render.announcement(incident, ctx.tz).blocks)
            assert "incident_mitigate" not in shown and "incident_ack" not in shown
            assert "incident_resolve" in shown


def test_mitigate_after_acknowledge_keeps_the_first_acknowledgement(runtime, unit) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        with unit("U_CAROL") as ctx:
            service.acknowledge(ctx, incident_id)
        frozen.tick(timedelta(minutes=10))
        with unit("U_BOB") as ctx:
            service.mitigate(ctx, incident_id)
        with unit() as ctx:
            incident = service.get(ctx, incident_id)
            assert incident.acknowledged_by == "U_CAROL"
            assert incident.mitigated_at - incident.acknowledged_at == timedelta(minutes=10)


def test_mitigate_errors_and_the_moves_after_it(runtime, unit) -> None:
    with freeze_time(START):
        incident_id = raise_(unit, runtime)
        with unit() as ctx:
            service.mitigate(ctx, incident_id)
        with unit() as ctx, pytest.raises(Conflict, match="already mitigated"):
            service.mitigate(ctx, incident_id)
        with unit("U_BOB") as ctx, pytest.raises(Conflict, match="already acknowledged"):
            service.acknowledge(ctx, incident_id)
        with unit() as ctx:
            service.resolve(ctx, incident_id)
        with unit() as ctx, pytest.raises(Conflict, match="already resolved"):
            service.mitigate(ctx, incident_id)
        with unit() as ctx:
            assert service.reopen(ctx, incident_id).status == IncidentStatus.OPEN


def test_the_one_transition_table() -> None:
    machine = Incident.states
    assert machine.allows("open", "mitigated") and machine.allows("acknowledged", "mitigated")
    assert machine.allows("mitigated", "resolved") and machine.allows("resolved", "open")
    assert not machine.allows("mitigated", "open") and not machine.allows(
        "mitigated", "acknowledged"
    )


def test_time_to_mitigate_in_stats(runtime, unit) -> None:
    with freeze_time(START) as frozen:
        first = raise_(unit, runtime)
        second = raise_(unit, runtime)
        frozen.tick(timedelta(minutes=4))
        with unit() as ctx:
            service.mitigate(ctx, first)
        frozen.tick(timedelta(minutes=6))
        with unit() as ctx:
            service.mitigate(ctx, second)
        with unit() as ctx:
            report = metrics.report(ctx, 7)
    assert (report.mitigated, report.mttm_median, report.mttm_p90) == (2, 240.0, 600.0)
    text = render.stats(report).text
    assert "*Time to mitigate*: median 4m, p90 10m over 2 mitigated" in text


# --- roles and the on-call commander --------------------------------------------------------------


def test_roles_are_set_shown_and_on_the_timeline(runtime, unit, sessions) -> None:
    with freeze_time(START):
        incident_id = raise_(unit, runtime)
        with unit() as ctx:
            roles.set_role(ctx, incident_id, "comms", "U_CAROL")
            roles.set_role(ctx, incident_id, "scribe", "U_DAVE")
            roles.set_role(ctx, incident_id, "commander", "U_BOB")
        with unit() as ctx:
            incident, events, _ = service.with_timeline(ctx, incident_id)
            lines = [render.event_line(incident, e) for e in events[-3:]]
            shown = str(render.detail(incident, events, len(events), ctx.tz).blocks)
            announced = str(render.announcement(incident, ctx.tz).blocks)
    assert lines == [
        ":bust_in_silhouette: <@U_ALICE> made <@U_CAROL> the comms of INC-1.",
        ":bust_in_silhouette: <@U_ALICE> made <@U_DAVE> the scribe of INC-1.",
        ":bust_in_silhouette: <@U_ALICE> made <@U_BOB> the commander.",
    ]
    for text in (shown, announced):
        assert "*Comms*\\n<@U_CAROL>" in text and "*Scribe*\\n<@U_DAVE>" in text
        assert "*Commander*\\n<@U_BOB>" in text
    with sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "incident")
        ).all()
    assert actions.count("role") == 2 and "assigned" in actions


def test_role_errors(runtime, unit) -> None:
    with freeze_time(START):
        incident_id = raise_(unit, runtime)
        with unit() as ctx:
            roles.set_role(ctx, incident_id, "comms", "U_CAROL")
        with unit() as ctx, pytest.raises(UserError, match="already the comms"):
            roles.set_role(ctx, incident_id, "comms", "U_CAROL")
        with unit() as ctx, pytest.raises(UserError, match="no role called `cook`"):
            roles.set_role(ctx, incident_id, "cook", "U_CAROL")
        with unit() as ctx:
            service.resolve(ctx, incident_id)
        with unit() as ctx, pytest.raises(Conflict, match="resolved; reopen it first"):
            roles.set_role(ctx, incident_id, "scribe", "U_DAVE")


@pytest.mark.parametrize(
    ("rotation", "when", "expected"),
    [(None, START, "U_ALICE"), (None, "2026-12-07 10:00:00", "U_BOB"), ("db", START, "U_DAVE")],
)
def test_whoever_is_on_call_commands_a_new_incident(
    rotation, when, expected, sessions, registry
) -> None:
    on_call = {"default_commander": "oncall"} | ({"oncall_rotation": rotation} if rotation else {})
    db = {"name": "db", "members": ["U_DAVE"], "start": "2026-11-01 00:00", "length": "1w"}
    config = config_with(incidents=on_call, rotations=[db])
    with freeze_time(when), unit_with(sessions, registry, config) as ctx:
        assert service.raise_incident(ctx, "DB down", "sev3").incident.commander == expected


def test_without_default_commander_nobody_commands_until_acknowledged(runtime, unit) -> None:
    with freeze_time(START):
        incident_id = raise_(unit, runtime)
        with unit() as ctx:
            assert service.get(ctx, incident_id).commander is None


# --- the config ---------------------------------------------------------------------------------

ROTATION = {"name": "primary", "members": ["U_A"], "start": "2026-11-30 09:00", "length": "1w"}


def _errors(**data) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        parse_config({"rotations": [ROTATION], **data}, "opsdesk.toml")
    return exc.value.errors


def _policy(*steps: dict, severities: tuple[str, ...] = ("sev1",)) -> dict:
    return {"severities": list(severities), "steps": list(steps)}


@pytest.mark.parametrize(
    ("policies", "expected"),
    [
        (
            [_policy({"after": "5m", "notify": ["rotation:nightly"]})],
            "escalation[0].steps[0].notify[0]: there is no rotation called 'nightly'",
        ),
        ([_policy({"after": "soon", "notify": ["admins"]})], "escalation[0].steps[0].after: "),
        (
            [_policy({"after": "5m", "notify": ["admins"], "repeat": "often"})],
            "escalation[0].steps[0].repeat: ",
        ),
        (
            [
                _policy({"after": "5m", "notify": ["admins"]}),
                _policy({"after": "5m", "notify": ["admins"]}, severities=("sev2", "sev1")),
            ],
            "escalation[1].severities[1]: sev1 already has a policy (escalation[0])",
        ),
        (
            [
                _policy(
                    {"after": "5m", "notify": ["admins"], "repeat": "10m"},
                    {"after": "15m", "notify": ["admins"]},
                )
            ],
            "escalation[0].steps[0].repeat: only the last step may repeat",
        ),
        (
            [_policy({"after": "15m", "notify": ["admins"]}, {"after": "5m", "notify": ["U_A"]})],
            "escalation[0].steps[1].after: steps run in order",
        ),
        ([_policy({"after": "5m", "notify": ["bob"]})], "escalation[0].steps[0].notify[0]: "),
        ([_policy({"after": "5m", "notify": []})], "escalation[0].steps[0].notify: "),
        ([_policy({"after": "5m", "notify": ["admins"]}, severities=("sev9",))], "severities[0]"),
        ([{"severities": ["sev1"], "steps": []}], "escalation[0].steps: "),
    ],
)
def test_escalation_errors_are_located(policies: list, expected: str) -> None:
    errors = _errors(escalation=policies)
    assert any(expected in line for line in errors), errors


def test_incidents_oncall_settings_are_checked() -> None:
    errors = _errors(incidents={"default_commander": "boss", "oncall_rotation": "nightly"})
    assert any(e.startswith("incidents.default_commander: ") for e in errors), errors
    assert any(
        e.startswith("incidents.oncall_rotation: there is no rotation called 'nightly'")
        for e in errors
    ), errors


def test_a_valid_policy_parses() -> None:
    cfg = parse_config(
        {
            "rotations": [ROTATION],
            "incidents": {"default_commander": "oncall", "oncall_rotation": "primary"},
            "escalation": [
                _policy(
                    {"after": "5m", "notify": ["rotation:primary"]},
                    {"after": "30m", "notify": ["admins", "U_LEAD"], "repeat": "30m"},
                    severities=("sev1", "sev2"),
                )
            ],
        }
    )
    assert cfg.escalation[0].steps[1].repeat == timedelta(minutes=30)
    assert escalation.policy_for(cfg, "sev2") == (0, cfg.escalation[0])
    assert escalation.policy_for(cfg, "sev3") is None
