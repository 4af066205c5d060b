"""The config file (`opsdesk.toml`, SPEC "Config file"), validated at start with located errors.

Every error names where it is (`purchases.rules[1].steps: ...`) so an operator can fix a file
without reading a traceback. Unknown keys are errors too: a typo must not silently mean "default".
"""

from __future__ import annotations

import tomllib
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from bot.errors import UserError
from bot.escalation_config import EscalationPolicy, escalation_checks
from bot.tz import zone
from storage.incidents import Severity

USER_ID_PATTERN = r"^[UW][A-Z0-9_]+$"
CHANNEL_ID_PATTERN = r"^[CGD][A-Z0-9_]+$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError('a duration is a string such as "30m", "24h" or "14d"')
    from bot.timeparse import parse_duration

    try:
        return parse_duration(value)
    except UserError as exc:
        raise ValueError(exc.message) from None


def _zone_name(value: str) -> str:
    zone(value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _at(value: object) -> object:
    """A scheduled post's ``at``: "09:00" as a time of day (a TOML time passes as it is)."""
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%H:%M").time()
        except ValueError:
            raise ValueError('at is a local time of day such as "09:00"') from None
    return value


At = Annotated[time, BeforeValidator(_at)]
ZoneName = Annotated[str, AfterValidator(_zone_name)]
UserId = Annotated[str, Field(pattern=USER_ID_PATTERN)]
ChannelId = Annotated[str, Field(pattern=CHANNEL_ID_PATTERN)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


REMIND_EVERY: dict[Severity, timedelta] = {
    "sev1": timedelta(minutes=30),
    "sev2": timedelta(hours=1),
    "sev3": timedelta(hours=4),
    "sev4": timedelta(hours=24),
}


class IncidentsConfig(_Section):
    channel: ChannelId | None = None
    create_channel: bool = False
    # How long an open incident may go without an update before its thread is nudged.
    remind_every: dict[Severity, Duration] = Field(default_factory=REMIND_EVERY.copy)
    # The first page of the default escalation policy (used when no [[escalation]] is set).
    escalate_after: Duration = timedelta(minutes=5)
    # "oncall": whoever is on call in ``oncall_rotation`` (default: the first) commands a new
    # incident; absent: nobody until someone acknowledges.
    default_commander: Literal["oncall"] | None = None
    oncall_rotation: Name | None = None  # checked against [[rotations]] by escalation_checks
    # With create_channel: how long after resolution the incident's channel is archived.
    archive_after: Duration = timedelta(hours=24)


class PurchaseRule(_Section):
    up_to: Decimal | None = Field(default=None, gt=0)
    steps: list[Annotated[list[UserId], Field(min_length=1)]] = Field(min_length=1)


class PurchasesConfig(_Section):
    currency: Currency = "EUR"
    channel: ChannelId | None = None
    rates: dict[Currency, Annotated[Decimal, Field(gt=0)]] = Field(default_factory=dict)
    remind_after: Duration = timedelta(hours=24)
    expire_after: Duration = timedelta(days=14)
    rules: list[PurchaseRule] = Field(default_factory=list)
    # Who takes a step whose only approver is the requester; None means the admins, [] nobody.
    fallback: list[UserId] | None = None
    # The order of the rules is checked by parse_config (cross_checks), with the other errors.


class ResourceConfig(_Section):
    name: Name
    kind: Name = "other"
    capacity: int = Field(default=1, ge=1, le=1000)


class BookingsConfig(_Section):
    max_length: Duration = timedelta(days=7)
    remind_before_end: Duration = timedelta(minutes=10)


class RotationConfig(_Section):
    name: Name
    channel: ChannelId | None = None
    members: list[UserId] = Field(min_length=1)
    start: datetime
    length: Duration
    timezone: ZoneName = "UTC"
    remind_before: Duration = timedelta(hours=1)

    @field_validator("start", mode="before")
    @classmethod
    def _local_start(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
            except ValueError:
                raise ValueError('start is a local time such as "2026-11-30 09:00"') from None
        return value

    @field_validator("start")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        # The start is wall time in the rotation's zone; an offset would contradict it.
        return value.replace(tzinfo=None)

    @field_validator("length")
    @classmethod
    def _at_least_an_hour(cls, value: timedelta) -> timedelta:
        if value < timedelta(hours=1):
            raise ValueError("a shift lasts at least 1h")
        return value


class MaintenanceConfig(_Section):
    channel: ChannelId | None = None
    remind_before: list[Duration] = Field(
        default_factory=lambda: [timedelta(hours=24), timedelta(hours=1)]
    )


class TimeConfig(_Section):
    # What "tonight" means when people type it (`/resource book van tonight for 2h`).
    tonight: time = time(20, 0)

    @field_validator("tonight", mode="before")
    @classmethod
    def _hhmm(cls, value: object) -> object:
        if isinstance(value, time):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%H:%M").time()
        except ValueError:
            raise ValueError('tonight is a local time of day such as "20:00"') from None

    @field_validator("tonight")
    @classmethod
    def _evening(cls, value: time) -> time:
        if not time(12, 0) <= value <= time(23, 59):
            raise ValueError('tonight is an evening time between 12:00 and 23:59, such as "20:00"')
        return value


DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES: tuple[DayName, ...] = get_args(DayName)


class DigestConfig(_Section):
    channel: ChannelId
    at: At
    days: Literal["daily", "weekdays"] | list[DayName] = "weekdays"
    timezone: ZoneName | None = None
    quiet: bool = False

    @property
    def weekdays(self) -> frozenset[int]:
        if self.days == "daily":
            return frozenset(range(7))
        if self.days == "weekdays":
            return frozenset(range(5))
        return frozenset(DAY_NAMES.index(d) for d in self.days)


REPORT_SECTIONS = ("incidents", "purchases", "resources", "oncall")


class ReportConfig(_Section):
    """A weekly report posted in a channel: the week before, at a local time on one day."""

    channel: ChannelId
    day: Literal[DAY_NAMES] = "mon"  # type: ignore[valid-type]
    at: At
    timezone: ZoneName | None = None
    sections: list[Literal[REPORT_SECTIONS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(REPORT_SECTIONS), min_length=1
    )

    @field_validator("day", mode="before")
    @classmethod
    def _lower_day(cls, value: object) -> object:
        return value.strip().lower()[:3] if isinstance(value, str) else value

    @field_validator("sections")
    @classmethod
    def _once_each(cls, sections: list[str]) -> list[str]:
        twice = sorted({s for s in sections if sections.count(s) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is listed twice")
        return sections

    @property
    def weekday(self) -> int:
        return DAY_NAMES.index(self.day)


ALERT_FORMATS = ("alertmanager", "grafana", "generic")
DEFAULT_SEVERITY_MAP: dict[str, Severity] = {
    "critical": "sev1",
    "error": "sev2",
    "warning": "sev3",
    "info": "sev4",
}


class AlertSourceConfig(_Section):
    """One `[[alerts]]` source: `POST /hooks/alerts/<name>` (SPEC "Alerts in")."""

    # Short enough to name the source as an actor on timelines ("alerts:<name>").
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,23}$")]
    format: Literal[ALERT_FORMATS]  # type: ignore[valid-type]
    # The environment variable holding the bearer token (never the token itself in the file).
    token_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    channel: ChannelId | None = None
    severity_label: str = Field(default="severity", min_length=1)
    severity_map: dict[str, Severity] = Field(default_factory=DEFAULT_SEVERITY_MAP.copy)
    resource_label: str | None = Field(default="resource", min_length=1)
    auto_resolve: bool = True
    reopen_within: Duration = timedelta(hours=1)


class RetentionConfig(_Section):
    """How long history that only grows is kept: finished notices (sent, skipped, cancelled,
    failed) and the ids of Slack events already handled. The audit trail is kept for good."""

    notices: Duration = timedelta(days=30)
    events: Duration = timedelta(days=7)

    @field_validator("notices")
    @classmethod
    def _notices_at_least_a_week(cls, value: timedelta) -> timedelta:
        # A finished notice's key keeps it from being queued twice; planners look a day or
        # so back, and the admins' daily list of failures reads the last days.
        if value < timedelta(days=7):
            raise ValueError("keep finished notices at least 7d")
        return value

    @field_validator("events")
    @classmethod
    def _events_at_least_a_day(cls, value: timedelta) -> timedelta:
        # Slack retries an event for about an hour; its id must outlive the retries.
        if value < timedelta(days=1):
            raise ValueError("keep handled event ids at least 1d")
        return value


class DeliveryConfig(_Section):
    """How fast notices reach one conversation (bot/pacing.py): up to ``burst`` messages at
    once, then ``per_second`` (Slack's limit is about one message a second per channel)."""

    burst: int = Field(default=4, ge=1, le=20)
    per_second: float = Field(default=1.0, gt=0, le=10)


class Config(_Section):
    admins: list[UserId] = Field(default_factory=list)
    timezone: ZoneName = "UTC"
    incidents: IncidentsConfig = Field(default_factory=IncidentsConfig)
    purchases: PurchasesConfig = Field(default_factory=PurchasesConfig)
    resources: list[ResourceConfig] = Field(default_factory=list)
    bookings: BookingsConfig = Field(default_factory=BookingsConfig)
    rotations: list[RotationConfig] = Field(default_factory=list)
    maintenance: MaintenanceConfig = Field(default_factory=MaintenanceConfig)
    digests: list[DigestConfig] = Field(default_factory=list)
    time: TimeConfig = Field(default_factory=TimeConfig)
    reports: list[ReportConfig] = Field(default_factory=list)
    alerts: list[AlertSourceConfig] = Field(default_factory=list)
    escalation: list[EscalationPolicy] = Field(default_factory=list)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)

    @field_validator("reports")
    @classmethod
    def _one_report_per_channel(cls, reports: list[ReportConfig]) -> list[ReportConfig]:
        first: dict[str, int] = {}
        for i, report in enumerate(reports):
            if report.channel in first:
                earlier = first[report.channel]
                raise ValueError(
                    f"reports[{i}] posts in {report.channel} like reports[{earlier}]: "
                    "one weekly report per channel (list all its sections in one)"
                )
            first[report.channel] = i
        return reports

    def report_for(self, channel: str) -> ReportConfig | None:
        return next((r for r in self.reports if r.channel == channel), None)

    def alert_source(self, name: str) -> AlertSourceConfig | None:
        return next((a for a in self.alerts if a.name == name), None)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def rotation(self, name: str) -> RotationConfig | None:
        return next((r for r in self.rotations if r.name == name), None)


class ConfigError(Exception):
    """The config file is unusable; ``errors`` holds one located line per problem."""

    def __init__(self, path: str, errors: list[str]):
        super().__init__(f"{path}: " + "; ".join(errors))
        self.path = path
        self.errors = errors


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not out:
            out = str(part)
        else:
            out += f".{part}"
    return out or "(top level)"


Loc = tuple[int | str, ...]


def validation_errors(exc: ValidationError) -> list[tuple[Loc, str]]:
    found = []
    for err in exc.errors():
        # Pydantic appends the union/literal branch to the location; the user wants the key.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        found.append((loc, err["msg"].removeprefix("Value error, ")))
    return found


def cross_checks(data: object) -> list[tuple[Loc, str]]:
    """What no single key can tell, read straight from the file's data so that it is reported
    together with every other error rather than only once they are fixed: the order of the
    purchase rules, and names used twice. Anything malformed is skipped (the model reports it)."""
    if not isinstance(data, dict):
        return []
    errors: list[tuple[Loc, str]] = escalation_checks(data)
    purchases = data.get("purchases")
    rules = purchases.get("rules") if isinstance(purchases, dict) else None
    if isinstance(rules, list):
        errors += _rule_order(rules)
    for section in ("resources", "rotations", "alerts"):
        items = data.get(section)
        if not isinstance(items, list):
            continue
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str):
                continue
            if name in first:
                loc = (section, first[name], "name")
                errors.append(
                    ((section, i, "name"), f"the name {name!r} is used twice (first at "
                     f"{_location(loc)})")
                )  # fmt: skip
            else:
                first[name] = i
    return errors


def _rule_order(rules: list[object]) -> list[tuple[Loc, str]]:
    errors: list[tuple[Loc, str]] = []
    previous: tuple[int, object, Decimal] | None = None
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        loc: Loc = ("purchases", "rules", i, "up_to")
        raw = rule.get("up_to")
        if raw is None:
            if i != len(rules) - 1:
                errors.append((loc, f"rule {i} has no up_to, so it must be the last rule"))
            continue
        try:
            limit = Decimal(str(raw))
        except ArithmeticError:
            continue  # not a number: the model says so
        if previous is not None and limit <= previous[2]:
            errors.append(
                (loc, f"rules must be in increasing order of up_to; {raw} is not above rule "
                 f"{previous[0]}'s {previous[1]}")
            )  # fmt: skip
        previous = (i, raw, limit)
    return errors


def _in_file_order(data: object, loc: Loc) -> tuple[float, ...]:
    """Where ``loc`` stands in the file, so errors are listed top to bottom."""
    key: list[float] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            key.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            key.append(part)
            node = node[part]
        else:
            key.append(float("inf"))  # a missing key: after what is there
            break
    return tuple(key)


def parse_config(data: dict, path: str = "<config>") -> Config:
    """Validate the whole file in one pass: every error at once, each at its own location."""
    try:
        config: Config | None = Config.model_validate(data)
        errors: list[tuple[Loc, str]] = []
    except ValidationError as exc:
        config, errors = None, validation_errors(exc)
    errors += cross_checks(data)
    if errors or config is None:
        ordered = sorted(errors, key=lambda e: _in_file_order(data, e[0]))
        raise ConfigError(path, [f"{_location(loc)}: {msg}" for loc, msg in ordered])
    return config


def load_config(path: str | Path | None) -> Config:
    """Read and validate a config file; ``None`` means "no file": all defaults."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(p), [f"cannot read the file ({exc.strerror})"]) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(p), [f"not valid TOML: {exc}"]) from None
    return parse_config(data, str(p))


def resolve_config_path(explicit: str | None, *, example_fallback: bool = False) -> Path | None:
    """$OPSDESK_CONFIG, else ./opsdesk.toml; the console may fall back to the example."""
    if explicit:
        return Path(explicit)
    local = Path("opsdesk.toml")
    if local.exists():
        return local
    if example_fallback:
        for candidate in (Path("opsdesk.example.toml"), _REPO_ROOT / "opsdesk.example.toml"):
            if candidate.exists():
                return candidate
    return None


_REPO_ROOT = Path(__file__).resolve().parent.parent
