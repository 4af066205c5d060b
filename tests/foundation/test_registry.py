"""The registry: what each area declares, once, into the registry a process (or a test) builds."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot import oncall
from bot.app import AREAS, build_registry, listeners
from bot.context import Ctx
from bot.incidents.payloads import IncidentRef
from bot.messenger import Messenger
from bot.registry import Registry, RegistryError
from bot.sections import DigestSection
from storage.models import Notice

SPEC_COMMANDS = [
    "/digest",
    "/incident",
    "/maintenance",
    "/purchase",
    "/report",
    "/resource",
    "/shift",
]


def _send(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    pass


def _other_send(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    pass


def test_every_area_declares_its_command_kinds_and_sections() -> None:
    registry = build_registry()
    assert [c.slash for c in registry.command_sets()] == SPEC_COMMANDS
    kinds = registry.notice_kinds()
    for kind in (
        "incident.escalate",
        "incident.page_now",
        "purchase.ask",
        "booking.end",
        "shift.handoff",
    ):
        assert kind in kinds
    assert {"maintenance.remind", "digest.post", "report.post"} <= kinds
    planners = [name for name, _ in registry.planners()]
    assert planners == ["digests", "failures", "maintenance", "reports", "shifts"]
    digest = [name for name, _ in registry.digest_sections()]
    assert digest == [
        "incidents", "incident-followups", "purchases", "shifts", "bookings", "maintenance",
        "incidents-closed", "purchases-decided",
    ]  # fmt: skip
    home = [name for name, _ in registry.home_sections()]
    assert home == [
        "incidents", "incident-followups", "purchases-waiting", "purchases-mine", "bookings",
        "shifts",
    ]  # fmt: skip
    assert [name for name, _ in registry.blocker_sources()] == ["maintenance"]
    assert registry.on_call is not None and registry.home_view is not None
    assert registry.mentions() == [], "mention routes come with the Slack listeners"


def test_each_build_is_a_fresh_registry_nothing_is_shared() -> None:
    first, second = build_registry(), build_registry()
    first.add_notice_kind("test.only-here", _send, payload=IncidentRef)
    assert first.handler_for("test.only-here") is _send
    assert second.handler_for("test.only-here") is None
    assert build_registry([]).notice_kinds() == set()


@pytest.mark.parametrize(
    "declare_twice",
    [
        lambda r: (
            r.add_notice_kind("x.y", _send, payload=IncidentRef),
            r.add_notice_kind("x.y", _other_send, payload=IncidentRef),
        ),
        lambda r: (r.add_planner("p", _send), r.add_planner("p", _other_send)),
        lambda r: (r.add_digest_section("s", 1, _send), r.add_digest_section("s", 2, _other_send)),
        lambda r: (r.add_home_section("h", 1, _send), r.add_home_section("h", 2, _other_send)),
        lambda r: (r.add_blocker_source("b", _send), r.add_blocker_source("b", _other_send)),
        lambda r: (r.provide_on_call(_send), r.provide_on_call(_other_send)),
        lambda r: (r.provide_home(_send), r.provide_home(_other_send)),
        lambda r: (
            r.add_mention("hi", "hi", "says hi", _send),
            r.add_mention("hi", "hi", "says hi", _other_send),
        ),
    ],
)
def test_a_second_declaration_of_one_name_is_refused_naming_both(declare_twice) -> None:
    registry: Registry[Ctx] = Registry()
    with pytest.raises(RegistryError) as raised:
        declare_twice(registry)
    message = str(raised.value)
    assert "twice" in message
    assert f"{__name__}._send" in message and f"{__name__}._other_send" in message


def test_an_area_registered_twice_is_refused() -> None:
    with pytest.raises(RegistryError, match="slash command '/incident' is declared twice"):
        build_registry([*AREAS, AREAS[0]])


def test_missing_kinds_are_those_no_area_handles() -> None:
    registry = build_registry()
    assert registry.missing_kinds(["incident.remind", "digest.post"]) == set()
    assert registry.missing_kinds(["incident.remind", "incident.page", "x"]) == {
        "incident.page",
        "x",
    }


def test_sections_are_ordered_by_their_order_then_name() -> None:
    registry: Registry[Ctx] = Registry()

    def section(title: str) -> Any:
        return lambda ctx, since, tz, limit: DigestSection(title)

    registry.add_digest_section("b", 2, section("b"))
    registry.add_digest_section("c", 1, section("c"))
    registry.add_digest_section("a", 2, section("a"))
    assert [name for name, _ in registry.digest_sections()] == ["c", "a", "b"]


def test_every_area_has_its_listeners_and_they_declare_the_mention_routes() -> None:
    from slack_bolt import App

    modules = {m.__name__ for m in listeners()}
    # No Slack listeners of their own: failures speaks only through its daily DM, alerts only
    # listens on its HTTP hook; calendars (answered through /shift) and the read API serve
    # plain HTTP routes.
    silent = {"failures", "alerts", "calendars", "api"}
    for area in AREAS:
        name = area.__name__.split(".")[1]
        assert (f"handlers.{name}" in modules) != (name in silent), name
    registry = build_registry()
    app = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    for module in listeners():
        module.register(app, registry)
    usages = [route.usage for route in registry.mentions()]
    assert usages == ["incident <title> [sev1-4]", "status <resource>", "who is on call [rotation]"]


def test_notify_refuses_a_kind_no_area_handles_and_writes_nothing(unit, sessions) -> None:
    with pytest.raises(LookupError, match=r"'incident\.page'"), unit() as ctx:
        ctx.notify("incident.page", IncidentRef(id=1))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 0


@freeze_time("2026-12-07 08:00:00")  # the example rotation has U_BOB on call this week
def test_who_is_on_call_comes_from_the_provider_else_the_admins(unit, config) -> None:
    with unit() as ctx:
        assert oncall.on_call(ctx) == ["U_BOB"]  # the shifts area's answer
        bare = Ctx(ctx.session, ctx.now, ctx.config, ctx.actor, build_registry([]))
        assert oncall.on_call(bare) == list(config.admins) == ["U_ALICE"]
