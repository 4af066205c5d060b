"""`[[escalation]]` policies in the config file: who is paged, and when, while an incident is
unacknowledged (SPEC "Incident response").

A policy covers a set of severities with ordered steps. Each step's ``after`` is measured from
when the incident was raised (or reopened, which starts a new round), not from the step before,
so a policy reads as a timetable: 5m, 15m, 30m. The last step may ``repeat`` until someone
acknowledges. ``notify`` lists Slack user ids, ``rotation:<name>`` (whoever is on call in that
rotation when the step is due) and ``admins``.

What one entry cannot tell by itself (a rotation that does not exist, a severity in two
policies, a ``repeat`` before the last step, steps out of order) is checked by
``escalation_checks`` over the file's data, so every error is reported at its own location.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.errors import UserError
from storage.incidents import Severity

ROTATION_PREFIX = "rotation:"
ADMINS = "admins"
_TARGET = re.compile(r"^(admins|rotation:[a-z0-9][a-z0-9._-]{0,63}|[UW][A-Z0-9_]+)$")
MIN_REPEAT = timedelta(minutes=1)


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError('a duration is a string such as "5m", "1h" or "1h30m"')
    from bot.durations import parse_duration

    try:
        return parse_duration(value)
    except UserError as exc:
        raise ValueError(exc.message) from None


def _target(value: object) -> object:
    if isinstance(value, str) and not _TARGET.match(value.strip()):
        raise ValueError(
            f"{value!r} is not someone to notify: use a user id (U...), "
            '"rotation:<name>" or "admins"'
        )
    return value.strip() if isinstance(value, str) else value


Target = Annotated[str, BeforeValidator(_target)]
StepDuration = Annotated[timedelta, BeforeValidator(_duration)]


class EscalationStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after: StepDuration  # since the incident was raised (or reopened)
    notify: list[Target] = Field(min_length=1)
    repeat: StepDuration | None = None

    @field_validator("repeat")
    @classmethod
    def _not_too_often(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < MIN_REPEAT:
            raise ValueError("repeat at most once a minute (repeat >= 1m)")
        return value


class EscalationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severities: list[Severity] = Field(min_length=1)
    steps: list[EscalationStep] = Field(min_length=1)


Loc = tuple[int | str, ...]


def escalation_checks(data: dict[str, object]) -> list[tuple[Loc, str]]:
    """Errors across entries and sections, read from the raw file data (malformed parts are
    skipped: the model reports them)."""
    errors: list[tuple[Loc, str]] = []
    rotations = _rotation_names(data)
    incidents = data.get("incidents")
    if isinstance(incidents, dict):
        name = incidents.get("oncall_rotation")
        if isinstance(name, str) and name not in rotations:
            errors.append((("incidents", "oncall_rotation"), _unknown_rotation(name, rotations)))
    policies = data.get("escalation")
    if not isinstance(policies, list):
        return errors
    first: dict[str, int] = {}
    for i, policy in enumerate(policies):
        if not isinstance(policy, dict):
            continue
        severities = policy.get("severities")
        for j, sev in enumerate(severities if isinstance(severities, list) else []):
            if not isinstance(sev, str):
                continue
            if sev in first:
                errors.append(
                    (("escalation", i, "severities", j),
                     f"{sev} already has a policy (escalation[{first[sev]}]): "
                     "one policy per severity")
                )  # fmt: skip
            else:
                first[sev] = i
        steps = policy.get("steps")
        if isinstance(steps, list):
            errors += _step_checks(i, steps, rotations)
    return errors


def _step_checks(i: int, steps: list[object], rotations: list[str]) -> list[tuple[Loc, str]]:
    errors: list[tuple[Loc, str]] = []
    previous: timedelta | None = None
    for k, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        at: Loc = ("escalation", i, "steps", k)
        if step.get("repeat") is not None and k != len(steps) - 1:
            errors.append(((*at, "repeat"), "only the last step may repeat"))
        notify = step.get("notify")
        for n, target in enumerate(notify if isinstance(notify, list) else []):
            if isinstance(target, str) and target.startswith(ROTATION_PREFIX):
                name = target.removeprefix(ROTATION_PREFIX)
                if name not in rotations:
                    errors.append(((*at, "notify", n), _unknown_rotation(name, rotations)))
        try:
            after = _duration(step.get("after"))
        except ValueError:
            continue  # the model says why
        if previous is not None and after < previous:
            errors.append(
                ((*at, "after"),
                 "steps run in order: after is measured from when the incident was raised, "
                 "so it cannot be earlier than the step before")
            )  # fmt: skip
        previous = after
    return errors


def _rotation_names(data: dict[str, object]) -> list[str]:
    items = data.get("rotations")
    if not isinstance(items, list):
        return []
    return [r["name"] for r in items if isinstance(r, dict) and isinstance(r.get("name"), str)]


def _unknown_rotation(name: str, rotations: list[str]) -> str:
    known = ", ".join(rotations) if rotations else "none are configured"
    return f"there is no rotation called {name!r} (rotations: {known})"
